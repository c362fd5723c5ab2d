import { isSecretValue, planToJson, type Plan } from "../../scripts/plan/harness";
import { HOST_KEY, planStack, registeredTask, resource, reveal, SECRET_VALUES } from "../support/plan";

let plan: Plan;
beforeAll(async () => {
    plan = await planStack();
});

type ServiceTask = { containerSpec: { image: string; env: Record<string, string>; healthcheck: { tests: string[]; startPeriod: string } } };
type ServiceTaskJson = { taskSpec: ServiceTask };
const task = () => reveal(resource(plan, "api-service").inputs.taskSpec) as ServiceTask;

test("the environment is exactly what the app reads", () => {
    expect(task().containerSpec.env).toEqual({
        API_PORT: "3000",
        NODE_ENV: "production",
        APP_URL: "https://example.fr",
        DB_HOST: "dropit-postgres",
        DB_PORT: "5432",
        DB_USER: "dropit",
        DB_PASSWORD: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
        DB_NAME: "dropit",
        BETTER_AUTH_SECRET: expect.stringMatching(/^[A-Za-z0-9]{48}$/),
        BETTER_AUTH_URL: "https://api.example.fr",
        TRUSTED_ORIGINS: "https://example.fr",
        BREVO_API_KEY: SECRET_VALUES.brevoApiKey,
        BREVO_FROM_EMAIL: "no-reply@example.fr",
        BREVO_FROM_NAME: "DropIt",
    });
});

test("only the secret values are secret: each one in what is registered, the rest of the task spec readable", () => {
    const { spec, secretEnv } = registeredTask(plan, "api-service");
    // The task spec itself is not one secret: a preview shows which variables change.
    expect(isSecretValue(spec)).toBe(false);
    expect(secretEnv).toEqual(["BETTER_AUTH_SECRET", "BREVO_API_KEY", "DB_PASSWORD"]);
    const env = (spec as { containerSpec: { env: Record<string, unknown> } }).containerSpec.env;
    const secret = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });
    expect(env.DB_PASSWORD).toEqual(secret(reveal(plan.outputs.postgresPassword)));
    expect(env.BETTER_AUTH_SECRET).toEqual(secret(reveal(plan.outputs.betterAuthSecret)));
    expect(env.BREVO_API_KEY).toEqual(secret(SECRET_VALUES.brevoApiKey));
    expect(spec).toMatchObject({
        containerSpec: {
            image: expect.stringMatching(/^127\.0\.0\.1:5555\/dropit-api@sha256:/),
            env: {
                API_PORT: "3000",
                DB_HOST: "dropit-postgres",
                BETTER_AUTH_URL: "https://api.example.fr",
                BREVO_FROM_EMAIL: "no-reply@example.fr",
            },
            healthcheck: { startPeriod: "1m" },
        },
        networksAdvanceds: [{ id: "dokploy-network-id" }],
    });

    // The plan's JSON redacts the secret leaves only.
    const json = planToJson(plan).resources.find((candidate) => candidate.name === "api-service")!.inputs as ServiceTaskJson;
    expect(json.taskSpec.containerSpec.env).toMatchObject({
        API_PORT: "3000",
        DB_PASSWORD: "[secret]",
        BETTER_AUTH_SECRET: "[secret]",
        BREVO_API_KEY: "[secret]",
    });
    expect(json.taskSpec.containerSpec.image).toMatch(/^127\.0\.0\.1:5555\/dropit-api@sha256:/);
    expect(json.taskSpec.containerSpec.healthcheck.tests.join(" ")).toContain("/api");
});

test("health-gated rolling updates: start-first, rollback on failure, healthcheck on api.healthPath", () => {
    const service = resource(plan, "api-service");
    expect(service.inputs.updateConfig).toMatchObject({ order: "start-first", failureAction: "rollback" });
    expect(service.inputs.rollbackConfig).toBeDefined();
    expect(service.inputs.mode).toEqual({ replicated: { replicas: 2 } });
    expect(task().containerSpec.healthcheck.tests.join(" ")).toContain('http://127.0.0.1:3000/api"');
});

