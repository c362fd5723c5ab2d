import type { Plan } from "../../scripts/plan/harness";
import { planStack, resource, fullStack } from "../support/plan";

const SERVICES = ["postgres-service", "api-service", "web-service", "redis-service", "typesense-service"];
const withOptional = (extra: Record<string, unknown> = {}) => ({
    ...fullStack(),
    "dropit:redis": { enabled: true },
    "dropit:typesense": { enabled: true },
    ...extra,
});

let plan: Plan;
beforeAll(async () => {
    plan = await planStack(withOptional());
});

test("by default every service keeps Swarm's VIP: no endpoint spec is written, so a deployed stack reads back unchanged", () => {
    for (const name of SERVICES)
        expect({ name, endpointSpec: resource(plan, name).inputs.endpointSpec }).toEqual({ name, endpointSpec: undefined });
    const labels = resource(plan, "web-service").inputs.labels as { label: string; value: string }[];
    expect(labels).toContainEqual({ label: "traefik.swarm.lbswarm", value: "true" });
});

test("with the VIP, Traefik's task listing is left as Dokploy sets it", () => {
    expect(plan.resources.some((candidate) => candidate.name === "dokploy-traefik-swarm-refresh")).toBe(false);
});
