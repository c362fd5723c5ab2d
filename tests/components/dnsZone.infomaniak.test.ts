import type { Plan } from "../../scripts/plan/harness";
import { dnsViews, PUBLIC_NAMES, runPlannedWait } from "../support/dnsPlan";
import { fullStack, planStack, resource, reveal } from "../support/plan";

const TOKEN = "TESTINFOMANIAKtoken-abcdef123456";
let plan: Plan;
beforeAll(async () => {
    plan = await planStack({
        ...fullStack(),
        "dropit:dns": { provider: "infomaniak", adoptExisting: ["@"], caa: true },
        "dropit:infomaniakToken": TOKEN,
    });
});

test("one record per public name through the API, the token secret, the apex adopted when asked", () => {
    const records = plan.resources.filter((candidate) => candidate.type === "pulumi-nodejs:dynamic/infomaniak:DnsRecord");
    expect(records.map((record) => reveal(record.inputs.source)).sort()).toEqual(["@", "@", "api", "dokploy", "traefik"]);
    for (const record of records) {
        expect(record.inputs.token).toHaveProperty("value");
        expect(reveal(record.inputs.token)).toBe(TOKEN);
    }
    expect(resource(plan, "dns-a-apex").inputs).toMatchObject({ type: "A", target: "198.51.100.7", adopt: true, zone: "example.fr" });
    expect(resource(plan, "dns-a-api").inputs).toMatchObject({ adopt: false, ttl: 300 });
    expect(resource(plan, "dns-caa-apex").inputs).toMatchObject({ type: "CAA", target: '0 issue "letsencrypt.org"' });
});

test("the propagation wait follows the records, and every certificate-requesting route follows the wait", () => {
    const wait = resource(plan, "dns-propagation");
    expect(wait.dependencies).toEqual(expect.arrayContaining([resource(plan, "dns-a-apex").urn, resource(plan, "dns-a-api").urn]));
    for (const route of ["api-service", "web-service"]) expect(resource(plan, route).dependencies).toContain(wait.urn);
});

test("the token never appears in clear in the plan", async () => {
    const { planToJson } = await import("../../scripts/plan/harness");
    expect(JSON.stringify(planToJson(plan))).not.toContain(TOKEN);
});

test("IPv4 host, one list: the four A records are managed, waited for (A queries only) and output alike", async () => {
    const expected = PUBLIC_NAMES.map((fqdn) => `A ${fqdn} 198.51.100.7`);
    expect(dnsViews(plan)).toEqual({ managed: expected, waitedFor: expected, output: expected });
    const answers = Object.fromEntries(PUBLIC_NAMES.map((fqdn) => [fqdn, { kind: "answer" as const, address: "198.51.100.7" }]));
    const { questions, error } = await runPlannedWait(plan, answers);
    expect(error).toBeUndefined();
    expect(questions).toEqual(PUBLIC_NAMES.map((fqdn) => `A ${fqdn}`).sort());
});