test("routed by Traefik at api.<domain> over HTTPS with Let's Encrypt, HTTP redirected", () => {
    const labels = Object.fromEntries(
        (resource(plan, "api-service").inputs.labels as Array<{ label: string; value: string }>).map(({ label, value }) => [label, value]),
    );
    expect(labels).toMatchObject({
        "traefik.enable": "true",
        "traefik.swarm.network": "dokploy-network",
        "traefik.http.routers.dropit-api-websecure.rule": "Host(`api.example.fr`)",
        "traefik.http.routers.dropit-api-websecure.tls.certresolver": "letsencrypt",
        "traefik.http.routers.dropit-api-web.middlewares": "redirect-to-https@file",
        "traefik.http.services.dropit-api.loadbalancer.server.port": "3000",
    });
    expect(resource(plan, "api-service").inputs.endpointSpec).toBeUndefined();
});

test("the image is built where `pulumi up` runs, tagged by content, and sent over SSH: the service runs it pinned by digest", () => {
    const image = resource(plan, "api-image");
    expect(image.inputs.imageName).toMatch(/^127\.0\.0\.1:5555\/dropit-api:[0-9a-f]{12}$/);
    expect(image.inputs).toMatchObject({
        skipPush: true,
        build: { context: "tests/fixtures/dropit-app", dockerfile: "docker/api.Dockerfile" },
    });
    // The builder is the local engine, never the VPS's; its cache comes from the builder's registry.
    expect(image.provider).toContain("::image-builder::");
    expect(image.inputs.build).toMatchObject({
        args: { BUILDKIT_INLINE_CACHE: "1" },
        cacheFrom: { images: ["127.0.0.1:5555/dropit-api:buildcache"] },
    });
    const send = resource(plan, "api-image-send");
    expect(send.type).toBe("command:local:Command");
    expect(send.inputs.environment).toMatchObject({
        IMAGE: image.inputs.imageName,
        REGISTRY_PORT: "5555",
        SSH_HOST: "198.51.100.7",
        SSH_PORT: "2222",
        SSH_USER: "deploy",
        SSH_HOST_KEY: HOST_KEY,
    });
    // The key only on stdin, as a secret; nothing on a command line or in the environment.
    expect(isSecretValue(send.inputs.stdin)).toBe(true);
    expect(JSON.stringify(send.inputs.environment)).not.toContain("PRIVATE KEY");
    expect(send.inputs.create).toBe(`bash -c "$DROPIT_SCRIPT"`);
    expect(send.dependencies).toEqual(expect.arrayContaining([image.urn, resource(plan, "dokploy-docker-access").urn]));
    expect(task().containerSpec.image).toMatch(/^127\.0\.0\.1:5555\/dropit-api@sha256:[0-9a-f]{64}$/);
    expect(resource(plan, "api-service").dependencies).toContain(send.urn);
});

test("the API's service waits for PostgreSQL's (healthy, through its converge wait)", () => {
    expect(resource(plan, "api-service").dependencies).toContain(resource(plan, "postgres-service").urn);
    expect(resource(plan, "postgres-service").inputs.convergeConfig).toMatchObject({ timeout: "10m" });
});

test("every new image is preceded by a database dump (the app syncs its schema at start-up)", () => {
    const backup = resource(plan, "api-pre-deploy-backup");
    expect(backup.inputs.triggers).toEqual([resource(plan, "api-image").inputs.imageName]);
    expect(backup.dependencies).toEqual(
        expect.arrayContaining([resource(plan, "postgres-backups").urn, resource(plan, "postgres-service").urn]),
    );
    expect(resource(plan, "api-service").dependencies).toContain(backup.urn);
});
