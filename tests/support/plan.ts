/** Runs the real program under the mock runtime with a stack file built from an object. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { isSecretValue, runPlan, type Plan, type PlannedResource } from "../../scripts/plan/harness";

/** Recognisable secret values: a test that finds one in clear has found a leak. */
export const SECRET_VALUES = {
    sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nTESTSSHKEYsecret1234567890\n-----END OPENSSH PRIVATE KEY-----",
    brevoApiKey: "xkeysib-TESTBREVOsecret0987654321",
    registryPassword: "dckr_pat_TESTREGISTRYsecret55555",
};

export const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ0ZXN0aG9zdGtleXRlc3Rob3N0a2V5dGVzdGhvc3Q=";

/** A complete stack: the production file's shape with every optional feature on. */
export function fullStack(): Record<string, unknown> {
    return {
        "dropit:domain": "example.fr",
        "dropit:acmeEmail": "ops@example.fr",
        "dropit:server": { host: "198.51.100.7", user: "deploy", port: 2222, hostKey: HOST_KEY },
        "dropit:sshPrivateKey": SECRET_VALUES.sshPrivateKey,
        "dropit:app": { source: "tests/fixtures/dropit-app" },
        "dropit:registry": { username: "dropitbot" },
        "dropit:registryPassword": SECRET_VALUES.registryPassword,
        "dropit:brevoApiKey": SECRET_VALUES.brevoApiKey,
        "dropit:api": { healthPath: "/api", replicas: 2, brevoFromEmail: "no-reply@example.fr", brevoFromName: "DropIt" },
        "dropit:redis": { enabled: true },
        "dropit:typesense": { enabled: true },
    };
}

export function writeStackFile(config: Record<string, unknown>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-stack-"));
    const file = path.join(dir, "Pulumi.test.yaml");
    fs.writeFileSync(file, stringify({ config }));
    return file;
}

export async function planStack(config: Record<string, unknown> = fullStack(), stack = "test"): Promise<Plan> {
    return runPlan({ stackFile: writeStackFile(config), stack });
}

export function resource(plan: Plan, name: string): PlannedResource {
    const found = plan.resources.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`no resource named ${name}; have: ${plan.resources.map((r) => r.name).join(", ")}`);
    return found;
}

/** The value with every secret wrapper removed, at any depth. */
export function reveal(value: unknown): unknown {
    if (isSecretValue(value)) return reveal(value.value);
    if (Array.isArray(value)) return value.map(reveal);
    if (typeof value === "object" && value !== null)
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, reveal(inner)]));
    return value;
}

/** The service's task spec as registered, and the names of its secret environment values. */
export function registeredTask(plan: Plan, serviceName: string): { spec: unknown; secretEnv: string[] } {
    const spec = resource(plan, serviceName).inputs.taskSpec;
    const env = (spec as { containerSpec?: { env?: Record<string, unknown> } } | undefined)?.containerSpec?.env ?? {};
    return {
        spec,
        secretEnv: Object.keys(env)
            .filter((name) => isSecretValue(env[name]))
            .sort(),
    };
}

export function childrenOf(plan: Plan, parentName: string): PlannedResource[] {
    const parent = resource(plan, parentName);
    return plan.resources.filter((candidate) => candidate.parent === parent.urn);
}
