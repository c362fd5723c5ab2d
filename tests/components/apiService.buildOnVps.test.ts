/** dropit:app.buildOn=vps: the explicit choice of building on the server, as before. One plan per file. */
import type { Plan } from "../../scripts/plan/harness";
import { fullStack, planStack, registeredTask, resource } from "../support/plan";

let plan: Plan;
beforeAll(async () => {
    plan = await planStack({ ...fullStack(), "dropit:app": { source: "tests/fixtures/dropit-app", buildOn: "vps" } });
});

test("both images are built by the VPS's own engine, never pushed or sent, and the services run them by tag", () => {
    for (const [app, service] of [
        ["api", "dropit-api"],
        ["web", "dropit-web"],
    ]) {
        const image = resource(plan, `${app}-image`);
        expect(image.inputs.imageName).toMatch(new RegExp(`^${service}:[0-9a-f]{12}$`));
        expect(image.inputs.skipPush).toBe(true);
        expect(image.inputs.build).not.toHaveProperty("cacheFrom");
        expect(image.provider).toContain("::dokploy-docker::");
        expect((registeredTask(plan, `${app}-service`).spec as { containerSpec: { image: string } }).containerSpec.image).toBe(
            image.inputs.imageName,
        );
    }
    expect(plan.resources.filter((candidate) => candidate.type === "command:local:Command")).toEqual([]);
    expect(plan.resources.some((candidate) => candidate.name === "image-builder")).toBe(false);
    expect(plan.outputs.imageBuild).toBe("images: built on the VPS by its own engine, run where they are built");
});
