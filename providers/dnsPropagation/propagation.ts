/**
 * Waits until DNS answers each public name with the server's address, on every server asked
 * (the zone's authoritative name servers, optionally one public resolver). Traefik asks Let's
 * Encrypt for a certificate as soon as a route exists and never retries a failed challenge,
 * so routes wait for this.
 *
 * Pure of Pulumi: runs inside the dynamic provider (copied there by closure serialization, so
 * only Node built-ins) and in tests against a DNS server on 127.0.0.1.
 */
import { promises as dnsPromises } from "dns";
import type { AddressRecordSpec } from "../../renderers/dnsRecords";

/** What the wait needs of a record: its name, type and the only address it may resolve to. */
export type ExpectedName = Pick<AddressRecordSpec, "fqdn" | "type" | "value">;

export interface WaitOptions {
    names: readonly ExpectedName[];
    /** DNS servers as `ip` or `ip:port` (`[ipv6]:port`). */
    servers: readonly string[];
    timeoutMs: number;
    pollMs: number;
    /** One query's timeout; defaults to a fraction of the poll interval, at least 500 ms. */
    queryTimeoutMs?: number;
    log: (line: string) => void;
    /** Printed first and repeated in the timeout message (manual mode: the records to create). */
    instructions?: string;
}

/** What one server said about one name in the latest round. */
type Observation = { ok: true } | { ok: false; detail: string };

/** Upper bound on progress lines, so a 10-minute wait does not flood the log. */
const PROGRESS_EVERY_MS = 15_000;

export async function waitForRecords(options: WaitOptions): Promise<void> {
    if (options.names.length === 0) return;
    if (options.servers.length === 0) throw new Error("DNS propagation: no DNS server to ask.");
    const started = Date.now();
    const deadline = started + options.timeoutMs;
    const queryTimeoutMs = options.queryTimeoutMs ?? Math.max(500, Math.min(5_000, Math.floor(options.pollMs / 2)));
    if (options.instructions) options.log(options.instructions);
    options.log(`Waiting up to ${formatSeconds(options.timeoutMs)} for ${options.names.length} name(s) on ${options.servers.join(", ")}.`);
    let lastSummary = "";
    let lastLogged = 0;
    let observations = new Map<string, Observation>();
    for (let round = 1; ; round++) {
        observations = await observeAll(options.names, options.servers, queryTimeoutMs);
        const pending = [...observations].filter(([, seen]) => !seen.ok);
        if (pending.length === 0) {
            options.log(`DNS answers the expected address for every name (${formatSeconds(Date.now() - started)}).`);
            return;
        }
        const summary = describePending(pending);
        if (summary !== lastSummary || Date.now() - lastLogged >= PROGRESS_EVERY_MS) {
            options.log(`Still waiting (round ${round}, ${formatSeconds(Date.now() - started)}): ${summary}`);
            lastSummary = summary;
            lastLogged = Date.now();
        }
        if (Date.now() + options.pollMs >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, options.pollMs));
    }
    const pending = [...observations].filter(([, seen]) => !seen.ok);
    throw new Error(
        `DNS propagation: not every name resolved to the server within ${formatSeconds(options.timeoutMs)}: ${describePending(pending)}. ` +
            "Certificates are requested only once DNS answers correctly. " +
            (options.instructions ? `${options.instructions}\n` : "") +
            "Fix: check the records, wait, and run `pulumi up` again (or raise dropit:dns.propagationTimeoutSeconds).",
    );
}

async function observeAll(
    names: readonly ExpectedName[],
    servers: readonly string[],
    queryTimeoutMs: number,
): Promise<Map<string, Observation>> {
    const pairs = names.flatMap((name) => servers.map((server) => ({ name, server })));
    const results = await Promise.all(pairs.map(({ name, server }) => observe(name, server, queryTimeoutMs)));
    return new Map(pairs.map(({ name, server }, index) => [`${name.fqdn} ${name.type} at ${server}`, results[index]]));
}

async function observe(name: ExpectedName, server: string, queryTimeoutMs: number): Promise<Observation> {
    const resolver = new dnsPromises.Resolver({ timeout: queryTimeoutMs, tries: 1 });
    resolver.setServers([server]);
    try {
        const query = name.type === "A" ? resolver.resolve4(name.fqdn) : resolver.resolve6(name.fqdn);
        const answers = await withinMs(query, queryTimeoutMs);
        const expected = canonicalAddress(name.value);
        const found = answers.map(canonicalAddress);
        if (found.length === 1 && found[0] === expected) return { ok: true };
        return { ok: false, detail: `answers ${found.join(", ")} (expected only ${name.value})` };
    } catch (error) {
        const code = (error as { code?: string } | null)?.code ?? "error";
        return { ok: false, detail: `no answer yet (${code})` };
    } finally {
        resolver.cancel();
    }
}

/**
 * The resolver's `timeout` is c-ares's starting value for one try, not a bound on the query; a
 * timer of our own keeps every round within queryTimeoutMs whatever c-ares does.
 */
async function withinMs<T>(work: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: "ETIMEOUT" })), ms);
    });
    try {
        return await Promise.race([work, expired]);
    } finally {
        clearTimeout(timer);
        work.catch(() => undefined);
    }
}

function describePending(pending: readonly [string, Observation][]): string {
    return pending.map(([where, seen]) => `${where}: ${seen.ok ? "ok" : seen.detail}`).join("; ");
}

/** IPv6 has many spellings; compare the one the URL parser prints. */
export function canonicalAddress(address: string): string {
    if (!address.includes(":")) return address.trim();
    try {
        return new URL(`http://[${address.trim()}]/`).hostname.replace(/^\[|\]$/g, "");
    } catch {
        return address.trim().toLowerCase();
    }
}

function formatSeconds(ms: number): string {
    return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The zone's authoritative servers as addresses, found through `resolverAddress` (or the
 * system's resolver). Bounded by the resolver's own timeout and tries.
 */
export async function authoritativeServers(zone: string, resolverAddress?: string): Promise<string[]> {
    const resolver = new dnsPromises.Resolver({ timeout: 3_000, tries: 2 });
    if (resolverAddress) resolver.setServers([resolverAddress]);
    try {
        const hosts = await resolver.resolveNs(zone);
        const addresses = await Promise.all(hosts.map((host) => resolver.resolve4(host).catch(() => [] as string[])));
        const servers = [...new Set(addresses.flat())].sort();
        if (servers.length === 0) throw Object.assign(new Error("no address for its name servers"), { code: hosts.join(", ") || "no NS" });
        return servers;
    } catch (error) {
        const failure = error as { code?: string; message?: string } | null;
        throw new Error(
            `DNS propagation: could not find the name servers of ${zone} (${failure?.code ?? failure?.message ?? "error"}). ` +
                "Fix: check that the zone is delegated to Infomaniak (`dig NS " +
                zone +
                "`), or set dropit:dns.publicResolver to a resolver that can reach them.",
        );
    } finally {
        resolver.cancel();
    }
}
