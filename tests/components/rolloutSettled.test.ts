/**
 * The provider's update of a `docker.Service` returns before Swarm's monitor window: after each
 * rolling service, a remote command waits for Swarm's own verdict on the new image
 * (host/rollout-settled.sh, proven on a real Swarm by tests/e2e/rollout.test.ts).
 */
import type { Plan } from "../../scripts/plan/harness";
import { planStack, resource, reveal } from "../support/plan";

let plan: Plan;
beforeAll(async () => {
    plan = await planStack();
});

describe.each([
    // fullStack(): 2 API replicas (start period 60 s), 1 web replica (start period 10 s); probes every 10 s, 3 retries, monitor 30 s, delay 5 s.
    { component: "api", swarmName: "dropit-api", timeout: 2 * (60 + 10 * 4 + 30 + 5) + 120 },
    { component: "web", swarmName: "dropit-web", timeout: 1 * (10 + 10 * 4 + 30 + 5) + 120 },
])("$component", ({ component, swarmName, timeout }) => {
    test("has a settle command, re-run for each new image, after the service update", () => {
        const settled = resource(plan, `${component}-rollout-settled`);
        expect(settled.type).toBe("command:remote:Command");
        expect(settled.parent).toBe(resource(plan, component).urn);
        expect(settled.inputs.triggers).toEqual([resource(plan, `${component}-image`).inputs.imageName]);
        expect(settled.dependencies).toContain(resource(plan, `${component}-service`).urn);
        expect(settled.inputs.addPreviousOutputInEnv).toBe(false);
        expect(reveal(settled.inputs.connection)).toEqual(reveal(resource(plan, "postgres-version-guard").inputs.connection));
    });

    test("runs host/rollout-settled.sh for its Swarm service, bounded by monitor x replicas plus a margin", () => {
        const script = String(resource(plan, `${component}-rollout-settled`).inputs.create);
        expect(script).toContain(`\nSERVICE=${swarmName}\nMONITOR_SECONDS=30\nTIMEOUT_SECONDS=${timeout}\n`);
        expect(script).toContain("sudo -n true"); // host/common.sh
        expect(script).toContain(".UpdateStatus");
        expect(script).toContain("rollback_started | rollback_completed | rollback_paused)");
    });
});
