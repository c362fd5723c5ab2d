import type { Plan } from "../../scripts/plan/harness";
import { childrenOf, planStack, resource } from "../support/plan";

let plan: Plan;
beforeAll(async () => {
    plan = await planStack();
});

test("manual mode: the four A records are outputs and no Infomaniak API resource is registered", () => {
    expect(plan.outputs.dnsRecords).toEqual(
        ["@", "api", "traefik", "dokploy"].map((name) => ({
            name,
            fqdn: name === "@" ? "example.fr" : `${name}.example.fr`,
            type: "A",
            value: "198.51.100.7",
            ttl: 300,
        })),
    );
    expect(
        childrenOf(plan, "dns")
            .filter((child) => child.custom)
            .map((child) => child.type),
    ).toEqual(["pulumi-nodejs:dynamic/dns:Propagation"]);
});

test("manual mode still waits for the names to resolve, printing what to create, before any certificate", () => {
    const wait = resource(plan, "dns-propagation");
    expect(wait.inputs).toMatchObject({ zone: "example.fr", timeoutSeconds: 600, pollSeconds: 10 });
    expect(String(wait.inputs.instructions)).toContain("A    api        198.51.100.7");
    for (const route of ["api-service", "web-service"]) expect(resource(plan, route).dependencies).toContain(wait.urn);
});
