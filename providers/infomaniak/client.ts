/**
 * A small client for Infomaniak's DNS API v2 (https://developer.infomaniak.com, the DNS zone
 * endpoints; tests/support/fakeInfomaniak.ts reproduces the behaviour it relies on).
 *
 * It is copied by value into the state by Pulumi's closure serialization (it runs inside the
 * dynamic provider), so it only uses Node built-ins and globals: no zod, no class holding a
 * socket, nothing read at import time. Every loop is bounded in attempts and in time.
 */
import { domainToASCII } from "url";

export const DEFAULT_API_URL = "https://api.infomaniak.com";

/**
 * A record in the v2 API's words (the wire format, kept apart from the program's DnsRecordSpec):
 * `source` is the name relative to the zone, `target` the value.
 */
export interface RecordFields {
    source: string;
    type: string;
    target: string;
    ttl: number;
}

/** A record of a zone, before it has an id (what the program wants there). */
export interface ZoneRecord extends RecordFields {
    zone: string;
}

/** What the v2 API returns for a record (fields we rely on). */
export interface ApiRecord extends RecordFields {
    id: number;
}

/** Limits of the retry loop. Production defaults; tests shrink them. */
export interface RetryLimits {
    /** One HTTP exchange, from sending to the end of the body. */
    requestTimeoutMs: number;
    /** Attempts per request, the first included. */
    maxAttempts: number;
    /** Total time a request may take, waits included; a longer Retry-After is not honoured. */
    totalBudgetMs: number;
    /** First backoff; doubles per attempt, capped by `maxBackoffMs`. */
    baseBackoffMs: number;
    maxBackoffMs: number;
}

export const DEFAULT_LIMITS: RetryLimits = {
    requestTimeoutMs: 20_000,
    maxAttempts: 5,
    totalBudgetMs: 120_000,
    baseBackoffMs: 1_000,
    maxBackoffMs: 30_000,
};

export interface ApiSettings {
    apiUrl: string;
    /** Bearer token; never placed in a message (see `redact`). */
    token: string;
    limits: RetryLimits;
}

export interface InfomaniakErrorDetails {
    status?: number;
    code?: string;
    /**
     * The request may have been applied even though no answer came back (timeout or 5xx on a
     * POST). The caller must look before trying again.
     */
    maybeApplied?: boolean;
}

export interface InfomaniakError extends Error {
    readonly name: "InfomaniakError";
    readonly status?: number;
    readonly code?: string;
    readonly maybeApplied: boolean;
}

/**
 * A plain Error carrying the details, not a subclass: Pulumi's closure serialization turns
 * `class … extends Error` into a function whose instances are not Errors and lose their
 * message, so the engine would show "[object Object]" for every API failure.
 */
export function infomaniakError(message: string, details: InfomaniakErrorDetails = {}): InfomaniakError {
    return Object.assign(new Error(message), {
        name: "InfomaniakError" as const,
        status: details.status,
        code: details.code,
        maybeApplied: details.maybeApplied ?? false,
    });
}

/** Duck-typed, like `messageOf`: errors may come from another realm, where instanceof fails. */
export function isInfomaniakError(error: unknown): error is InfomaniakError {
    return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "InfomaniakError";
}

/** The message of anything thrown, never "[object Object]". */
export function messageOf(error: unknown): string {
    if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") {
        return (error as { message: string }).message;
    }
    return typeof error === "string" ? error : (JSON.stringify(error) ?? String(error));
}

const REQUIRED_SCOPES = "dns:read and dns:write";

/** Codes Infomaniak uses when the token is not allowed to do something. */
const AUTHORIZATION_CODES = new Set(["not_authorized", "all_scopes", "forbidden"]);

/** Zone name as the API wants it in a path: no trailing dot, lower case, punycode, URL-encoded. */
export function zonePath(zone: string): string {
    const bare = zone.trim().replace(/\.$/, "").toLowerCase();
    const ascii = domainToASCII(bare);
    if (ascii === "") throw infomaniakError(`Infomaniak DNS: ${JSON.stringify(zone)} is not a valid zone name.`);
    return encodeURIComponent(ascii);
}

