import type { Plan } from "../../scripts/plan/harness";
import { planStack, resource } from "../support/plan";

let plan: Plan;
beforeAll(async () => {
    plan = await planStack();
});

test("the API origin is baked in at build time, after the API exists", () => {
    const image = resource(plan, "web-image");
    expect(image.inputs).toMatchObject({
        skipPush: true,
        build: { args: { VITE_API_URL: "https://api.example.fr" }, dockerfile: "docker/web.Dockerfile" },
    });
    expect(image.dependencies).toContain(resource(plan, "api-service").urn);
    expect(image.inputs.imageName).toMatch(/^dropit-web:[0-9a-f]{12}$/);
});

test("nginx's config is the rendered one, mounted as a content-named Swarm config", () => {
    const config = resource(plan, "web-nginx-conf");
    expect(config.inputs.name).toMatch(/^dropit-web-nginx-[0-9a-f]{12}$/);
    expect(Buffer.from(String(config.inputs.data), "base64").toString("utf8")).toContain("try_files");
    const task = resource(plan, "web-service").inputs.taskSpec as { containerSpec: { configs: Array<{ fileName: string }> } };
    expect(task.containerSpec.configs[0].fileName).toBe("/etc/nginx/conf.d/default.conf");
});

test("routed at the apex with HTTPS and rolled out health-gated", () => {
    const service = resource(plan, "web-service");
    const labels = service.inputs.labels as Array<{ label: string; value: string }>;
    expect(labels).toContainEqual({ label: "traefik.http.routers.dropit-web-websecure.rule", value: "Host(`example.fr`)" });
    expect(service.inputs.updateConfig).toMatchObject({ order: "start-first", failureAction: "rollback" });
    expect(service.inputs.endpointSpec).toBeUndefined();
});
