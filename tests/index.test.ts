/** The program as a whole: order that matches reality, the output contract, secrets. */
import { planToJson, redact, type Plan } from "../scripts/plan/harness";
import { planStack, resource, reveal, SECRET_VALUES } from "./support/plan";

let plan: Plan;
beforeAll(async () => {
    plan = await planStack();
});

/** Every URN a resource waits for, directly or through its provider and dependencies. */
function upstream(urn: string, seen = new Set<string>()): Set<string> {
    const node = plan.resources.find((candidate) => candidate.urn === urn);
    const provider = node?.provider?.split("::").slice(0, 4).join("::");
    for (const next of [...(node?.dependencies ?? []), ...(provider ? [provider] : [])]) {
        if (!seen.has(next)) {
            seen.add(next);
            upstream(next, seen);
        }
    }
    return seen;
}

test("Dokploy before anything on its engine, PostgreSQL before the API, the API before the web build", () => {
    const installer = resource(plan, "dokploy-dokploy").urn;
    for (const name of [
        "postgres-service",
        "api-image-send",
        "api-service",
        "web-image-send",
        "web-service",
        "redis-service",
        "typesense-service",
    ]) {
        expect(upstream(resource(plan, name).urn)).toContain(installer);
    }
    // The API image is built where `pulumi up` runs: its build need not wait for the VPS.
    expect(upstream(resource(plan, "api-image").urn)).not.toContain(installer);
    expect(upstream(resource(plan, "api-service").urn)).toContain(resource(plan, "postgres-service").urn);
    expect(upstream(resource(plan, "web-image").urn)).toContain(resource(plan, "api-service").urn);
});

test("the deployment output is the versioned contract CI reads, with no secret in it", () => {
    const deployment = plan.outputs.deployment as Record<string, unknown>;
    expect(deployment).toMatchObject({
        schemaVersion: 1,
        urls: {
            web: "https://example.fr",
            api: "https://api.example.fr",
            apiHealth: "https://api.example.fr/api",
            dokploy: "https://dokploy.example.fr",
            traefik: "https://traefik.example.fr",
        },
        server: { host: "198.51.100.7" },
        dns: { provider: "manual" },
        images: {
            api: expect.stringMatching(/^127\.0\.0\.1:5555\/dropit-api@sha256:[0-9a-f]{64}$/),
            web: expect.stringMatching(/^127\.0\.0\.1:5555\/dropit-web@sha256:[0-9a-f]{64}$/),
        },
        services: { postgres: "dropit-postgres:5432", redis: "dropit-redis:6379", typesense: "dropit-typesense:8108" },
    });
    expect((deployment.dns as { records: unknown[] }).records).toHaveLength(4);
});

test("credentials are separate secret outputs", () => {
    for (const name of ["postgresPassword", "betterAuthSecret", "redisUrl", "typesenseApiKey"]) {
        expect(plan.outputs[name]).toHaveProperty("value");
        expect(String(reveal(plan.outputs[name])).length).toBeGreaterThanOrEqual(32);
    }
});

test("no plan output, input or JSON view contains a configured or generated secret in clear", () => {
    const generated = ["postgresPassword", "betterAuthSecret", "typesenseApiKey"].map((name) => String(reveal(plan.outputs[name])));
    const json = JSON.stringify(planToJson(plan));
    for (const secret of [...Object.values(SECRET_VALUES), ...generated]) {
        expect(json).not.toContain(secret);
        expect(json).not.toContain(secret.split("\n")[1] ?? secret);
    }
    expect(json).toContain("[secret]");
});

test("every secret value in an input is marked secret where it is, at any depth", () => {
    const carriesSecret = (value: unknown): boolean => {
        const text = JSON.stringify(value);
        return [
            ...Object.values(SECRET_VALUES).map((secret) => secret.split("\n")[1] ?? secret),
            "postgrespassword",
            "apiauthsecret",
            "redispassword",
            "typesenseapikey",
        ].some((needle) => text.toLowerCase().includes(needle.toLowerCase()));
    };
    const unmarked = plan.resources.flatMap((candidate) =>
        Object.entries(candidate.inputs)
            .filter(([, value]) => carriesSecret(redact(value)))
            .map(([key]) => `${candidate.name}.${key}`),
    );
    expect(unmarked).toEqual([]);
    // The mocks' generated values are derived from the resource names checked above.
    expect(String(reveal(plan.outputs.postgresPassword))).toMatch(/^postgrespassword/);
});
