/** The children DnsZone registers for its names, under Pulumi's mock runtime. */
import * as pulumi from "@pulumi/pulumi";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}
const registered: Registered[] = [];

void pulumi.runtime.setMocks(
    {
        newResource: (args) => {
            const inputs = args.inputs as Record<string, unknown>;
            registered.push({ type: args.type, name: args.name, inputs });
            return { id: `${args.name}-id`, state: inputs };
        },
        call: () => ({}),
    },
    "dropit-infra",
    "test",
    false,
    "organization",
);

import { DnsZone, DnsZoneArgs } from "../../components/dnsZone";
import { LETS_ENCRYPT_CAA } from "../../renderers/dnsRecords";

const WAIT = { propagationTimeoutSeconds: 600, propagationPollSeconds: 10 };
const SECRET_MARKER = "4dabf18193072939515e22adb298388d";
const zoneArgs: DnsZoneArgs = { domain: "example.fr", subdomains: ["api"], address: "198.51.100.7", ttl: 300, mode: "manual", ...WAIT };

async function register(args: Partial<DnsZoneArgs>, name = "dns"): Promise<Registered[]> {
    registered.length = 0;
    const zone = new DnsZone(name, { ...zoneArgs, ...args });
    await Promise.all(zone.readiness.map((resource) => new Promise((resolve) => (resource as pulumi.CustomResource).id.apply(resolve))));
    await new Promise((resolve) => setTimeout(resolve, 50));
    return registered.filter((resource) => resource.type.startsWith("pulumi-nodejs:dynamic"));
}

test("manual mode registers only the propagation wait, with the instructions", async () => {
    const resources = await register({});
    expect(resources.map((resource) => resource.type)).toEqual(["pulumi-nodejs:dynamic/dns:Propagation"]);
    expect(resources[0].inputs).toMatchObject({
        zone: "example.fr",
        timeoutSeconds: 600,
        instructions: expect.stringContaining("Create these records in Infomaniak's panel"),
        names: [
            { fqdn: "example.fr", type: "A", value: "198.51.100.7" },
            { fqdn: "api.example.fr", type: "A", value: "198.51.100.7" },
        ],
    });
});

test("infomaniak mode registers one A record per name, the token kept secret, then the wait", async () => {
    const resources = await register({ mode: "infomaniak", token: "tok3n-SUPERSECRET", adoptExisting: ["api"] });
    expect(resources.map((resource) => `${resource.type} ${resource.name}`)).toEqual([
        "pulumi-nodejs:dynamic/infomaniak:DnsRecord dns-a-apex",
        "pulumi-nodejs:dynamic/infomaniak:DnsRecord dns-a-api",
        "pulumi-nodejs:dynamic/dns:Propagation dns-propagation",
    ]);
    const [apex, api] = resources;
    expect(apex.inputs).toMatchObject({
        zone: "example.fr",
        source: "@",
        type: "A",
        target: "198.51.100.7",
        ttl: 300,
        adopt: false,
        apiUrl: "https://api.infomaniak.com",
    });
    expect(api.inputs).toMatchObject({ source: "api", adopt: true });
    expect(apex.inputs.token).toMatchObject({ [SECRET_MARKER]: expect.any(String), value: "tok3n-SUPERSECRET" });
    const plain = JSON.stringify(resources.map(({ inputs: { token: _token, __provider: _provider, ...rest } }) => rest));
    expect(plain).not.toContain("tok3n-SUPERSECRET");
});

test("CAA and AAAA records are added only when asked", async () => {
    const resources = await register({ mode: "infomaniak", token: "t", caa: true, ipv6: "2001:db8::10" });
    const records = resources
        .filter((resource) => resource.type.endsWith("DnsRecord"))
        .map((resource) => [resource.inputs.type, resource.inputs.source, resource.inputs.target].map(String).join(" "));
    expect(records).toEqual([
        "A @ 198.51.100.7",
        "A api 198.51.100.7",
        "AAAA @ 2001:db8::10",
        "AAAA api 2001:db8::10",
        `CAA @ ${LETS_ENCRYPT_CAA}`,
    ]);
    const wait = resources.find((resource) => resource.type.endsWith("Propagation"))!;
    expect(wait.inputs.names).toContainEqual({ fqdn: "api.example.fr", type: "AAAA", value: "2001:db8::10" });
});

test("an IPv6 host: AAAA records only, and the wait asks for exactly those", async () => {
    const resources = await register({ mode: "infomaniak", token: "t", address: "2001:db8::10" });
    expect(resources.map((resource) => resource.name)).toEqual(["dns-aaaa-apex", "dns-aaaa-api", "dns-propagation"]);
    expect(resources.slice(0, 2).map((resource) => resource.inputs)).toEqual([
        expect.objectContaining({ source: "@", type: "AAAA", target: "2001:db8::10" }),
        expect.objectContaining({ source: "api", type: "AAAA", target: "2001:db8::10" }),
    ]);
    expect(resources[2].inputs.names).toEqual([
        { fqdn: "example.fr", type: "AAAA", value: "2001:db8::10" },
        { fqdn: "api.example.fr", type: "AAAA", value: "2001:db8::10" },
    ]);
});

test("infomaniak mode without a token is refused", () => {
    expect(() => new DnsZone("no-token", { ...zoneArgs, mode: "infomaniak" })).toThrow("a token is required in infomaniak mode");
});

test("children are named after the component, so a second zone does not collide with the first", async () => {
    const resources = await register({ mode: "infomaniak", token: "t", caa: true }, "staging-dns");
    expect(resources.map((resource) => resource.name)).toEqual([
        "staging-dns-a-apex",
        "staging-dns-a-api",
        "staging-dns-caa-apex",
        "staging-dns-propagation",
    ]);
    // A child of the component: the component's type leads the wait's URN type.
    const wait = new DnsZone("child-dns", zoneArgs).readiness[0];
    expect(await new Promise((resolve) => wait.urn.apply(resolve))).toContain(
        "::dropit:index:DnsZone$pulumi-nodejs:dynamic/dns:Propagation::child-dns-propagation",
    );
});
