/** An IPv4 server.host with server.ipv6: A and AAAA records, both waited for, both in the output. */
import type { Plan } from "../../scripts/plan/harness";
import { dnsViews, PUBLIC_NAMES, runPlannedWait } from "../support/dnsPlan";
import { fullStack, planStack } from "../support/plan";

const IPV4 = "198.51.100.7";
const IPV6 = "2001:db8::10";
let plan: Plan;
beforeAll(async () => {
    const stack = fullStack();
    plan = await planStack({
        ...stack,
        "dropit:server": { ...(stack["dropit:server"] as object), host: IPV4, ipv6: IPV6 },
        "dropit:dns": { provider: "infomaniak" },
        "dropit:infomaniakToken": "TESTINFOMANIAKtoken-dual",
    });
});

test("one list: four A and four AAAA records, managed, waited for and output alike", () => {
    const expected = [...PUBLIC_NAMES.map((fqdn) => `A ${fqdn} ${IPV4}`), ...PUBLIC_NAMES.map((fqdn) => `AAAA ${fqdn} ${IPV6}`)];
    expect(dnsViews(plan)).toEqual({ managed: expected, waitedFor: expected, output: expected });
});

test("the planned wait asks for both A and AAAA, and needs both", async () => {
    const both = Object.fromEntries(PUBLIC_NAMES.map((fqdn) => [fqdn, { kind: "answer" as const, address: [IPV4, IPV6] }]));
    const passed = await runPlannedWait(plan, both);
    expect(passed.error).toBeUndefined();
    expect(passed.questions).toEqual(PUBLIC_NAMES.flatMap((fqdn) => [`A ${fqdn}`, `AAAA ${fqdn}`]).sort());

    const ipv4Only = Object.fromEntries(PUBLIC_NAMES.map((fqdn) => [fqdn, { kind: "answer" as const, address: IPV4 }]));
    const failed = await runPlannedWait(plan, ipv4Only);
    expect(failed.error).toContain("api.example.fr AAAA at 127.0.0.1:");
    expect(failed.error).not.toContain("api.example.fr A at");
});
