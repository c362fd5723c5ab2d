import { planStack, resource, fullStack } from "../support/plan";

// One plan per file: the mock runtime registers one program per process.
const SERVICES = ["postgres-service", "api-service", "web-service", "redis-service", "typesense-service"];
const withOptional = (extra: Record<string, unknown> = {}) => ({
    ...fullStack(),
    "dropit:redis": { enabled: true },
    "dropit:typesense": { enabled: true },
    ...extra,
});

test("swarm.endpointMode=dnsrr puts every service in DNS round robin and routes the API and web over their tasks", async () => {
    const plan = await planStack(withOptional({ "dropit:swarm": { endpointMode: "dnsrr" } }));
    for (const name of SERVICES)
        expect({ name, endpointSpec: resource(plan, name).inputs.endpointSpec }).toEqual({ name, endpointSpec: { mode: "dnsrr" } });
    for (const name of ["api-service", "web-service"]) {
        const labels = resource(plan, name).inputs.labels as { label: string; value: string }[];
        expect(labels).toContainEqual({ label: "traefik.swarm.lbswarm", value: "false" });
        expect(labels.some((label) => label.label.endsWith("-task-retry.retry.attempts"))).toBe(true);
    }
});
