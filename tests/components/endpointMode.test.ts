import { planStack, resource, fullStack } from "../support/plan";

const SERVICES = ["postgres-service", "api-service", "web-service", "redis-service", "typesense-service"];
const withOptional = (extra: Record<string, unknown> = {}) => ({
    ...fullStack(),
    "dropit:redis": { enabled: true },
    "dropit:typesense": { enabled: true },
    ...extra,
});

test("by default every service keeps Swarm's VIP: no endpoint spec is written, so a deployed stack reads back unchanged", async () => {
    const plan = await planStack(withOptional());
    for (const name of SERVICES)
        expect({ name, endpointSpec: resource(plan, name).inputs.endpointSpec }).toEqual({ name, endpointSpec: undefined });
    const labels = resource(plan, "web-service").inputs.labels as { label: string; value: string }[];
    expect(labels).toContainEqual({ label: "traefik.swarm.lbswarm", value: "true" });
});
