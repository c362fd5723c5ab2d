/**
 * A fake of Infomaniak's DNS API v2 on 127.0.0.1, written from the API's documented behaviour:
 * same paths, `{result, data}` envelope, integer ids, apex read back as ".", quoted TXT,
 * paging fields beside `data`, 404 on `exists` for a non-zone, `dns_record_already_exists`,
 * `not_authorized`, and scripted faults (429 with Retry-After, 500, slow answers, malformed
 * JSON, dropped connections). It checks the Bearer token and the JSON headers like lego's
 * test server does, and logs every request so tests can count them.
 */
import * as http from "http";
import type { AddressInfo } from "net";

export interface FakeRecord {
    id: number;
    source: string;
    source_idn: string;
    type: string;
    target: string;
    ttl: number;
    updated_at: number;
}

export interface LoggedRequest {
    method: string;
    path: string;
    query: Record<string, string>;
    body: unknown;
}

export type Fault =
    /** Answer with this status and an error envelope, without applying the request. */
    | { kind: "status"; status: number; code?: string; description?: string; retryAfter?: string }
    /** Apply the request, then answer only after `delayMs` (the client has given up by then). */
    | { kind: "slow"; delayMs: number }
    /** 200 with a body that is not JSON, without applying the request. */
    | { kind: "malformed" }
    /** Close the connection without answering, without applying the request. */
    | { kind: "drop" };

interface ScriptedFault {
    method?: string;
    path?: RegExp;
    remaining: number;
    fault: Fault;
}

export const FAKE_ZONE = "example.fr";
/** A recognisable token: tests assert it never shows up in messages, logs or plain outputs. */
export const FAKE_TOKEN = "tok3n-SUPERSECRET-d0-not-leak-8f2c";
export const READ_ONLY_TOKEN = "read-only-token-7a1b";

/** Records other people own: every scenario asserts they are exactly as they started. */
const FOREIGN_RECORDS: readonly Omit<FakeRecord, "id" | "source_idn" | "updated_at">[] = [
    { source: ".", type: "NS", target: "ns11.infomaniak.ch.", ttl: 3600 },
    { source: ".", type: "NS", target: "ns12.infomaniak.ch.", ttl: 3600 },
    { source: ".", type: "MX", target: "10 mta-gw.infomaniak.ch.", ttl: 3600 },
    { source: ".", type: "TXT", target: '"v=spf1 include:spf.infomaniak.ch -all"', ttl: 3600 },
    { source: "20240101._domainkey", type: "TXT", target: '"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC7"', ttl: 3600 },
    { source: "mail", type: "A", target: "198.51.100.25", ttl: 3600 },
    { source: "www", type: "CNAME", target: "example.fr.", ttl: 3600 },
];

