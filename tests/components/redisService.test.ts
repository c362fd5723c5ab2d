import type { Plan } from "../../scripts/plan/harness";
import { planStack, registeredTask, resource, reveal } from "../support/plan";

let plan: Plan;
beforeAll(async () => {
    plan = await planStack();
});

test("redis:7-alpine with a generated password kept off command lines, AOF on a kept volume", () => {
    const service = resource(plan, "redis-service");
    // Only the password is secret: the rest of the task spec stays readable in a preview.
    expect(registeredTask(plan, "redis-service")).toMatchObject({
        spec: { containerSpec: { image: "redis:7-alpine" } },
        secretEnv: ["REDIS_PASSWORD"],
    });
    const task = reveal(service.inputs.taskSpec) as { containerSpec: { image: string; commands: string[]; env: Record<string, string> } };
    expect(task.containerSpec.image).toBe("redis:7-alpine");
    expect(task.containerSpec.commands.join(" ")).toContain("appendonly yes");
    expect(task.containerSpec.commands.join(" ")).not.toContain(task.containerSpec.env.REDIS_PASSWORD);
    expect(resource(plan, "redis-data")).toMatchObject({ retainOnDelete: true });
    expect(plan.outputs.redisUrl).toHaveProperty("value");
    expect(reveal(plan.outputs.redisUrl)).toMatch(/^redis:\/\/:[A-Za-z0-9]{32}@dropit-redis:6379$/);
});
