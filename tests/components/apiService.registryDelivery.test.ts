/** dropit:app.delivery=registry on one server: built locally, pushed, pinned by digest, pulled with the login. One plan per file. */
import type { Plan } from "../../scripts/plan/harness";
import { fullStack, planStack, registeredTask, resource, reveal, SECRET_VALUES } from "../support/plan";

let plan: Plan;
beforeAll(async () => {
    plan = await planStack({ ...fullStack(), "dropit:app": { source: "tests/fixtures/dropit-app", delivery: "registry" } });
});

test("each image is built by the local engine, pushed to the registry and run by its digest, with the registry login", () => {
    for (const app of ["api", "web"]) {
        const image = resource(plan, `${app}-image`);
        expect(image.inputs.imageName).toMatch(new RegExp(`^docker\\.io/dropitbot/dropit-${app}:[0-9a-f]{12}$`));
        expect(image.inputs.skipPush).toBe(false);
        expect(reveal(image.inputs.registry)).toMatchObject({
            server: "docker.io",
            username: "dropitbot",
            password: SECRET_VALUES.registryPassword,
        });
        expect(image.provider).toContain("::image-builder::");
        const service = resource(plan, `${app}-service`);
        // The mock's repoDigest is empty: what matters is that the service takes it, not the tag.
        expect((registeredTask(plan, `${app}-service`).spec as { containerSpec: { image: string } }).containerSpec.image).toBe("");
        expect(reveal(service.inputs.auth)).toMatchObject({ serverAddress: "docker.io", username: "dropitbot" });
    }
    expect(plan.resources.filter((candidate) => candidate.type === "command:local:Command")).toEqual([]);
    expect(plan.outputs.imageBuild).toBe(
        "images: built where `pulumi up` runs (the VPS never builds), pushed to docker.io and pinned by digest; the VPS pulls them",
    );
});
