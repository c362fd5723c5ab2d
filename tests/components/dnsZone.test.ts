import type { Plan } from "../../scripts/plan/harness";
import { childrenOf, planStack } from "../support/plan";

let plan: Plan;
beforeAll(async () => {
    plan = await planStack();
});

test("manual mode: the four A records are outputs and no API resource is registered", () => {
    expect(plan.outputs.dnsRecords).toEqual(["@", "api", "traefik", "dokploy"].map((name) => ({
        name,
        fqdn: name === "@" ? "example.fr" : `${name}.example.fr`,
        type: "A",
        value: "198.51.100.7",
        ttl: 300,
    })));
    expect(childrenOf(plan, "dns").filter((child) => child.custom)).toEqual([]);
});