const SOURCE_PATTERN = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export class FakeInfomaniak {
    readonly requests: LoggedRequest[] = [];
    /** Records per zone; only `FAKE_ZONE` exists unless a test adds one. */
    readonly zones = new Map<string, FakeRecord[]>();
    /** Token → scopes it carries. */
    readonly tokens = new Map<string, string[]>([
        [FAKE_TOKEN, ["dns:read", "dns:write"]],
        [READ_ONLY_TOKEN, ["dns:read"]],
    ]);
    /** Page size cap; small so that listing exercises paging. */
    maxPerPage = 4;
    private nextId = 32_800;
    private faults: ScriptedFault[] = [];
    private readonly foreign: FakeRecord[];
    private readonly timers = new Set<NodeJS.Timeout>();
    private server?: http.Server;
    url = "";

    constructor() {
        this.zones.set(FAKE_ZONE, []);
        this.foreign = FOREIGN_RECORDS.map((record) => this.insert(FAKE_ZONE, record));
    }

    async start(): Promise<this> {
        this.server = http.createServer((request, response) => void this.handle(request, response));
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
        return this;
    }

    async close(): Promise<void> {
        for (const timer of this.timers) clearTimeout(timer);
        this.server?.closeAllConnections();
        await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    }

    /** The next `times` requests matching method and path get `fault`. */
    inject(fault: Fault, match: { method?: string; path?: RegExp; times?: number } = {}): void {
        this.faults.push({ method: match.method, path: match.path, remaining: match.times ?? 1, fault });
    }

    records(zone = FAKE_ZONE): FakeRecord[] {
        return this.zones.get(zone) ?? [];
    }

    /** Adds a record as if someone had created it in the panel. */
    seed(record: Omit<FakeRecord, "id" | "source_idn" | "updated_at">, zone = FAKE_ZONE): FakeRecord {
        return this.insert(zone, record);
    }

    /** Foreign records that were changed or deleted (should always be empty). */
    foreignDamage(): string[] {
        const current = new Map(this.records().map((record) => [record.id, record]));
        return this.foreign
            .filter((original) => JSON.stringify(current.get(original.id)) !== JSON.stringify(original))
            .map((original) => `${original.type} ${original.source} ${original.target}`);
    }

    /** Records sharing (source, type, target): the API never holds two, and neither may we cause it. */
    duplicates(zone = FAKE_ZONE): string[] {
        const seen = new Map<string, number>();
        for (const record of this.records(zone)) {
            const key = `${record.source} ${record.type} ${record.target}`;
            seen.set(key, (seen.get(key) ?? 0) + 1);
        }
        return [...seen].filter(([, count]) => count > 1).map(([key]) => key);
    }

    count(method: string, path?: RegExp): number {
        return this.requests.filter((request) => request.method === method && (!path || path.test(request.path))).length;
    }

    private insert(zone: string, fields: Omit<FakeRecord, "id" | "source_idn" | "updated_at">): FakeRecord {
        const record: FakeRecord = {
            id: this.nextId++,
            source: fields.source,
            source_idn: fields.source === "." ? zone : `${fields.source}.${zone}`,
            type: fields.type,
            target: fields.target,
            ttl: fields.ttl,
            updated_at: 1_779_826_643,
        };
        this.zones.get(zone)!.push(record);
        return { ...record };
    }

    private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
        const url = new URL(request.url ?? "/", "http://127.0.0.1");
        const text = await readBody(request);
        let body: unknown;
        try {
            body = text ? JSON.parse(text) : undefined;
        } catch {
            body = text;
        }
        const method = request.method ?? "GET";
        const path = decodeURIComponent(url.pathname);
        this.requests.push({ method, path, query: Object.fromEntries(url.searchParams), body });

        const fault = this.takeFault(method, path);
        if (fault?.kind === "drop") {
            request.socket.destroy();
            return;
        }
        if (fault?.kind === "malformed") return send(response, 200, '{"result":"success","data":[{"id":1,');
        if (fault?.kind === "status") {
            const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { "Retry-After": fault.retryAfter };
            return send(response, fault.status, errorBody(fault.code ?? "error", fault.description ?? "Simulated failure"), headers);
        }
        const answer = this.route(request, method, path, url.searchParams, text, body);
        if (fault?.kind === "slow") {
            const timer = setTimeout(() => {
                this.timers.delete(timer);
                if (!response.destroyed) send(response, answer.status, answer.body);
            }, fault.delayMs);
            this.timers.add(timer);
            return;
        }
        send(response, answer.status, answer.body);
    }

    private takeFault(method: string, path: string): Fault | undefined {
        const scripted = this.faults.find(
            (item) => item.remaining > 0 && (!item.method || item.method === method) && (!item.path || item.path.test(path)),
        );
        if (!scripted) return undefined;
        scripted.remaining--;
        return scripted.fault;
    }

    private route(
        request: http.IncomingMessage,
        method: string,
        path: string,
        query: URLSearchParams,
        text: string,
        body: unknown,
    ): Answer {
        const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
        const scopes = token ? this.tokens.get(token) : undefined;
        if (!scopes) return fail(401, "not_authorized", "Authorization required");
        if (request.headers.accept !== "application/json") return fail(406, "not_acceptable", "Accept must be application/json");
        if (text && request.headers["content-type"] !== "application/json")
            return fail(415, "unsupported_media_type", "Content-Type must be application/json");
        if (method !== "GET" && !scopes.includes("dns:write"))
            return fail(403, "not_authorized", "The token does not have the required scope");

        const exists = /^\/2\/zones\/([^/]+)\/exists$/.exec(path);
        if (exists && method === "GET") {
            return this.zones.has(exists[1]) ? ok(true) : fail(404, "object_not_found", "Object not found");
        }
        const collection = /^\/2\/zones\/([^/]+)\/records$/.exec(path);
        const single = /^\/2\/zones\/([^/]+)\/records\/([^/]+)$/.exec(path);
        const zoneName = (collection ?? single)?.[1];
        if (!zoneName) return fail(404, "method_not_found", "Route not found");
        const records = this.zones.get(zoneName);
        if (!records) return fail(404, "zone_does_not_exists", "Zone does not exist");

        if (collection && method === "GET") return this.list(records, query);
        if (collection && method === "POST") return this.create(zoneName, records, body);
        const index = single ? records.findIndex((record) => String(record.id) === single[2]) : -1;
        if (index < 0) return fail(404, "object_not_found", "Object not found");
        if (method === "GET") return ok(records[index]);
        if (method === "PUT") return this.update(records[index], body);
        if (method === "DELETE") {
            records.splice(index, 1);
            return ok(true);
        }
        return fail(405, "method_not_found", "Method not allowed");
    }

    private list(records: FakeRecord[], query: URLSearchParams): Answer {
        const perPage = Math.min(this.maxPerPage, Number(query.get("per_page") ?? this.maxPerPage) || this.maxPerPage);
        const page = Math.max(1, Number(query.get("page") ?? 1) || 1);
        const pages = Math.max(1, Math.ceil(records.length / perPage));
        const data = records.slice((page - 1) * perPage, page * perPage);
        return { status: 200, body: { result: "success", data, total: records.length, page, pages, items_per_page: perPage } };
    }

    private create(zone: string, records: FakeRecord[], body: unknown): Answer {
        const input = body as Partial<FakeRecord> | undefined;
        const problem = validate(input);
        if (problem) return problem;
        const source = apex(String(input!.source));
        const target = input!.type === "TXT" && !String(input!.target).startsWith('"') ? `"${input!.target}"` : String(input!.target);
        if (records.some((record) => record.source === source && record.type === input!.type && record.target === target)) {
            return fail(400, "dns_record_already_exists", "The DNS record already exists");
        }
        const record = this.insert(zone, { source, type: String(input!.type), target, ttl: Number(input!.ttl) });
        return { status: 201, body: { result: "success", data: record } };
    }

    private update(record: FakeRecord, body: unknown): Answer {
        const input = { source: record.source, type: record.type, ...(body as Partial<FakeRecord>) };
        const problem = validate(input);
        if (problem) return problem;
        if (apex(String(input.source)) !== record.source || input.type !== record.type) {
            return fail(400, "validation_failed", "source and type cannot be changed");
        }
        record.target = String(input.target);
        record.ttl = Number(input.ttl);
        record.updated_at++;
        return ok(record);
    }
}