/** Replaces the token wherever it appears (an API echoing a header must not leak it). */
export function redact(text: string, token: string): string {
    return token.length >= 4 ? text.split(token).join("***") : text;
}

interface RequestSpec {
    method: "GET" | "POST" | "PUT" | "DELETE";
    path: string;
    query?: Record<string, string>;
    body?: unknown;
}

type Exchange = { kind: "answered"; status: number; retryAfter: string | null; text: string } | { kind: "no-answer"; reason: string };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends one API request and returns the envelope's `data` (see `apiEnvelope`). */
export async function apiRequest(settings: ApiSettings, spec: RequestSpec): Promise<unknown> {
    return (await apiEnvelope(settings, spec)).data;
}

/** The success envelope: `data`, and on lists the paging fields beside it. */
export interface Envelope {
    data: unknown;
    page?: unknown;
    pages?: unknown;
    total?: unknown;
}

/**
 * Sends one API request and returns the success envelope. 429, 5xx and network failures are
 * retried for requests that are safe to repeat; a POST is retried only on 429 (the request
 * was refused, so nothing was created). Anything else becomes an `InfomaniakError`.
 */
export async function apiEnvelope(settings: ApiSettings, spec: RequestSpec): Promise<Envelope> {
    const started = Date.now();
    const repeatable = spec.method !== "POST";
    const label = `${spec.method} ${spec.path}`;
    for (let attempt = 1; ; attempt++) {
        const exchange = await exchangeOnce(settings, spec);
        const failure = describeTransient(exchange);
        if (failure) {
            const throttled = exchange.kind === "answered" && exchange.status === 429;
            const wait = retryDelay(settings.limits, attempt, exchange.kind === "answered" ? exchange.retryAfter : null);
            const withinBudget = Date.now() - started + wait <= settings.limits.totalBudgetMs;
            if ((repeatable || throttled) && attempt < settings.limits.maxAttempts && withinBudget) {
                await sleep(wait);
                continue;
            }
            throw infomaniakError(
                redact(
                    `Infomaniak DNS API: ${label} failed after ${attempt} attempt(s) in ${Math.round((Date.now() - started) / 1000)} s: ${failure}.`,
                    settings.token,
                ),
                { status: exchange.kind === "answered" ? exchange.status : undefined, maybeApplied: !repeatable && !throttled },
            );
        }
        return unwrapEnvelope(settings, label, exchange as Extract<Exchange, { kind: "answered" }>);
    }
}

async function exchangeOnce(settings: ApiSettings, spec: RequestSpec): Promise<Exchange> {
    const url = new URL(settings.apiUrl.replace(/\/+$/, "") + spec.path);
    for (const [key, value] of Object.entries(spec.query ?? {})) url.searchParams.set(key, value);
    const headers: Record<string, string> = { Authorization: `Bearer ${settings.token}`, Accept: "application/json" };
    if (spec.body !== undefined) headers["Content-Type"] = "application/json";
    try {
        // The signal covers the body too, so a server that stalls mid-answer is also cut off.
        const response = await fetch(url, {
            method: spec.method,
            headers,
            body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
            signal: AbortSignal.timeout(settings.limits.requestTimeoutMs),
        });
        const text = await response.text();
        return { kind: "answered", status: response.status, retryAfter: response.headers.get("retry-after"), text };
    } catch (error) {
        // Duck-typed: fetch's errors may come from another realm (jest), where instanceof fails.
        const name = (error as { name?: unknown } | null)?.name;
        const reason =
            name === "TimeoutError" || name === "AbortError"
                ? `no answer within ${settings.limits.requestTimeoutMs / 1000} s`
                : `network error (${networkCause(error)})`;
        return { kind: "no-answer", reason };
    }
}

/** fetch wraps the socket error in `cause`; its code (ECONNREFUSED...) is what helps. */
function networkCause(error: unknown): string {
    const failure = error as { message?: string; cause?: { code?: string; message?: string } } | null;
    return failure?.cause?.code ?? failure?.cause?.message ?? failure?.message ?? String(error);
}

