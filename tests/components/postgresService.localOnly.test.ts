/**
 * PostgresService without offsite copies (mock runtime): nothing changes but the `backups`
 * output's "local only" line. With them: postgresService.offsite.test.ts (one evaluation per
 * process).
 */
import type { Plan } from "../../scripts/plan/harness";
import { renderInstallBackups } from "../../renderers/databaseHost";
import { childrenOf, planStack, resource } from "../support/plan";

let local: Plan;
beforeAll(async () => {
    local = await planStack();
}, 120_000);

const names = (plan: Plan) => childrenOf(plan, "postgres").map((child) => child.name);

test("without offsite: the component's resources and the backups step are as before, and one output says local only", () => {
    expect(names(local).sort()).toEqual([
        "postgres-backups",
        "postgres-data",
        "postgres-init-sql",
        "postgres-password",
        "postgres-service",
        "postgres-version-guard",
    ]);
    expect(resource(local, "postgres-backups").inputs.create).toBe(
        renderInstallBackups({
            database: "dropit",
            user: "dropit",
            schedule: "*-*-* 03:15:00",
            keepCount: 14,
            keepDays: 30,
            directory: "/var/backups/dropit/postgres",
        }),
    );
    expect(local.outputs.backups).toBe(
        "backups are local only (/var/backups/dropit/postgres on the VPS): set dropit:postgres.backups.offsite.repository to copy them off the server",
    );
    expect(local.outputs.offsiteRepositoryPassword).toBeUndefined();
    expect(JSON.stringify(local.outputs.deployment)).not.toContain("backups");
    // The DNS provider serializes config/rules.ts into the state: the offsite rules live elsewhere.
    expect(String(resource(local, "dns-propagation").inputs.__provider)).not.toMatch(/RESTIC|OFFSITE/);
    const api = resource(local, "api-service");
    expect(api.dependencies).toContain(resource(local, "postgres-service").urn);
});
