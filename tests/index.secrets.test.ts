/**
 * Canary values for every secret key must never appear in clear in anything the program
 * registers (the engine stores inputs, dynamic providers' `__provider` code included, in the
 * state) nor in what `npm run plan` prints. Secret-marked values are encrypted by the engine, so
 * they are the one place a canary may sit.
 *
 * Both ways a secret reaches the program are covered: set in plain text in the stack file (the
 * program must still treat it as secret) and marked secret the way `pulumi config set --secret`
 * hands it over. The plan CLI loads the program as Pulumi's language host does
 * (scripts/load-like-pulumi.js), which is what decides what closure serialization captures.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { redact, runPlan } from "../scripts/plan/harness";
import { SECRET_KEYS } from "../config/schema";
import { fullStack, HOST_KEY, writeStackFile } from "./support/plan";

const ROOT = path.resolve(__dirname, "..");

const CANARIES: Record<(typeof SECRET_KEYS)[number], string> = {
    sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nCANARYsshKEY7f3a91\n-----END OPENSSH PRIVATE KEY-----",
    infomaniakToken: "CANARYinfomaniakTOKEN52b8e0",
    brevoApiKey: "CANARYbrevoKEY0c4d77",
    registryPassword: "CANARYregistryPASS9e1f23",
    offsiteCredentials: "AWS_ACCESS_KEY_ID=CANARYawsKEYID4d2e11\nAWS_SECRET_ACCESS_KEY=CANARYawsSECRET8a7c35",
    offsiteSshKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nCANARYoffsiteKEY6b90fe\n-----END OPENSSH PRIVATE KEY-----",
    offsitePassword: "CANARYresticPASS3e5d72",
    backupPingUrl: "https://hc-ping.example/CANARYpingUUID91ab0c",
};
/** A distinctive piece of each canary: the PEM armour of the key is not a secret. */
const MARKERS = [
    "CANARYsshKEY7f3a91",
    "CANARYinfomaniakTOKEN52b8e0",
    "CANARYbrevoKEY0c4d77",
    "CANARYregistryPASS9e1f23",
    "CANARYawsKEYID4d2e11",
    "CANARYawsSECRET8a7c35",
    "CANARYoffsiteKEY6b90fe",
    "CANARYresticPASS3e5d72",
    "CANARYpingUUID91ab0c",
];

function canaryStack(): Record<string, unknown> {
    const stack: Record<string, unknown> = {
        ...fullStack(),
        "dropit:dns": { provider: "infomaniak" },
        // Every offsite secret in use: an sftp: repository takes the SSH key, the others the credentials.
        "dropit:postgres": {
            backups: {
                offsite: { repository: "sftp:backup@backup.example.net:/srv/dropit", sftpHostKey: HOST_KEY },
                restoreFrom: "latest",
            },
        },
    };
    for (const key of SECRET_KEYS) stack[`dropit:${key}`] = CANARIES[key];
    return stack;
}

function markersIn(text: string): string[] {
    return MARKERS.filter((marker) => text.includes(marker));
}

test("every secret key is covered by a canary", () => {
    expect(Object.keys(CANARIES).sort()).toEqual([...SECRET_KEYS].sort());
});

test("secrets handed over as Pulumi secrets appear in no registered input, __provider included", async () => {
    const plan = await runPlan({
        stackFile: writeStackFile(canaryStack()),
        stack: "canary",
        secretKeys: SECRET_KEYS.map((key) => `dropit:${key}`),
    });
    const providers = plan.resources.filter((resource) => typeof resource.inputs.__provider === "string");
    expect(providers.length).toBeGreaterThanOrEqual(2);
    for (const resource of plan.resources) {
        expect({ resource: resource.name, leaked: markersIn(JSON.stringify(redact(resource.inputs))) }).toEqual({
            resource: resource.name,
            leaked: [],
        });
    }
    expect(markersIn(JSON.stringify(redact(plan.outputs)))).toEqual([]);
}, 120_000);

test("secrets set in plain text appear nowhere in the plan's text or JSON output", () => {
    const stackFile = writeStackFile(canaryStack());
    for (const format of [[], ["--json"]]) {
        const result = spawnSync(
            process.execPath,
            [
                "scripts/load-like-pulumi.js",
                "scripts/plan.ts",
                "--config",
                stackFile,
                "--stack",
                "canary",
                "--diagram",
                path.join(path.dirname(stackFile), "plan.mmd"),
                ...format,
            ],
            {
                cwd: ROOT,
                encoding: "utf8",
                timeout: 120_000,
                maxBuffer: 64 * 1024 * 1024,
            },
        );
        expect(result.status).toBe(0);
        expect(result.stdout.length).toBeGreaterThan(1000);
        expect(markersIn(result.stdout + result.stderr)).toEqual([]);
    }
}, 240_000);
