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
import { plannedStdout, redact, runPlan } from "../scripts/plan/harness";
import { SECRET_KEYS, SECRET_PATHS } from "../config/schema";
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
/** Secrets nested in an object key (SECRET_PATHS). */
const PATH_CANARIES: Record<(typeof SECRET_PATHS)[number], string> = {
    "monitoring.alertUrl": "https://ntfy.example.net/CANARYalertURL3d5e",
    "monitoring.heartbeatUrl": "https://hc-ping.example.net/CANARYheartbeatURL8a2c",
    "dokploy.apiKey": "CANARYdokployAPIKEY4f6b",
};
/**
 * A distinctive piece of each canary: the PEM armour of the key is not a secret. The Swarm join
 * tokens are read on the first manager at `pulumi up`: under the mock runtime the reading
 * command's stdout is a marker naming it, which stands exactly where the token would be.
 */
const MARKERS = [
    "CANARYsshKEY7f3a91",
    "CANARYinfomaniakTOKEN52b8e0",
    "CANARYbrevoKEY0c4d77",
    "CANARYregistryPASS9e1f23",
    "CANARYalertURL3d5e",
    "CANARYheartbeatURL8a2c",
    "CANARYdokployAPIKEY4f6b",
    plannedStdout("swarm-worker-token"),
    plannedStdout("swarm-manager-token"),
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
        // Both kinds of join token: a worker and two more managers (three in all).
        "dropit:nodes": [
            { name: "worker-1", host: "198.51.100.8", hostKey: HOST_KEY },
            { name: "manager-2", host: "198.51.100.9", hostKey: HOST_KEY, role: "manager" },
            { name: "manager-3", host: "198.51.100.10", hostKey: HOST_KEY, role: "manager" },
        ],
        // Every offsite secret in use: an sftp: repository takes the SSH key, the others the credentials.
        "dropit:postgres": {
            backups: {
                offsite: { repository: "sftp:backup@backup.example.net:/srv/dropit", sftpHostKey: HOST_KEY },
                restoreFrom: "latest",
            },
        },
    };
    for (const key of SECRET_KEYS) stack[`dropit:${key}`] = CANARIES[key];
    for (const secretPath of SECRET_PATHS) {
        const [top, leaf] = secretPath.split(".");
        const object = (stack[`dropit:${top}`] ?? {}) as Record<string, unknown>;
        stack[`dropit:${top}`] = { ...object, [leaf]: PATH_CANARIES[secretPath] };
    }
    return stack;
}

function markersIn(text: string): string[] {
    return MARKERS.filter((marker) => text.includes(marker));
}

test("every secret key is covered by a canary", () => {
    expect(Object.keys(CANARIES).sort()).toEqual([...SECRET_KEYS].sort());
    expect(Object.keys(PATH_CANARIES).sort()).toEqual([...SECRET_PATHS].sort());
});

test("secrets handed over as Pulumi secrets appear in no registered input, __provider included", async () => {
    const plan = await runPlan({
        stackFile: writeStackFile(canaryStack()),
        stack: "canary",
        secretKeys: [
            ...SECRET_KEYS.map((key) => `dropit:${key}`),
            ...new Set(SECRET_PATHS.map((secretPath) => `dropit:${secretPath.split(".")[0]}`)),
        ],
    });
    const providers = plan.resources.filter((resource) => typeof resource.inputs.__provider === "string");
    expect(providers.length).toBeGreaterThanOrEqual(3);
    expect(plan.resources.some((resource) => resource.name === "dokploy-notifications")).toBe(true);
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
