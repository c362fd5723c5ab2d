/** The plain config, on request: one plan per file (the mock runtime is process-wide). */
import type { Plan } from "../../scripts/plan/harness";
import { fullStack, planStack, resource } from "../support/plan";

type ContainerSpec = { configs: Array<{ fileName: string }>; env?: Record<string, string> };

let plan: Plan;
beforeAll(async () => {
    plan = await planStack({ ...fullStack(), "dropit:web": { assetBridge: false } });
});

test("dropit:web.assetBridge=false deploys the plain config: no start script, no environment, no second port", () => {
    expect(plan.resources.some((candidate) => candidate.name === "web-asset-bridge")).toBe(false);
    const spec = (resource(plan, "web-service").inputs.taskSpec as { containerSpec: ContainerSpec }).containerSpec;
    expect(spec.configs.map((config) => config.fileName)).toEqual(["/etc/nginx/conf.d/default.conf"]);
    expect(spec.env).toBeUndefined();
    expect(Buffer.from(String(resource(plan, "web-nginx-conf").inputs.data), "base64").toString("utf8")).not.toContain("8081");
});
