/**
 * The first step back to one node: `cluster.enabled` with no nodes keeps the Swarm steps, so the
 * departures step removes every node before the services are updated, and images stay pushed.
 */
import type { Plan } from "../../scripts/plan/harness";
import { fullStack, planStack, resource, reveal } from "../support/plan";

let plan: Plan;
const dependsOn = (name: string, other: string) => resource(plan, name).dependencies.includes(resource(plan, other).urn);

beforeAll(async () => {
    plan = await planStack({ ...fullStack(), "dropit:cluster": { enabled: true, maxReplicasPerNode: 3 } });
}, 120_000);

test("no node left: departures keep only the first server, and every service waits for them", () => {
    expect(String(reveal(resource(plan, "swarm-departures").inputs.create))).toContain("KEEP=main\n");
    expect(plan.resources.filter((candidate) => candidate.type === "dropit:index:SwarmNode")).toEqual([]);
    expect(plan.resources.map((candidate) => candidate.name)).not.toContain("swarm-worker-token");
    for (const service of ["postgres-service", "api-service", "web-service", "redis-service", "typesense-service"]) {
        expect(dependsOn(service, "swarm-departures")).toBe(true);
    }
    expect(resource(plan, "api-image").inputs.skipPush).toBe(false);
    expect(reveal(plan.outputs.nodes)).toEqual([expect.objectContaining({ name: "main", router: true, data: true })]);
});
