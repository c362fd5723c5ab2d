/**
 * The record provider's methods against a fake Infomaniak API on 127.0.0.1. After every
 * scenario: foreign records (NS, MX, SPF, DKIM, an A and a CNAME of someone else) are exactly
 * as they started and no (name, type, value) exists twice.
 */
import type { RetryLimits } from "../../../providers/infomaniak/client";
import {
    createDnsRecordProvider,
    DnsRecordInputs,
    DnsRecordOutputs,
    RECORD_PROVIDER_VERSION,
} from "../../../providers/infomaniak/recordProvider";
import { FAKE_TOKEN, FAKE_ZONE, FakeInfomaniak, READ_ONLY_TOKEN, startFakeInfomaniak } from "../../support/fakeInfomaniak";

const LIMITS: RetryLimits = { requestTimeoutMs: 300, maxAttempts: 4, totalBudgetMs: 4_000, baseBackoffMs: 20, maxBackoffMs: 1_500 };
const provider = createDnsRecordProvider(LIMITS);
const create = provider.create.bind(provider);
const update = provider.update!.bind(provider);
const remove = provider.delete!.bind(provider);
const read = provider.read!.bind(provider);
const diff = provider.diff!.bind(provider);
const check = provider.check!.bind(provider);

let fake: FakeInfomaniak;
/** Every message and plain output a scenario produced; none may contain the token. */
const seen: string[] = [];

function inputs(fields: Partial<DnsRecordInputs> = {}): DnsRecordInputs {
    return {
        zone: FAKE_ZONE,
        source: "api",
        type: "A",
        target: "203.0.113.10",
        ttl: 300,
        token: FAKE_TOKEN,
        apiUrl: fake.url,
        adopt: false,
        providerVersion: RECORD_PROVIDER_VERSION,
        ...fields,
    };
}

async function created(fields: Partial<DnsRecordInputs> = {}): Promise<{ id: string; outs: DnsRecordOutputs }> {
    const result = await create(inputs(fields));
    const { token, ...plain } = result.outs as DnsRecordOutputs;
    seen.push(JSON.stringify(plain));
    expect(token).toBe(FAKE_TOKEN);
    return { id: result.id, outs: result.outs as DnsRecordOutputs };
}

