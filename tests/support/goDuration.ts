/**
 * A model of how the Docker provider writes a Swarm duration back into the state: Go's
 * `time.Duration.String()` ("1h0m30s", "1m0s", "1.5s", "500ms"), then a trailing zero-second
 * and zero-minute unit removed ("1m0s" -> "1m", "1h0m0s" -> "1h"). An input that is not already
 * in this form differs from the read-back value, and every `pulumi up` plans an update.
 * Written from that description for the tests; it is not the provider's code.
 */
const NANOS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's `time.ParseDuration` for non-negative values, in nanoseconds. */
export function parseGoDuration(text: string): number {
    if (text === "0") return 0;
    const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
    let total = 0;
    let consumed = 0;
    while (consumed < text.length) {
        part.lastIndex = consumed;
        const match = part.exec(text);
        if (!match) throw new Error(`not a Go duration: ${JSON.stringify(text)}`);
        total += Number(match[1]) * NANOS[match[2]];
        consumed = part.lastIndex;
    }
    if (text.length === 0) throw new Error("empty duration");
    return Math.round(total);
}

/** A number with no trailing fractional zeros (Go prints at most 9 fractional digits). */
function plain(value: number): string {
    return String(Number(value.toFixed(9)));
}

/** Go's `time.Duration.String()` for non-negative values. */
export function goDurationString(nanos: number): string {
    if (nanos === 0) return "0s";
    if (nanos < 1e3) return `${nanos}ns`;
    if (nanos < 1e6) return `${plain(nanos / 1e3)}µs`;
    if (nanos < 1e9) return `${plain(nanos / 1e6)}ms`;
    const hours = Math.floor(nanos / 3600e9);
    const minutes = Math.floor((nanos - hours * 3600e9) / 60e9);
    const seconds = (nanos - hours * 3600e9 - minutes * 60e9) / 1e9;
    return `${hours > 0 ? `${hours}h` : ""}${hours > 0 || minutes > 0 ? `${minutes}m` : ""}${plain(seconds)}s`;
}

/** What the provider stores for a duration it reads back from Swarm. */
export function readBackDuration(text: string): string {
    let out = goDurationString(parseGoDuration(text));
    if (out.endsWith("m0s")) out = out.slice(0, -2);
    if (out.endsWith("h0m")) out = out.slice(0, -2);
    return out;
}
