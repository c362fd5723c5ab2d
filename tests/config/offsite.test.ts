/** dropit:postgres.backups.offsite, restoreFrom and the offsite secrets: each mistake named with its key and its fix, no value echoed. */
import { parseConfig } from "../../config/load";
import { configProblems } from "../support/configProblems";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ0ZXN0aG9zdGtleXRlc3Rob3N0a2V5dGVzdGhvc3Q=";
const SFTP_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nOFFSITEkeySECRET77\n-----END OPENSSH PRIVATE KEY-----";

function raw(postgres: unknown, extra: Record<string, string> = {}): Record<string, string> {
    return {
        "dropit:domain": "dropit-app.fr",
        "dropit:acmeEmail": "admin@dropit-app.fr",
        "dropit:server": JSON.stringify({ host: "203.0.113.10", hostKey: HOST_KEY }),
        "dropit:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
        "dropit:app": JSON.stringify({ source: "../dropit" }),
        "dropit:postgres": JSON.stringify(postgres),
        ...extra,
    };
}

const problems = configProblems;

const sftp = { backups: { offsite: { repository: "sftp:offsite@backup.example.net:/srv/dropit", sftpHostKey: HOST_KEY } } };

test("an sftp: repository with its host key and key is accepted, with the defaults", () => {
    const config = parseConfig(raw(sftp, { "dropit:offsiteSshKey": SFTP_KEY }), "dev");
    expect(config.postgres.backups.offsite).toEqual({
        repository: "sftp:offsite@backup.example.net:/srv/dropit",
        sftpHostKey: HOST_KEY,
        keepLast: 3,
        keepDaily: 7,
        keepWeekly: 5,
        keepMonthly: 12,
        appendOnly: false,
        checkSchedule: "Sun *-*-* 04:30:00",
        checkSubset: "5%",
        timeoutMinutes: 60,
        maxAgeHours: 26,
    });
});

test.each([
    [
        "an sftp: repository without its key",
        raw(sftp),
        [
            "dropit:offsiteSshKey: is required for an sftp: repository (the key the VPS logs in with). Fix: `pulumi config set --secret dropit:offsiteSshKey < offsite_ed25519`.",
        ],
    ],
    [
        "a password inside a rest: URL",
        raw({ backups: { offsite: { repository: "rest:https://vps:hunter2@backup.example.net/dropit" } } }),
        [
            expect.stringMatching(
                /^dropit:postgres\.backups\.offsite\.repository: must not hold a password: put REST_USERNAME and REST_PASSWORD in the secret dropit:offsiteCredentials instead/,
            ),
        ],
    ],
    [
        "restoreFrom without a repository",
        raw({ backups: { restoreFrom: "latest" } }),
        [
            expect.stringMatching(
                /^dropit:postgres\.backups\.restoreFrom: restores from the offsite repository, and none is configured\. Fix:/,
            ),
        ],
    ],
    [
        "restoreFrom that is not a snapshot",
        raw({ backups: { ...sftp.backups, restoreFrom: "yesterday; rm -rf /" } }, { "dropit:offsiteSshKey": SFTP_KEY }),
        [expect.stringMatching(/^dropit:postgres\.backups\.restoreFrom: must be latest or a restic snapshot id/)],
    ],
    [
        "credentials naming a variable restic does not read",
        raw(
            { backups: { offsite: { repository: "s3:https://s3.example.net/b" } } },
            { "dropit:offsiteCredentials": "LD_PRELOAD=/tmp/x.so" },
        ),
        [expect.stringMatching(/^dropit:offsiteCredentials: line 1: LD_PRELOAD is not a credential variable restic reads/)],
    ],
    [
        "a ping URL with a trailing slash",
        raw({}, { "dropit:backupPingUrl": "https://hc-ping.com/SECRETuuid/" }),
        [expect.stringMatching(/^dropit:backupPingUrl: must be a ping URL such as https:\/\/hc-ping\.com\/<uuid> \(no trailing slash\)/)],
    ],
    [
        "offsite secrets without a repository",
        raw({}, { "dropit:offsitePassword": "SECRETpassword" }),
        [expect.stringMatching(/^dropit:offsitePassword: is set but no offsite repository is configured/)],
    ],
])("%s is refused with the key and the fix", (_name, values, expected) => {
    const found = problems(values);
    expect(found).toEqual(expected);
    expect(found.join("\n")).not.toMatch(/SECRET|hunter2|OFFSITEkey/);
});
