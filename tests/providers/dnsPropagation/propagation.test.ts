/** The propagation wait against a DNS server on 127.0.0.1 that answers late, never, or wrong. */
import { authoritativeServers, canonicalAddress, ExpectedName, waitForRecords } from "../../../providers/dnsPropagation/propagation";
import {
    createPropagationProvider,
    PROPAGATION_PROVIDER_VERSION,
    PropagationInputs,
    PropagationOutputs,
} from "../../../providers/dnsPropagation/propagationProvider";
import { FakeDnsServer, startFakeDnsServer } from "../../support/fakeDnsServer";

const SERVER = "203.0.113.10";
const api: ExpectedName = { fqdn: "api.example.fr", type: "A", value: SERVER };
const apex: ExpectedName = { fqdn: "example.fr", type: "A", value: SERVER };

let servers: FakeDnsServer[] = [];
async function dnsServer(...args: Parameters<typeof startFakeDnsServer>): Promise<FakeDnsServer> {
    const server = await startFakeDnsServer(...args);
    servers.push(server);
    return server;
}

afterEach(async () => {
    await Promise.all(servers.map((server) => server.close()));
    servers = [];
});

function waiting(names: ExpectedName[], serverAddresses: string[], lines: string[], timeoutMs = 1_500) {
    return waitForRecords({
        names,
        servers: serverAddresses,
        timeoutMs,
        pollMs: 100,
        queryTimeoutMs: 200,
        log: (line) => lines.push(line),
    });
}

async function rejection(work: Promise<unknown>): Promise<string> {
    const error = await work.then(
        () => undefined,
        (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Error);
    return (error as Error).message;
}

describe("waitForRecords", () => {
    it("succeeds at once when every name answers the server's address", async () => {
        const dns = await dnsServer({
            "api.example.fr": { kind: "answer", address: SERVER },
            "example.fr": { kind: "answer", address: SERVER },
        });
        const lines: string[] = [];
        await waiting([api, apex], [dns.address], lines);
        expect(lines.at(-1)).toContain("expected address for every name");
    });

    it("keeps polling until a name starts answering, logging progress", async () => {
        const dns = await dnsServer({ "api.example.fr": { kind: "answer", address: SERVER, afterMs: 400 } });
        const lines: string[] = [];
        const started = Date.now();
        await waiting([api], [dns.address], lines, 3_000);
        expect(Date.now() - started).toBeGreaterThanOrEqual(350);
        expect(lines.some((line) => line.includes("Still waiting") && line.includes("api.example.fr") && line.includes("ENOTFOUND"))).toBe(
            true,
        );
        expect(dns.queries.length).toBeGreaterThan(1);
    });

    it("times out, bounded, when a server never answers, saying which name and server", async () => {
        const dns = await dnsServer({ "api.example.fr": { kind: "silent" } });
        const started = Date.now();
        const message = await rejection(waiting([api], [dns.address], [], 800));
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(message).toContain("within 0.8 s");
        expect(message).toContain(`api.example.fr A at ${dns.address}: no answer yet (ETIMEOUT)`);
        expect(message).toContain("dropit:dns.propagationTimeoutSeconds");
    });

    it("fails naming the wrong address a name answers", async () => {
        const dns = await dnsServer({ "api.example.fr": { kind: "answer", address: "198.51.100.7" } });
        const message = await rejection(waiting([api], [dns.address], [], 500));
        expect(message).toContain("answers 198.51.100.7 (expected only 203.0.113.10)");
    });

    it("requires every server to answer, not just one", async () => {
        const good = await dnsServer({ "api.example.fr": { kind: "answer", address: SERVER } });
        const stale = await dnsServer({});
        const message = await rejection(waiting([api], [good.address, stale.address], [], 500));
        expect(message).toContain(stale.address);
        expect(message).not.toContain(`at ${good.address}`);
    });

    it("compares IPv6 addresses whatever their spelling", async () => {
        const dns = await dnsServer({ "api.example.fr": { kind: "answer", address: "2001:db8::10" } });
        await waiting([{ fqdn: "api.example.fr", type: "AAAA", value: "2001:0db8:0000::0010" }], [dns.address], []);
        expect(canonicalAddress("2001:0DB8::0010")).toBe("2001:db8::10");
    });
});

describe("authoritativeServers", () => {
    it("resolves the zone's NS names to addresses", async () => {
        const dns = await dnsServer({
            "example.fr": { kind: "ns", hosts: ["ns11.example.net", "ns12.example.net"] },
            "ns11.example.net": { kind: "answer", address: "192.0.2.11" },
            "ns12.example.net": { kind: "answer", address: "192.0.2.12" },
        });
        expect(await authoritativeServers("example.fr", dns.address)).toEqual(["192.0.2.11", "192.0.2.12"]);
    });

    it("explains a zone whose name servers cannot be found", async () => {
        const dns = await dnsServer({});
        expect(await rejection(authoritativeServers("example.fr", dns.address))).toContain("could not find the name servers of example.fr");
    });
});

describe("propagation provider", () => {
    const inputs = (fields: Partial<PropagationInputs>): PropagationInputs => ({
        zone: "example.fr",
        names: [api],
        nameservers: [],
        publicResolver: "",
        timeoutSeconds: 2,
        pollSeconds: 0.1,
        instructions: "",
        providerVersion: PROPAGATION_PROVIDER_VERSION,
        ...fields,
    });

    it("in manual mode prints the records to create, then succeeds as soon as they resolve", async () => {
        const authoritative = await dnsServer({ "api.example.fr": { kind: "answer", address: SERVER, afterMs: 300 } });
        const resolver = await dnsServer({ "api.example.fr": { kind: "answer", address: SERVER } });
        const lines: string[] = [];
        const provider = createPropagationProvider((line) => lines.push(line));
        const instructions = "Create these records in Infomaniak's panel:\n  A    api        203.0.113.10  TTL 300";
        const result = await provider.create(
            inputs({ nameservers: [authoritative.address], publicResolver: resolver.address, instructions }),
        );
        expect(lines[0]).toBe(instructions);
        expect((result.outs as PropagationOutputs).checkedServers).toEqual([authoritative.address, resolver.address]);
        expect(resolver.queries).toContain("api.example.fr");
    });

    it("checks again only when names or servers change", async () => {
        const provider = createPropagationProvider(() => undefined);
        const olds = { ...inputs({}), checkedServers: [] };
        expect(await provider.diff!("id", olds, inputs({ timeoutSeconds: 30 }))).toMatchObject({ changes: false });
        expect(await provider.diff!("id", olds, inputs({ names: [{ ...api, value: "203.0.113.20" }] }))).toMatchObject({
            changes: true,
            replaces: [],
        });
        // The schema's bounds (config/rules.ts): the tests above wait less, through create directly.
        const checked = async (fields: Partial<PropagationInputs>) =>
            (await provider.check!(olds, inputs({ timeoutSeconds: 600, pollSeconds: 10, ...fields }))).failures;
        expect(await checked({})).toEqual([]);
        expect(await checked({ timeoutSeconds: 0 })).toEqual([
            { property: "timeoutSeconds", reason: "must be a whole number of seconds from 10 to 3600" },
        ]);
        expect(await checked({ pollSeconds: 301 })).toEqual([
            { property: "pollSeconds", reason: "must be a whole number of seconds from 1 to 300" },
        ]);
    });
});