/** Why this exchange is worth retrying, or undefined when it is a final answer. */
function describeTransient(exchange: Exchange): string | undefined {
    if (exchange.kind === "no-answer") return exchange.reason;
    if (exchange.status === 429) return "rate limited (429)";
    if (exchange.status >= 500) return `server error ${exchange.status}${shortDescription(exchange.text)}`;
    return undefined;
}

function shortDescription(text: string): string {
    const envelope = parseJson(text);
    const description = envelope.ok ? errorOf(envelope.value)?.description : undefined;
    return description ? ` (${description})` : "";
}

/** Retry-After in seconds (or an HTTP date) wins over exponential backoff; both are capped. */
export function retryDelay(limits: RetryLimits, attempt: number, retryAfter: string | null): number {
    const backoff = Math.min(limits.maxBackoffMs, limits.baseBackoffMs * 2 ** (attempt - 1));
    if (retryAfter === null) return backoff;
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(limits.maxBackoffMs, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.min(limits.maxBackoffMs, Math.max(0, date - Date.now()));
    return backoff;
}

interface ApiErrorBody {
    code?: string;
    description?: string;
    errors?: { code?: string; description?: string; context?: unknown }[];
}

function errorOf(value: unknown): ApiErrorBody | undefined {
    if (typeof value !== "object" || value === null) return undefined;
    const error = (value as { error?: unknown }).error;
    return typeof error === "object" && error !== null ? error : undefined;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
    try {
        return { ok: true, value: JSON.parse(text) };
    } catch {
        return { ok: false };
    }
}

function unwrapEnvelope(settings: ApiSettings, label: string, exchange: Extract<Exchange, { kind: "answered" }>): Envelope {
    const fail = (message: string, code?: string): never => {
        throw infomaniakError(redact(message, settings.token), { status: exchange.status, code });
    };
    const parsed = parseJson(exchange.text);
    if (!parsed.ok) {
        return fail(`Infomaniak DNS API: ${label} answered ${exchange.status} with a body that is not JSON; nothing is assumed from it.`);
    }
    const envelope = parsed.value as (Envelope & { result?: unknown }) | null;
    const success = exchange.status >= 200 && exchange.status < 300 && envelope?.result === "success";
    if (success && envelope) return envelope;
    const error = errorOf(envelope) ?? {};
    const code = error.code ?? "unknown_error";
    if (exchange.status === 401 || exchange.status === 403 || AUTHORIZATION_CODES.has(code)) {
        return fail(
            `Infomaniak DNS API refused the token for ${label} (${exchange.status} ${code}${error.description ? `: ${error.description}` : ""}). ` +
                `The token needs the scopes ${REQUIRED_SCOPES}: create one in the Infomaniak manager (API tokens) with both scopes and store it with ` +
                "`pulumi config set --secret dropit:infomaniakToken <token>`.",
            code,
        );
    }
    return fail(`Infomaniak DNS API: ${label} failed (${exchange.status} ${code}): ${describeApiError(error)}.`, code);
}

/** Infomaniak's own words: the top description and each field error. */
function describeApiError(error: ApiErrorBody): string {
    const details = (error.errors ?? [])
        .map((item) => [item.description ?? item.code, item.context === undefined ? "" : ` ${JSON.stringify(item.context)}`].join(""))
        .filter((text) => text.length > 0);
    const head = error.description ?? "no description";
    return details.length > 0 ? `${head} (${details.join("; ")})` : head;
}

// ---------------------------------------------------------------------------------------------
// Endpoints

const MAX_PAGES = 50;
const PAGE_SIZE = 100;

/** 404 `object_not_found` (or `data: false`) means the token sees no such zone. */
export async function assertZoneExists(settings: ApiSettings, zone: string): Promise<void> {
    let exists: unknown;
    try {
        exists = await apiRequest(settings, { method: "GET", path: `/2/zones/${zonePath(zone)}/exists` });
    } catch (error) {
        if (isInfomaniakError(error) && error.status === 404) exists = false;
        else throw error;
    }
    if (exists !== true) {
        throw infomaniakError(
            `Infomaniak DNS: ${zone} is not a DNS zone this token can manage. ` +
                "Fix: set `dropit:dns.zone` to the zone that holds the domain (as shown in the Infomaniak manager), " +
                "and check that the token belongs to the account owning it.",
            { status: 404, code: "object_not_found" },
        );
    }
}

/** Every record of the zone, all pages. A failure is thrown: a failed list is never an empty zone. */
export async function listRecords(settings: ApiSettings, zone: string): Promise<ApiRecord[]> {
    const records: ApiRecord[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
        const path = `/2/zones/${zonePath(zone)}/records`;
        const envelope = await apiEnvelope(settings, { method: "GET", path, query: { page: String(page), per_page: String(PAGE_SIZE) } });
        const items = pageItems(envelope);
        if (!items) {
            throw infomaniakError(`Infomaniak DNS API: GET ${path} answered without a record list; nothing is assumed about the zone.`);
        }
        records.push(...items.records.map((item) => toRecord(item, path)));
        if (page >= items.pages || items.records.length === 0) return records;
    }
    throw infomaniakError(`Infomaniak DNS API: the zone ${zone} has more than ${MAX_PAGES} pages of records; refusing to guess.`);
}

/**
 * `data` is the array with `pages` beside it in the envelope; an object carrying
 * `items`/`data` and `pages` is accepted too, since the paging shape is not documented.
 */
function pageItems(envelope: Envelope): { records: unknown[]; pages: number } | undefined {
    const pagesOf = (value: unknown) => (typeof value === "number" && value >= 1 ? value : 1);
    if (Array.isArray(envelope.data)) return { records: envelope.data, pages: pagesOf(envelope.pages) };
    if (typeof envelope.data !== "object" || envelope.data === null) return undefined;
    const paged = envelope.data as { items?: unknown; data?: unknown; pages?: unknown };
    const list = Array.isArray(paged.items) ? paged.items : Array.isArray(paged.data) ? paged.data : undefined;
    if (!list) return undefined;
    return { records: list, pages: pagesOf(paged.pages) };
}

function toRecord(item: unknown, where: string): ApiRecord {
    const record = item as Partial<ApiRecord> | null;
    const valid =
        record !== null &&
        typeof record === "object" &&
        Number.isInteger(record.id) &&
        typeof record.source === "string" &&
        typeof record.type === "string" &&
        typeof record.target === "string" &&
        typeof record.ttl === "number";
    if (!valid)
        throw infomaniakError(
            `Infomaniak DNS API: ${where} returned a record without id, source, type, target and ttl; nothing is assumed from it.`,
        );
    return { id: record.id!, source: record.source!, type: record.type!, target: record.target!, ttl: record.ttl! };
}

export async function getRecord(settings: ApiSettings, zone: string, id: number): Promise<ApiRecord | undefined> {
    const path = `/2/zones/${zonePath(zone)}/records/${id}`;
    try {
        return toRecord(await apiRequest(settings, { method: "GET", path }), path);
    } catch (error) {
        if (isInfomaniakError(error) && error.status === 404) return undefined;
        throw error;
    }
}

export async function createRecord(settings: ApiSettings, zone: string, fields: RecordFields): Promise<ApiRecord> {
    const path = `/2/zones/${zonePath(zone)}/records`;
    return toRecord(await apiRequest(settings, { method: "POST", path, body: fields }), path);
}

/** In place: the id stays, no delete-and-recreate. */
export async function updateRecord(settings: ApiSettings, zone: string, id: number, fields: RecordFields): Promise<void> {
    await apiRequest(settings, { method: "PUT", path: `/2/zones/${zonePath(zone)}/records/${id}`, body: fields });
}

/** Deleting a record that is already gone is success. */
export async function deleteRecord(settings: ApiSettings, zone: string, id: number): Promise<void> {
    try {
        await apiRequest(settings, { method: "DELETE", path: `/2/zones/${zonePath(zone)}/records/${id}` });
    } catch (error) {
        if (isInfomaniakError(error) && error.status === 404) return;
        throw error;
    }
}
