/**
 * Which existing record a desired record corresponds to, and what to do about it. Pure: no
 * HTTP, so the rules (apex spellings, adoption, conflicts) are tested on their own.
 */
import type { ApiRecord, ZoneRecord } from "./client";

/** The spelling sent for the apex on create; the API reads it back as "." too. */
export const APEX = ".";

/**
 * One spelling per name: apex as ".", lower case, no trailing dot, relative to the zone even
 * when given as a full name.
 */
export function normaliseSource(source: string, zone: string): string {
    const name = source.trim().toLowerCase().replace(/\.$/, "");
    const bareZone = zone.trim().toLowerCase().replace(/\.$/, "");
    if (name === "" || name === "@" || name === bareZone) return APEX;
    return name.endsWith(`.${bareZone}`) ? name.slice(0, -(bareZone.length + 1)) : name;
}

/**
 * TXT/CAA values come back quoted or spaced differently; compare them loosely, addresses
 * exactly but in one spelling (IPv6 in its canonical compressed form: 2001:0DB8:0:0::10 and
 * 2001:db8::10 are the same address).
 */
export function normaliseTarget(type: string, target: string): string {
    const trimmed = target.trim();
    if (type === "AAAA") return canonicalIpv6(trimmed);
    if (type === "A") return trimmed.toLowerCase();
    // Quotes first: removing one may leave spaces to collapse or trim.
    return trimmed.replace(/"/g, "").replace(/\s+/g, " ").trim().toLowerCase();
}

/** The WHATWG URL parser writes IPv6 hosts in RFC 5952 form; anything else only lower-cased. */
function canonicalIpv6(address: string): string {
    try {
        return new URL(`http://[${address}]/`).hostname.slice(1, -1);
    } catch {
        return address.toLowerCase();
    }
}

export function fqdnOf(source: string, zone: string): string {
    const relative = normaliseSource(source, zone);
    return relative === APEX ? zone : `${relative}.${zone}`;
}

export function sameName(record: ApiRecord, desired: ZoneRecord): boolean {
    return normaliseSource(record.source, desired.zone) === normaliseSource(desired.source, desired.zone);
}

export function sameTarget(record: ApiRecord, desired: ZoneRecord): boolean {
    return normaliseTarget(desired.type, record.target) === normaliseTarget(desired.type, desired.target);
}

export type Placement =
    | { action: "create" }
    /** An existing record becomes ours to update; `update` when its target or TTL differ. */
    | { action: "adopt"; record: ApiRecord; update: boolean }
    | { action: "conflict"; message: string };

/**
 * Decides from the zone's records. Matching is by (normalised name, type), so a retried
 * create never duplicates; a CNAME on the name blocks an address record.
 */
export function placeRecord(existing: readonly ApiRecord[], desired: ZoneRecord, adopt: boolean): Placement {
    const fqdn = fqdnOf(desired.source, desired.zone);
    const onName = existing.filter((record) => sameName(record, desired));
    const sameType = onName.filter((record) => record.type === desired.type);
    const cname = onName.find((record) => record.type === "CNAME");
    if (cname && desired.type !== "CNAME") {
        return {
            action: "conflict",
            message:
                `Infomaniak DNS: ${fqdn} is a CNAME to ${cname.target} (record id ${cname.id}), so the ${desired.type} record cannot be added. ` +
                "Nothing was changed. Fix: remove the CNAME in Infomaniak's panel if this name should point at the server.",
        };
    }
    if (sameType.length === 0) return { action: "create" };
    if (sameType.length > 1) {
        const values = sameType.map((record) => `${record.target} (id ${record.id})`).join(", ");
        return {
            action: "conflict",
            message:
                `Infomaniak DNS: ${fqdn} has ${sameType.length} ${desired.type} records (${values}); this program manages one. ` +
                "Nothing was changed. Fix: keep at most one in Infomaniak's panel; it is adopted if it holds the server's address " +
                `(or with dropit:dns.adoptExisting).`,
        };
    }
    const [record] = sameType;
    if (sameTarget(record, desired)) return { action: "adopt", record, update: record.ttl !== desired.ttl };
    if (adopt) return { action: "adopt", record, update: true };
    return { action: "conflict", message: conflictMessage(record, desired) };
}

export function conflictMessage(record: ApiRecord, desired: ZoneRecord): string {
    const relative = normaliseSource(desired.source, desired.zone);
    const configName = relative === APEX ? "@" : relative;
    return (
        `Infomaniak DNS: the ${desired.type} record ${fqdnOf(desired.source, desired.zone)} already exists with the value ${record.target} ` +
        `(record id ${record.id}), not ${desired.target}. Nothing was changed. ` +
        `To let this program take it over (its value becomes ${desired.target}; it is left in place on destroy), adopt it: ` +
        `\`pulumi config set --path 'dropit:dns.adoptExisting[0]' '${configName}'\` (next free index if the list has names; ` +
        "`pulumi config set --path 'dropit:dns.adoptExisting' true` adopts every name). Or change or delete it in Infomaniak's panel."
    );
}
