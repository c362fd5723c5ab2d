/**
 * The dynamic provider behind `DnsRecord`: one record of an Infomaniak zone, created (or
 * adopted), updated in place and deleted by id. It never touches a record it did not create
 * or adopt, and never deletes an adopted one.
 *
 * Pulumi serializes this object into the state (code from this repository by value), so it
 * builds its API settings inside each method from the inputs and captures only plain data.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
    ApiRecord,
    ApiSettings,
    assertZoneExists,
    ZoneRecord,
    createRecord,
    DEFAULT_LIMITS,
    deleteRecord,
    getRecord,
    infomaniakError,
    isInfomaniakError,
    messageOf,
    listRecords,
    redact,
    RetryLimits,
    updateRecord,
} from "./client";
import { DNS_TTL_SECONDS, withinBounds } from "../../config/rules";
import { APEX, fqdnOf, normaliseSource, normaliseTarget, placeRecord, sameName, sameTarget } from "./records";

/** Bump when the provider's behaviour changes, so existing resources see a diff. */
export const RECORD_PROVIDER_VERSION = "1";

export const RECORD_TYPES = ["A", "AAAA", "CAA"] as const;

/**
 * Inputs as the provider receives them (secret markers already stripped by the engine): the
 * record in the API's words, and how to reach the API. These are also the stored state.
 */
export interface DnsRecordInputs extends ZoneRecord {
    token: string;
    apiUrl: string;
    /** Take over an existing record of this name and type whatever its value. */
    adopt: boolean;
    providerVersion: string;
}

export interface DnsRecordOutputs extends DnsRecordInputs {
    recordId: number;
    /** True when the record existed before us: it is never deleted by this program. */
    adopted: boolean;
    fqdn: string;
}

/** Properties whose change is a new record; everything else updates in place. */
const IDENTITY = ["zone", "source", "type"] as const;
const IN_PLACE = ["target", "ttl", "token", "apiUrl", "adopt", "providerVersion"] as const;
/** Create attempts when a POST ends without an answer (each preceded by a fresh list). */
const CREATE_ATTEMPTS = 3;

export function createDnsRecordProvider(limits: RetryLimits = DEFAULT_LIMITS): pulumi.dynamic.ResourceProvider {
    const settingsOf = (props: Pick<DnsRecordInputs, "apiUrl" | "token">): ApiSettings => ({
        apiUrl: props.apiUrl,
        token: props.token,
        limits,
    });
    const desiredOf = (props: DnsRecordInputs): ZoneRecord => ({
        zone: props.zone,
        source: props.source,
        type: props.type,
        target: props.target,
        ttl: props.ttl,
    });
    /** Errors leave the provider through this, so no token can ride along in a message. */
    const guarded = async <T>(props: Pick<DnsRecordInputs, "token">, work: () => Promise<T>): Promise<T> => {
        try {
            return await work();
        } catch (error) {
            const message = messageOf(error);
            throw new Error(redact(message, props.token ?? ""));
        }
    };

    return {
        async check(olds: Partial<DnsRecordInputs>, news: DnsRecordInputs): Promise<pulumi.dynamic.CheckResult> {
            const failures = inputProblems(news);
            if (failures.length > 0 || !isNewIdentity(olds, news) || !allKnown(news)) return { inputs: news, failures };
            // A new name is checked against the zone already here, so `pulumi up` stops in its
            // preview, before any record is created, when one of them conflicts.
            try {
                const existing = await listRecords(settingsOf(news), news.zone);
                const placement = placeRecord(existing, desiredOf(news), news.adopt);
                if (placement.action === "conflict") failures.push({ property: "target", reason: placement.message });
            } catch (error) {
                failures.push({ property: "token", reason: redact(messageOf(error), news.token) });
            }
            return { inputs: news, failures };
        },

        diff(_id: string, olds: DnsRecordOutputs, news: DnsRecordInputs): Promise<pulumi.dynamic.DiffResult> {
            const replaces = IDENTITY.filter((key) => identityValue(olds, key) !== identityValue(news, key));
            // `read` stores the API's spelling of the target: compare it normalised, or a refresh
            // would leave a perpetual update behind.
            const updates = IN_PLACE.filter((key) => (key === "target" ? !sameTargetValue(olds, news) : olds[key] !== news[key]));
            return Promise.resolve({ changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: false });
        },

        async create(inputs: DnsRecordInputs): Promise<pulumi.dynamic.CreateResult> {
            return guarded(inputs, async () => {
                const settings = settingsOf(inputs);
                await assertZoneExists(settings, inputs.zone);
                const { record, adopted } = await placeOrCreate(settings, desiredOf(inputs), inputs.adopt, limits);
                const outs: DnsRecordOutputs = { ...inputs, recordId: record.id, adopted, fqdn: fqdnOf(inputs.source, inputs.zone) };
                return { id: String(record.id), outs };
            });
        },

        async read(id: string, props: DnsRecordOutputs): Promise<pulumi.dynamic.ReadResult> {
            return guarded(props, async () => {
                const record = await getRecord(settingsOf(props), props.zone, Number(id));
                // Gone at Infomaniak: an empty result tells the engine to forget it (and recreate on up).
                if (!record) return {};
                return { id, props: { ...props, target: record.target, ttl: record.ttl } };
            });
        },

        async update(id: string, olds: DnsRecordOutputs, news: DnsRecordInputs): Promise<pulumi.dynamic.UpdateResult> {
            return guarded(news, async () => {
                if (!sameTargetValue(olds, news) || olds.ttl !== news.ttl) {
                    const fields = { source: wireSource(news), type: news.type, target: news.target, ttl: news.ttl };
                    try {
                        await updateRecord(settingsOf(news), news.zone, Number(id), fields);
                    } catch (error) {
                        if (isInfomaniakError(error) && error.status === 404) {
                            throw infomaniakError(
                                `Infomaniak DNS: record id ${id} (${fqdnOf(news.source, news.zone)}) no longer exists. ` +
                                    "Fix: `pulumi refresh` forgets it, then `pulumi up` creates it again.",
                            );
                        }
                        throw error;
                    }
                }
                const outs: DnsRecordOutputs = {
                    ...news,
                    recordId: olds.recordId,
                    adopted: olds.adopted,
                    fqdn: fqdnOf(news.source, news.zone),
                };
                return { outs };
            });
        },

        async delete(id: string, props: DnsRecordOutputs): Promise<void> {
            // Adopted records existed before this program and stay when it goes.
            if (props.adopted) return;
            await guarded(props, () => deleteRecord(settingsOf(props), props.zone, Number(id)));
        },
    };
}

