/**
 * PostgresService with offsite copies and a disaster-recovery restore (mock runtime): the offsite
 * step takes its secrets on stdin only, and the restore sits between the database service and
 * the API. Without them: postgresService.localOnly.test.ts.
 */
import { isSecretValue, type Plan } from "../../scripts/plan/harness";
import { childrenOf, fullStack, HOST_KEY, planStack, resource } from "../support/plan";

const OFFSITE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nTESTOFFSITEsecret42\n-----END OPENSSH PRIVATE KEY-----";
const PING = "https://hc-ping.com/TESTPINGsecret-0f0f";

let offsite: Plan;
beforeAll(async () => {
    offsite = await planStack({
        ...fullStack(),
        "dropit:postgres": {
            backups: {
                offsite: { repository: "sftp:offsite@backup.example.net:/srv/dropit", sftpHostKey: HOST_KEY },
                restoreFrom: "latest",
            },
        },
        "dropit:offsiteSshKey": OFFSITE_KEY,
        "dropit:backupPingUrl": PING,
    });
}, 120_000);

const names = (plan: Plan) => childrenOf(plan, "postgres").map((child) => child.name);

test("with offsite and restoreFrom: a generated secret password, secrets on stdin only, the restore after the database and before the API", () => {
    expect(names(offsite)).toEqual(expect.arrayContaining(["postgres-offsite-password", "postgres-offsite", "postgres-offsite-restore"]));
    const step = resource(offsite, "postgres-offsite");
    expect(isSecretValue(step.inputs.stdin)).toBe(true);
    const text = JSON.stringify(step.inputs.create);
    for (const secret of ["TESTOFFSITEsecret42", "TESTPINGsecret", "postgresoffsitepassword"]) expect(text).not.toContain(secret);
    expect(step.dependencies).toContain(resource(offsite, "postgres-backups").urn);
    const restore = resource(offsite, "postgres-offsite-restore");
    expect(restore.inputs.triggers).toEqual(["latest"]);
    expect(restore.dependencies).toEqual(expect.arrayContaining([step.urn, resource(offsite, "postgres-service").urn]));
    expect(resource(offsite, "api-service").dependencies).toContain(restore.urn);
    expect(resource(offsite, "api-pre-deploy-backup").dependencies).toContain(restore.urn);
    expect(isSecretValue(offsite.outputs.offsiteRepositoryPassword)).toBe(true);
    expect(offsite.outputs.backups).toMatch(/^backups copied offsite to sftp:offsite@backup\.example\.net:\/srv\/dropit with restic/);
    expect(offsite.outputs.deployment).toMatchObject({
        backups: { offsiteMaxAgeHours: 26, ssh: { user: "deploy", port: 2222, hostKey: HOST_KEY } },
    });
});
