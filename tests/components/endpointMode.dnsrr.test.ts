import type { Plan } from "../../scripts/plan/harness";
import { planStack, resource, fullStack } from "../support/plan";

// One plan per file: the mock runtime registers one program per process.
const SERVICES = ["postgres-service", "api-service", "web-service", "redis-service", "typesense-service"];
const withOptional = (extra: Record<string, unknown> = {}) => ({
    ...fullStack(),
    "dropit:redis": { enabled: true },
    "dropit:typesense": { enabled: true },
    ...extra,
});

let plan: Plan;
beforeAll(async () => {
    plan = await planStack(withOptional({ "dropit:swarm": { endpointMode: "dnsrr" } }));
});

test("swarm.endpointMode=dnsrr puts every service in DNS round robin and routes the API and web over their tasks", () => {
    for (const name of SERVICES)
        expect({ name, endpointSpec: resource(plan, name).inputs.endpointSpec }).toEqual({ name, endpointSpec: { mode: "dnsrr" } });
    for (const name of ["api-service", "web-service"]) {
        const labels = resource(plan, name).inputs.labels as { label: string; value: string }[];
        expect(labels).toContainEqual({ label: "traefik.swarm.lbswarm", value: "false" });
        expect(labels.some((label) => label.label.endsWith("-task-retry.retry.attempts"))).toBe(true);
    }
});

test("with dnsrr, Traefik is told to list the tasks every 2 s, after the contact step and before any route or service", () => {
    const step = resource(plan, "dokploy-traefik-swarm-refresh");
    expect(String(step.inputs.create)).toContain("REFRESH_SECONDS=2");
    const after = (name: string) => resource(plan, name).dependencies.map((urn) => urn.split("::").pop());
    expect(after("dokploy-traefik-swarm-refresh")).toEqual(["dokploy-acme-contact"]);
    expect(after("dokploy-panel-route")).toEqual(expect.arrayContaining(["dokploy-traefik-swarm-refresh"]));
    expect(after("dokploy-docker")).toEqual(expect.arrayContaining(["dokploy-traefik-swarm-refresh"]));
});