/** What is sent as `source`: the apex as ".", which the API reads back unchanged. */
function wireSource(props: Pick<DnsRecordInputs, "source" | "zone">): string {
    const relative = normaliseSource(props.source, props.zone);
    return relative === APEX ? APEX : relative;
}

function sameTargetValue(olds: Pick<DnsRecordInputs, "type" | "target">, news: Pick<DnsRecordInputs, "type" | "target">): boolean {
    return normaliseTarget(news.type, String(olds.target ?? "")) === normaliseTarget(news.type, String(news.target ?? ""));
}

function identityValue(props: Partial<DnsRecordInputs>, key: (typeof IDENTITY)[number]): string {
    const zone = String(props.zone ?? "")
        .toLowerCase()
        .replace(/\.$/, "");
    if (key === "zone") return zone;
    if (key === "source") return normaliseSource(String(props.source ?? ""), zone);
    return String(props.type ?? "");
}

function isNewIdentity(olds: Partial<DnsRecordInputs>, news: DnsRecordInputs): boolean {
    return olds.zone === undefined || IDENTITY.some((key) => identityValue(olds, key) !== identityValue(news, key));
}

/** During a preview, values computed by other resources are unknown: skip the zone lookup then. */
function allKnown(news: DnsRecordInputs): boolean {
    const texts = [news.zone, news.source, news.type, news.target, news.token, news.apiUrl];
    return texts.every((value) => typeof value === "string" && !/^[0-9a-f]{8}-[0-9a-f]{4}-/.test(value)) && typeof news.ttl === "number";
}

function inputProblems(news: DnsRecordInputs): pulumi.dynamic.CheckFailure[] {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (typeof news.zone !== "string" || news.zone.trim() === "")
        failures.push({ property: "zone", reason: "must be the zone name, such as dropit-app.fr" });
    if (!(RECORD_TYPES as readonly string[]).includes(news.type))
        failures.push({ property: "type", reason: `must be one of ${RECORD_TYPES.join(", ")}` });
    if (typeof news.ttl === "number" && !withinBounds(news.ttl, DNS_TTL_SECONDS)) {
        failures.push({
            property: "ttl",
            reason: `must be a whole number of seconds between ${DNS_TTL_SECONDS.min} and ${DNS_TTL_SECONDS.max}`,
        });
    }
    if (typeof news.token === "string" && news.token.trim() === "") {
        failures.push({
            property: "token",
            reason: "must be an Infomaniak API token with scopes dns:read and dns:write (dropit:infomaniakToken)",
        });
    }
    return failures;
}

/**
 * Adopts the record that already carries this name, or creates it. A POST that ends without
 * an answer may have been applied: the zone is listed again before any new attempt.
 */
async function placeOrCreate(
    settings: ApiSettings,
    desired: ZoneRecord,
    adopt: boolean,
    limits: RetryLimits,
): Promise<{ record: ApiRecord; adopted: boolean }> {
    const placement = placeRecord(await listRecords(settings, desired.zone), desired, adopt);
    if (placement.action === "conflict") throw infomaniakError(placement.message);
    const fields = { source: wireSource(desired), type: desired.type, target: desired.target, ttl: desired.ttl };
    if (placement.action === "adopt") {
        if (placement.update) await updateRecord(settings, desired.zone, placement.record.id, fields);
        return { record: { ...placement.record, target: desired.target, ttl: desired.ttl }, adopted: true };
    }
    for (let attempt = 1; ; attempt++) {
        try {
            return { record: await createRecord(settings, desired.zone, fields), adopted: false };
        } catch (error) {
            const uncertain = isInfomaniakError(error) && (error.maybeApplied || error.code === "dns_record_already_exists");
            if (!uncertain) throw error;
            // Give a slow create time to land before looking for it.
            await new Promise((resolve) => setTimeout(resolve, Math.min(limits.baseBackoffMs, limits.maxBackoffMs)));
            const landed = (await listRecords(settings, desired.zone)).find(
                (record) => record.type === desired.type && sameName(record, desired) && sameTarget(record, desired),
            );
            // We listed the zone just before the POST and it was not there: it is ours.
            if (landed) return { record: landed, adopted: false };
            if ((isInfomaniakError(error) ? error.code : undefined) === "dns_record_already_exists" || attempt >= CREATE_ATTEMPTS)
                throw error;
        }
    }
}
