import type { Plan } from "../../scripts/plan/harness";
import { planStack, registeredTask, resource, reveal } from "../support/plan";

let plan: Plan;
beforeAll(async () => {
    plan = await planStack();
});

test("the guide's Typesense version with a generated API key on a kept volume", () => {
    const service = resource(plan, "typesense-service");
    expect(registeredTask(plan, "typesense-service")).toMatchObject({
        spec: { containerSpec: { image: "typesense/typesense:0.25.2", env: { TYPESENSE_DATA_DIR: "/data" } } },
        secretEnv: ["TYPESENSE_API_KEY"],
    });
    const task = reveal(service.inputs.taskSpec) as { containerSpec: { image: string; env: Record<string, string>; args?: string[] } };
    expect(task.containerSpec.image).toBe("typesense/typesense:0.25.2");
    expect(Object.keys(task.containerSpec.env).sort()).toEqual(["TYPESENSE_API_KEY", "TYPESENSE_DATA_DIR"]);
    expect(task.containerSpec.args).toBeUndefined();
    expect(resource(plan, "typesense-data")).toMatchObject({ retainOnDelete: true });
    expect(plan.outputs.typesenseApiKey).toHaveProperty("value");
});
