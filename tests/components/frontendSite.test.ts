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
    expect(image.inputs.imageName).toMatch(/^127\.0\.0\.1:5555\/dropit-web:[0-9a-f]{12}$/);
});

test("nginx's config is the rendered one, mounted as a content-named Swarm config", () => {
    const config = resource(plan, "web-nginx-conf");
    expect(String(config.inputs.create)).toMatch(/\nCONFIG_NAME=dropit-web-nginx-[0-9a-f]{12}\n/);
    expect(String(config.inputs.stdin)).toContain("try_files");
    expect(config.dependencies).toContain(resource(plan, "dokploy-close-panel-port").urn);
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

type ContainerSpec = { configs: Array<{ configName: string; fileName: string; fileMode?: number }>; env?: Record<string, string> };
const containerSpec = (of: Plan) => (resource(of, "web-service").inputs.taskSpec as { containerSpec: ContainerSpec }).containerSpec;

test("asset bridging is on by default: nginx asks its peers, and the start script runs from the image's entrypoint directory", () => {
    const conf = String(resource(plan, "web-nginx-conf").inputs.stdin);
    expect(conf).toContain("set $dropit_asset_peers tasks.dropit-web;");
    const script = resource(plan, "web-asset-bridge");
    expect(String(script.inputs.create)).toMatch(/\nCONFIG_NAME=dropit-web-asset-bridge-[0-9a-f]{12}\n/);
    expect(String(script.inputs.stdin)).toMatch(/^#!\/bin\/sh\n/);
    const spec = containerSpec(plan);
    expect(spec.configs[1]).toMatchObject({ fileName: "/docker-entrypoint.d/40-dropit-asset-bridge.sh", fileMode: 0o555 });
    // Its whole input is data in the environment.
    expect(spec.env).toEqual({
        DROPIT_ASSET_PEERS: "tasks.dropit-web",
        DROPIT_ASSET_BRIDGE_PORT: "8081",
        DROPIT_ASSET_BRIDGE_STATE: "/var/lib/dropit-web-bridge",
        DROPIT_WEB_ROOT: "/usr/share/nginx/html",
    });
});
