import type { Plan } from "../../scripts/plan/harness";
import { planStack, registeredTask, resource, reveal } from "../support/plan";

let plan: Plan;
beforeAll(async () => {
    plan = await planStack();
});

type TaskSpec = {
    containerSpec: {
        image: string;
        env: Record<string, string>;
        args: string[];
        healthcheck: { tests: string[] };
        mounts: Array<{ source: string; target: string; type: string }>;
        configs: Array<{ fileName: string }>;
    };
    networksAdvanceds: Array<{ id: string }>;
    placement: { constraints: string[] };
};

test("PostgreSQL 16 alpine with the guide's database, user and tuning, on dokploy-network, on the manager", () => {
    const service = resource(plan, "postgres-service");
    const task = reveal(service.inputs.taskSpec) as TaskSpec;
    expect(service.inputs.name).toBe("dropit-postgres");
    expect(task.containerSpec.image).toBe("postgres:16-alpine");
    expect(task.containerSpec.env).toMatchObject({ POSTGRES_DB: "dropit", POSTGRES_USER: "dropit" });
    expect(task.containerSpec.args).toEqual(
        expect.arrayContaining(["max_connections=200", "shared_buffers=256MB", "effective_cache_size=1GB"]),
    );
    expect(task.networksAdvanceds).toEqual([{ id: "dokploy-network-id" }]);
    expect(task.placement.constraints).toEqual(["node.role==manager"]);
    expect(task.containerSpec.healthcheck.tests.join(" ")).toContain("pg_isready");
});

test("the generated password is URL-safe and travels only as a secret", () => {
    const password = resource(plan, "postgres-password");
    expect(password.inputs).toMatchObject({ length: 32, special: false });
    expect(registeredTask(plan, "postgres-service")).toMatchObject({
        spec: {
            containerSpec: {
                image: "postgres:16-alpine",
                env: { POSTGRES_USER: "dropit", PGDATA: "/var/lib/postgresql/data/pgdata" },
                mounts: [{ type: "volume", source: "dropit-postgres-data", target: "/var/lib/postgresql/data" }],
                healthcheck: { tests: ["CMD-SHELL", "pg_isready -h 127.0.0.1 -U dropit -d dropit"] },
            },
        },
        secretEnv: ["POSTGRES_PASSWORD"],
    });
});

test("the data volume survives destroy (kept on delete, not protected: destroy must be able to run)", () => {
    const volume = resource(plan, "postgres-data");
    expect(volume).toMatchObject({ protect: false, retainOnDelete: true });
    const task = reveal(resource(plan, "postgres-service").inputs.taskSpec) as TaskSpec;
    expect(task.containerSpec.mounts).toEqual([{ type: "volume", source: "dropit-postgres-data", target: "/var/lib/postgresql/data" }]);
});

test("the init SQL creating uuid-ossp and pgcrypto is mounted where the entrypoint runs it", () => {
    const config = resource(plan, "postgres-init-sql");
    expect(String(config.inputs.create)).toMatch(/\nCONFIG_NAME=dropit-postgres-init-[0-9a-f]{12}\n/);
    const sql = String(config.inputs.stdin);
    expect(sql).toContain('CREATE EXTENSION IF NOT EXISTS "uuid-ossp"');
    expect(sql).toContain('CREATE EXTENSION IF NOT EXISTS "pgcrypto"');
    const task = reveal(resource(plan, "postgres-service").inputs.taskSpec) as TaskSpec;
    expect(task.containerSpec.configs[0].fileName).toBe("/docker-entrypoint-initdb.d/10-extensions.sql");
});

test("never published, and never two copies on one volume (stop-first)", () => {
    const service = resource(plan, "postgres-service");
    expect(service.inputs.endpointSpec).toBeUndefined();
    expect(service.inputs.updateConfig).toMatchObject({ order: "stop-first" });
});

test("a guard refusing another major version runs before the volume and the service", () => {
    const guard = resource(plan, "postgres-version-guard");
    expect(String(guard.inputs.create)).toContain("PG_VERSION");
    expect(resource(plan, "postgres-data").dependencies).toContain(guard.urn);
    expect(resource(plan, "postgres-service").dependencies).toContain(guard.urn);
});

test("backups are installed on the host with the default schedule and retention", () => {
    const install = String(resource(plan, "postgres-backups").inputs.create);
    expect(install).toContain("OnCalendar=*-*-* 03:15:00");
    expect(install).toContain("/var/backups/dropit/postgres");
    expect(install).toContain("systemctl enable --now dropit-pg-backup.timer");
});