type Answer = { status: number; body: unknown };

const ok = (data: unknown): Answer => ({ status: 200, body: { result: "success", data } });

function errorBody(code: string, description: string, errors?: unknown[]): unknown {
    return { result: "error", error: { code, description, ...(errors ? { errors } : {}) } };
}

function fail(status: number, code: string, description: string, errors?: unknown[]): Answer {
    return { status, body: errorBody(code, description, errors) };
}

/** The apex is stored (and read back) as "."; clients send ".", "" or "@". */
function apex(source: string): string {
    return source === "" || source === "@" || source === "." ? "." : source;
}

function validate(input: Partial<FakeRecord> | undefined): Answer | undefined {
    const errors: { code: string; description: string; context: Record<string, unknown> }[] = [];
    if (!input || typeof input !== "object") return fail(400, "validation_failed", "The request body must be a JSON object");
    const source = apex(String(input.source ?? ""));
    if (source !== "." && !SOURCE_PATTERN.test(source)) {
        errors.push({ code: "validation_rule_regex", description: "The source format is invalid", context: { attribute: "source" } });
    }
    if (!["A", "AAAA", "CAA", "CNAME", "MX", "NS", "TXT", "SRV"].includes(String(input.type))) {
        errors.push({ code: "validation_rule_in", description: "The selected type is invalid", context: { attribute: "type" } });
    }
    if (input.type === "A" && !IPV4.test(String(input.target))) {
        errors.push({
            code: "invalid_dns_record",
            description: "The target must be a valid IPv4 address",
            context: { attribute: "target" },
        });
    }
    if (typeof input.ttl !== "number" || input.ttl < 60 || input.ttl > 86400) {
        errors.push({
            code: "validation_rule_between",
            description: "The ttl must be between 60 and 86400",
            context: { attribute: "ttl" },
        });
    }
    return errors.length > 0 ? fail(422, "validation_failed", "Validation failed", errors) : undefined;
}

function send(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    response.writeHead(status, { "Content-Type": "application/json", ...headers });
    response.end(text);
}

function readBody(request: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        request.on("error", reject);
    });
}

export async function startFakeInfomaniak(): Promise<FakeInfomaniak> {
    return new FakeInfomaniak().start();
}
