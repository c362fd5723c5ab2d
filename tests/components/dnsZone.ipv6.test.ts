/** An IPv6-only server.host: AAAA records, a wait that asks for AAAA, the same list as output. */
import type { Plan } from "../../scripts/plan/harness";
import { dnsViews, PUBLIC_NAMES, runPlannedWait } from "../support/dnsPlan";
import { fullStack, planStack, resource } from "../support/plan";

const HOST = "2001:db8::10";
let plan: Plan;
beforeAll(async () => {
    const stack = fullStack();
    plan = await planStack({
        ...stack,
        "dropit:server": { ...(stack["dropit:server"] as object), host: HOST },
        "dropit:dns": { provider: "infomaniak", caa: true },
        "dropit:infomaniakToken": "TESTINFOMANIAKtoken-ipv6",
    });
});

test("one list: the managed records, the wait and the dnsRecords output are the same four AAAA records", () => {
    const expected = PUBLIC_NAMES.map((fqdn) => `AAAA ${fqdn} ${HOST}`);
    expect(dnsViews(plan)).toEqual({ managed: expected, waitedFor: expected, output: expected });
    expect(resource(plan, "dns-aaaa-api").inputs).toMatchObject({ source: "api", type: "AAAA", target: HOST, ttl: 300 });
    expect(resource(plan, "dns-caa-apex").inputs).toMatchObject({ type: "CAA" });
    expect(resource(plan, "dns-propagation").dependencies).toContain(resource(plan, "dns-aaaa-apex").urn);
});

test("the planned wait asks a DNS server for AAAA records and passes once they answer the host", async () => {
    const answers = Object.fromEntries(PUBLIC_NAMES.map((fqdn) => [fqdn, { kind: "answer" as const, address: "2001:0db8::0010" }]));
    const { questions, error } = await runPlannedWait(plan, answers);
    expect(error).toBeUndefined();
    expect(questions).toEqual(PUBLIC_NAMES.map((fqdn) => `AAAA ${fqdn}`).sort());
});

test("the planned wait does not pass while the names answer only an IPv4 address", async () => {
    const answers = Object.fromEntries(PUBLIC_NAMES.map((fqdn) => [fqdn, { kind: "answer" as const, address: "203.0.113.10" }]));
    const { error } = await runPlannedWait(plan, answers);
    expect(error).toContain(`api.example.fr AAAA at 127.0.0.1:`);
});
