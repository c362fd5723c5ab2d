/**
 * Durations for Swarm service fields, written the way the Docker provider reads them back.
 *
 * The provider stores what it reads from Swarm as Go's `Duration.String()` with a trailing
 * zero-second or zero-minute unit removed: "60s" comes back as "1m", "3600s" as "1h". The next
 * `pulumi up` diffs the program's value against that, so a value in any other spelling is an
 * update on every run. Hours and minutes are written only when nonzero at the front, the rest
 * as Go prints it: 90 -> "1m30s", 3630 -> "1h0m30s", 3660 -> "1h1m", 0 -> "0s".
 */
export function swarmDuration(seconds: number): string {
    if (!Number.isInteger(seconds) || seconds < 0) {
        throw new Error(`swarmDuration: expected a whole number of seconds >= 0, got ${seconds}`);
    }
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const rest = seconds % 60;
    if (hours > 0) return `${hours}h${minutes > 0 || rest > 0 ? `${minutes}m` : ""}${rest > 0 ? `${rest}s` : ""}`;
    if (minutes > 0) return `${minutes}m${rest > 0 ? `${rest}s` : ""}`;
    return `${rest}s`;
}