async function failure(work: Promise<unknown>): Promise<string> {
    const error = await work.then(
        () => undefined,
        (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    seen.push(message);
    return message;
}

const ours = (source = "api", type = "A") => fake.records().filter((record) => record.source === source && record.type === type);
const writes = () => fake.count("POST") + fake.count("PUT") + fake.count("DELETE");

beforeEach(async () => {
    fake = await startFakeInfomaniak();
});

afterEach(async () => {
    expect(fake.foreignDamage()).toEqual([]);
    expect(fake.duplicates()).toEqual([]);
    await fake.close();
});

afterAll(() => {
    expect(seen.length).toBeGreaterThan(10);
    for (const text of seen) expect(text).not.toContain(FAKE_TOKEN);
});

describe("create", () => {
    it("creates a fresh record with the Bearer token and JSON headers, listing every page first", async () => {
        const { id, outs } = await created();
        expect(Number(id)).toEqual(outs.recordId);
        expect(Number.isInteger(outs.recordId)).toBe(true);
        expect(outs).toMatchObject({ adopted: false, fqdn: "api.example.fr", target: "203.0.113.10", ttl: 300 });
        expect(ours()).toHaveLength(1);
        // 7 foreign records, 4 per page: both pages were read before deciding.
        expect(
            fake.requests
                .filter((request) => request.method === "GET" && request.path.endsWith("/records"))
                .map((request) => request.query.page),
        ).toEqual(["1", "2"]);
        expect(fake.requests.find((request) => request.method === "POST")?.body).toEqual({
            source: "api",
            type: "A",
            target: "203.0.113.10",
            ttl: 300,
        });
    });

    it("creates the apex so that it round-trips, and a second create adopts it instead of duplicating", async () => {
        const first = await created({ source: "@" });
        expect(ours(".")).toHaveLength(1);
        const again = await created({ source: "" });
        expect(again.outs.recordId).toBe(first.outs.recordId);
        expect(again.outs.adopted).toBe(true);
        const back = await read(first.id, first.outs);
        expect(back.props).toMatchObject({ target: "203.0.113.10", ttl: 300 });
    });

    it("adopts a record with the same address without writing, and never deletes it", async () => {
        const existing = fake.seed({ source: "api", type: "A", target: "203.0.113.10", ttl: 300 });
        const { id, outs } = await created();
        expect(outs).toMatchObject({ recordId: existing.id, adopted: true });
        expect(writes()).toBe(0);
        await remove(id, outs);
        expect(ours()).toHaveLength(1);
    });

    it("stops on a record with another address, naming it, its value and dns.adoptExisting, and changes nothing", async () => {
        fake.seed({ source: "api", type: "A", target: "198.51.100.7", ttl: 300 });
        const message = await failure(create(inputs()));
        expect(message).toMatch(/api\.example\.fr.*198\.51\.100\.7.*203\.0\.113\.10/s);
        expect(message).toContain("dropit:dns.adoptExisting");
        expect(writes()).toBe(0);
        expect(ours()[0].target).toBe("198.51.100.7");
    });

    it("reports the same conflict in check, so `pulumi up` stops at its preview", async () => {
        fake.seed({ source: "api", type: "A", target: "198.51.100.7", ttl: 300 });
        const result = await check({}, inputs());
        expect(result.failures).toHaveLength(1);
        seen.push(result.failures![0].reason);
        expect(result.failures![0].reason).toContain("198.51.100.7");
        // An existing resource is not looked up again.
        const existing = await check(inputs(), inputs({ ttl: 600 }));
        expect(existing.failures).toEqual([]);
        expect(writes()).toBe(0);
    });

    it("validates TTL bounds and type in check", async () => {
        const result = await check({}, inputs({ ttl: 30, type: "MX" }));
        expect(result.failures!.map((item) => item.property).sort()).toEqual(["ttl", "type"]);
    });

    it("takes over a record with another address when adoption is asked, in place, and keeps it on delete", async () => {
        const existing = fake.seed({ source: "api", type: "A", target: "198.51.100.7", ttl: 300 });
        const { id, outs } = await created({ adopt: true });
        expect(outs).toMatchObject({ recordId: existing.id, adopted: true });
        expect(ours()).toEqual([expect.objectContaining({ id: existing.id, target: "203.0.113.10" })]);
        await remove(id, outs);
        expect(ours()).toHaveLength(1);
    });

    it("refuses a name held by a foreign CNAME", async () => {
        const message = await failure(create(inputs({ source: "www" })));
        expect(message).toContain("CNAME");
        expect(writes()).toBe(0);
    });
});

describe("update and diff", () => {
    it("changes the TTL in place: same id, no create, no delete", async () => {
        const { id, outs } = await created();
        const change = await diff(id, outs, inputs({ ttl: 3600 }));
        expect(change).toMatchObject({ changes: true, replaces: [] });
        const result = await update(id, outs, inputs({ ttl: 3600 }));
        expect(result.outs).toMatchObject({ recordId: outs.recordId, ttl: 3600 });
        expect(ours()).toEqual([expect.objectContaining({ id: outs.recordId, ttl: 3600 })]);
        expect(fake.count("POST")).toBe(1);
        expect(fake.count("DELETE")).toBe(0);
    });

    it("changes the address in place", async () => {
        const { id, outs } = await created();
        expect(await diff(id, outs, inputs({ target: "203.0.113.20" }))).toMatchObject({ changes: true, replaces: [] });
        await update(id, outs, inputs({ target: "203.0.113.20" }));
        expect(ours()).toEqual([expect.objectContaining({ id: outs.recordId, target: "203.0.113.20" })]);
        expect(fake.count("DELETE")).toBe(0);
    });

    it("replaces only for zone, name or type, and reads apex spellings as one", async () => {
        const { id, outs } = await created({ source: "@" });
        expect(await diff(id, outs, inputs({ source: "." }))).toMatchObject({ changes: false });
        expect((await diff(id, outs, inputs({ source: "api" }))).replaces).toEqual(["source"]);
        expect((await diff(id, outs, inputs({ source: "@", type: "AAAA" }))).replaces).toEqual(["type"]);
        expect((await diff(id, outs, inputs({ source: "@", zone: "other.fr" }))).replaces).toEqual(["zone"]);
        expect(await diff(id, outs, inputs({ source: "@", providerVersion: "next" }))).toMatchObject({ changes: true, replaces: [] });
    });

    it("sees no change after a refresh reads back the same address spelled differently by the API", async () => {
        const { id, outs } = await created({ type: "AAAA", target: "2001:db8::10" });
        const stored = fake.records().find((record) => record.id === outs.recordId)!;
        stored.target = "2001:0DB8:0000:0000:0000:0000:0000:0010";
        const refreshed = await read(id, outs);
        expect(refreshed.props).toMatchObject({ target: "2001:0DB8:0000:0000:0000:0000:0000:0010" });
        const change = await diff(id, refreshed.props as DnsRecordOutputs, inputs({ type: "AAAA", target: "2001:db8::10" }));
        expect(change).toMatchObject({ changes: false, replaces: [] });
        expect(await diff(id, refreshed.props as DnsRecordOutputs, inputs({ type: "AAAA", target: "2001:db8::11" }))).toMatchObject({
            changes: true,
        });
    });

    it("explains how to recover when the record was deleted by hand", async () => {
        const { id, outs } = await created();
        fake.records().splice(
            fake.records().findIndex((record) => record.id === outs.recordId),
            1,
        );
        expect(await failure(update(id, outs, inputs({ ttl: 600 })))).toContain("pulumi refresh");
        expect(await read(id, outs)).toEqual({});
    });
});

describe("delete", () => {
    it("deletes by id only the record it created", async () => {
        const { id, outs } = await created();
        await remove(id, outs);
        expect(ours()).toHaveLength(0);
        expect(fake.requests.filter((request) => request.method === "DELETE").map((request) => request.path)).toEqual([
            `/2/zones/example.fr/records/${id}`,
        ]);
    });

    it("succeeds when the record is already gone", async () => {
        const { id, outs } = await created();
        await remove(id, outs);
        await expect(remove(id, outs)).resolves.toBeUndefined();
    });
});

describe("faults", () => {
    it("retries a 500 on the list and creates once", async () => {
        fake.inject({ kind: "status", status: 500, description: "Internal error" }, { method: "GET", path: /\/records$/, times: 2 });
        await created();
        expect(ours()).toHaveLength(1);
    });

    it("never reads a list that keeps failing as an empty zone", async () => {
        fake.inject({ kind: "status", status: 500 }, { method: "GET", path: /\/records$/, times: 100 });
        const message = await failure(create(inputs()));
        expect(message).toContain("server error 500");
        expect(writes()).toBe(0);
    });

    it("refuses a list answer that is not JSON", async () => {
        fake.inject({ kind: "malformed" }, { method: "GET", path: /\/records$/ });
        expect(await failure(create(inputs()))).toContain("not JSON");
        expect(writes()).toBe(0);
    });

    it("honours Retry-After on a 429 and creates once", async () => {
        fake.inject({ kind: "status", status: 429, code: "too_many_requests", retryAfter: "1" }, { method: "POST" });
        const started = Date.now();
        await created();
        expect(Date.now() - started).toBeGreaterThanOrEqual(950);
        expect(fake.count("POST")).toBe(2);
        expect(ours()).toHaveLength(1);
    });

    it("gives up after a bounded number of 429s", async () => {
        fake.inject({ kind: "status", status: 429, retryAfter: "0" }, { times: 100 });
        expect(await failure(create(inputs()))).toContain("after 4 attempt(s)");
        expect(fake.requests.length).toBe(4);
    });

    it("does not duplicate a create whose answer came after the timeout", async () => {
        fake.inject({ kind: "slow", delayMs: 1_000 }, { method: "POST" });
        const { outs } = await created();
        expect(fake.count("POST")).toBe(1);
        expect(ours()).toEqual([expect.objectContaining({ id: outs.recordId })]);
        expect(outs.adopted).toBe(false);
    });

    it("creates again after a 500 or a dropped connection that created nothing", async () => {
        fake.inject({ kind: "status", status: 500 }, { method: "POST" });
        fake.inject({ kind: "drop" }, { method: "POST" });
        await created();
        expect(fake.count("POST")).toBe(3);
        expect(ours()).toHaveLength(1);
    });

    it("retries a GET that times out", async () => {
        fake.inject({ kind: "slow", delayMs: 1_000 }, { method: "GET", path: /\/exists$/ });
        await created();
        expect(fake.count("GET", /\/exists$/)).toBe(2);
    });

    it("names the scopes on 401 (unknown token) and 403 (read-only token)", async () => {
        const unknown = await failure(create(inputs({ token: "not-a-valid-token-123" })));
        expect(unknown).toMatch(/not_authorized.*dns:read and dns:write/s);
        expect(unknown).not.toContain("not-a-valid-token-123");
        const readOnly = await failure(create(inputs({ token: READ_ONLY_TOKEN })));
        expect(readOnly).toContain("403");
        expect(readOnly).toContain("dns:write");
        expect(readOnly).not.toContain(READ_ONLY_TOKEN);
    });

    it("shows Infomaniak's own description of a validation error", async () => {
        const message = await failure(create(inputs({ ttl: 30 })));
        expect(message).toContain("validation_failed");
        expect(message).toContain("The ttl must be between 60 and 86400");
    });

    it("shows the description of dns_record_already_exists when the record cannot be found", async () => {
        fake.inject(
            { kind: "status", status: 400, code: "dns_record_already_exists", description: "The DNS record already exists" },
            { method: "POST" },
        );
        expect(await failure(create(inputs()))).toContain("The DNS record already exists");
        expect(fake.count("POST")).toBe(1);
    });

    it("says a name that is not a zone is not a zone (404 on exists)", async () => {
        const message = await failure(create(inputs({ zone: "not-a-zone.fr" })));
        expect(message).toContain("not-a-zone.fr is not a DNS zone");
        expect(message).toContain("dropit:dns.zone");
    });

    it("URL-encodes a punycode zone", async () => {
        fake.zones.set("xn--caf-dma.fr", []);
        await created({ zone: "café.fr" });
        expect(fake.records("xn--caf-dma.fr")).toHaveLength(1);
    });

    it("keeps the token out of a message even when the API echoes it", async () => {
        fake.inject({ kind: "status", status: 400, code: "invalid", description: `bad header Bearer ${FAKE_TOKEN}` }, { method: "POST" });
        const message = await failure(create(inputs()));
        expect(message).toContain("Bearer ***");
    });

    it("reports an unreachable API with bounded attempts", async () => {
        const url = fake.url;
        await fake.close();
        fake = await startFakeInfomaniak();
        const message = await failure(create(inputs({ apiUrl: url })));
        expect(message).toMatch(/network error \(ECONNREFUSED\)/);
    });
});
