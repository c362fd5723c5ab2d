/**
 * Runs the real program (index.ts) under Pulumi's mock runtime against a stack file and records
 * every registration: type, name, parent, inputs (each secret kept marked where it is), dependencies, options.
 * `npm run plan` and the tests share it. One evaluation per process (the SDK keeps global state).
 *
 * It leans on SDK internals, none of them public API, which an upgrade of @pulumi/pulumi may
 * change or remove: the mock monitor's `registerResource` (pulumi.runtime.getMonitor()),
 * `deserializeProperty` of `@pulumi/pulumi/runtime/rpc` and `waitForRPCs` of
 * `@pulumi/pulumi/runtime/settings`. `sdkInternals()` looks them all up and fails with one
 * clear message when one is gone; tests/scripts/harnessSdk.test.ts runs it on every test run.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";

/** How the SDK marks a secret value inside serialized properties. */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const REDACTED = "[secret]";

export const PROJECT = "dropit";
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
/** A minimal DropIt-shaped checkout, used when the stack's app.source is not on this machine. */
export const FIXTURE_APP = path.join(PROJECT_DIR, "tests", "fixtures", "dropit-app");
/** Stand-in for a secret the stack file cannot hold in clear (set with `pulumi config set --secret`). */
export const PLACEHOLDER_SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nplan-placeholder\n-----END OPENSSH PRIVATE KEY-----";

/** What the harness needs from the SDK beyond its public API. */
export interface SdkInternals {
    deserializeProperty: (value: unknown) => unknown;
    waitForRPCs: () => Promise<void>;
}

type ModuleLoader = (id: string) => unknown;

/**
 * Looks up the SDK internals the harness relies on; throws an error naming every missing one and
 * the SDK version. `load` is `require` (tests pass a stand-in to show the message).
 */
export function sdkInternals(load: ModuleLoader = require): SdkInternals {
    const missing: string[] = [];
    const find = (id: string, name: string): unknown => {
        let module: unknown;
        try {
            module = load(id);
        } catch {
            missing.push(`module ${id}`);
            return undefined;
        }
        const value = (module as Record<string, unknown> | undefined)?.[name];
        if (typeof value !== "function") missing.push(`${id}: ${name}()`);
        return value;
    };
    const deserializeProperty = find("@pulumi/pulumi/runtime/rpc", "deserializeProperty");
    const waitForRPCs = find("@pulumi/pulumi/runtime/settings", "waitForRPCs");
    const getMonitor = find("@pulumi/pulumi/runtime/settings", "getMonitor");
    if (typeof getMonitor === "function") {
        // Only a mock runtime has a monitor here; outside one, nothing to check yet.
        const monitor = (getMonitor as () => unknown)();
        if (monitor !== undefined && typeof (monitor as Record<string, unknown>).registerResource !== "function") {
            missing.push("pulumi.runtime.getMonitor().registerResource()");
        }
    }
    if (missing.length > 0) {
        throw new Error(
            `scripts/plan/harness.ts relies on SDK internals that @pulumi/pulumi ${sdkVersion(load)} no longer provides: ` +
                `${missing.join(", ")}. Adapt the harness to the new SDK (see the top of scripts/plan/harness.ts) or pin the previous @pulumi/pulumi.`,
        );
    }
    return {
        deserializeProperty: deserializeProperty as SdkInternals["deserializeProperty"],
        waitForRPCs: waitForRPCs as SdkInternals["waitForRPCs"],
    };
}

function sdkVersion(load: ModuleLoader): string {
    try {
        return String((load("@pulumi/pulumi/package.json") as { version?: unknown }).version);
    } catch {
        return "(version unknown)";
    }
}

export interface PlannedResource {
    urn: string;
    type: string;
    name: string;
    parent: string | undefined;
    custom: boolean;
    inputs: Record<string, unknown>;
    dependencies: string[];
    protect: boolean;
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    ignoreChanges: string[];
    provider: string | undefined;
    /** The `aliases` option as registered: each a former URN, or the parts of it that changed. */
    aliases: PlannedAlias[];
}

/** One alias as the SDK sends it: a whole URN, or a spec of the parts that differ. */
export type PlannedAlias =
    { urn: string } | { name?: string; type?: string; stack?: string; project?: string; parentUrn?: string; noParent?: boolean };

export interface Plan {
    stack: string;
    resources: PlannedResource[];
    /** Stack outputs; secret ones wrapped with the secret signature. */
    outputs: Record<string, unknown>;
    /** What the harness substituted to plan offline (placeholders, fixture checkout). */
    notes: string[];
}

export interface StackValues {
    config: Record<string, string>;
    secretKeys: string[];
}

/** Pulumi.<stack>.yaml `config:` as the runtime would hand it over (objects as JSON text). */
export function readStackFile(file: string, notes: string[]): StackValues {
    const document = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(document.config ?? {})) {
        if (isSecure(value)) {
            // Encrypted with the user's passphrase: offline we only know it is set.
            config[key] = key === "dropit:sshPrivateKey" ? PLACEHOLDER_SSH_KEY : "plan-placeholder";
            secretKeys.push(key);
            notes.push(`${key} is encrypted in ${path.basename(file)}; planned with a placeholder`);
        } else {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { config, secretKeys };
}

function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && "secure" in value;
}

/** Offline stand-ins for what only the user's machine has: the SSH key secret, the checkout. */
export function fillOfflineGaps(values: StackValues, notes: string[]): StackValues {
    const config = { ...values.config };
    const secretKeys = [...values.secretKeys];
    if (!("dropit:sshPrivateKey" in config)) {
        config["dropit:sshPrivateKey"] = PLACEHOLDER_SSH_KEY;
        secretKeys.push("dropit:sshPrivateKey");
        notes.push(
            "dropit:sshPrivateKey is not in the stack file (it is set with `pulumi config set --secret`); planned with a placeholder",
        );
    }
    const app = parseJsonObject(config["dropit:app"]);
    const source = typeof app?.source === "string" ? path.resolve(PROJECT_DIR, app.source) : undefined;
    if (app && source && !fs.existsSync(path.join(source, "pnpm-workspace.yaml"))) {
        config["dropit:app"] = JSON.stringify({ ...app, source: FIXTURE_APP });
        notes.push(
            `dropit:app.source (${String(app.source)}) is not a DropIt checkout on this machine; planned with the fixture ${path.relative(PROJECT_DIR, FIXTURE_APP)}`,
        );
    }
    return { config, secretKeys };
}

function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
    if (text === undefined) return undefined;
    try {
        const value: unknown = JSON.parse(text);
        return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
    } catch {
        return undefined;
    }
}

/** The planned stdout of the remote command `name`. */
export function plannedStdout(name: string): string {
    return `@stdout:${name}@`;
}

/** Deterministic stand-ins for provider-computed outputs, secret where the real provider's are. */
function mockState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword": {
            const length = typeof inputs.length === "number" ? inputs.length : 16;
            const value = `${name.replace(/[^A-Za-z0-9]/g, "")}${"x".repeat(length)}`.slice(0, length);
            return {
                ...inputs,
                result: { [SECRET_SIG_KEY]: SECRET_SIG, value },
                bcryptHash: { [SECRET_SIG_KEY]: SECRET_SIG, value: `$2a$10$${value}` },
            };
        }
        case "docker:index/image:Image":
            return { ...inputs, repoDigest: "" };
        // A marker naming the command: whatever is computed from its output shows where it comes
        // from, and the host replay (tests/support/hostReplay.ts) puts the real output in its place.
        case "command:remote:Command":
            return { ...inputs, stdout: plannedStdout(name), stderr: "" };
        // builder/send-image.sh prints the reference the VPS holds, pinned by digest.
        case "command:local:Command": {
            const image = (inputs.environment as Record<string, unknown> | undefined)?.IMAGE;
            if (typeof image !== "string") return { ...inputs, stdout: plannedStdout(name), stderr: "" };
            const digest = createHash("sha256").update(image).digest("hex");
            return { ...inputs, stdout: `${image.replace(/:[^:/]+$/, "")}@sha256:${digest}\n`, stderr: "" };
        }
        default:
            return inputs;
    }
}

interface CapturedRequest {
    type: string;
    name: string;
    parent: string;
    custom: boolean;
    dependencies: string[];
    protect: boolean;
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    ignoreChanges: string[];
    provider: string;
    aliases: PlannedAlias[];
}

export class PlanError extends Error {
    constructor(
        message: string,
        readonly configurationProblem: boolean,
    ) {
        super(message);
    }
}

/** Evaluates the program once in this process. */
export async function runPlan(options: {
    stackFile: string;
    stack: string;
    projectDir?: string;
    /** Keys handed to the program as secrets, as `pulumi config set --secret` values are. */
    secretKeys?: string[];
}): Promise<Plan> {
    const notes: string[] = [];
    const values = fillOfflineGaps(readStackFile(options.stackFile, notes), notes);
    pulumi.runtime.setAllConfig(values.config, [...values.secretKeys, ...(options.secretKeys ?? [])]);

    const inputsByUrn = new Map<string, Record<string, unknown>>();
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                const state = mockState(args.type, args.name, args.inputs as Record<string, unknown>);
                return { id: args.custom ? `${args.name}-id` : undefined, state };
            },
            // The real getNetwork answers with the network's ID, which services must reference.
            call: (args) => {
                const inputs = args.inputs as Record<string, unknown>;
                return args.token === "docker:index/getNetwork:getNetwork" ? { ...inputs, id: `${String(inputs.name)}-id` } : inputs;
            },
        },
        PROJECT,
        options.stack,
        false,
        "organization",
    );

    // Fails here, with one message, when an SDK upgrade removed what the harness relies on.
    sdkInternals();
    const requests = captureRegistrations(inputsByUrn);
    let program: Record<string, unknown>;
    try {
        // Loaded as `pulumi up` loads it: a CommonJS require of the program's entry point.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        program = require(path.join(options.projectDir ?? PROJECT_DIR, "index.ts")) as Record<string, unknown>;
    } catch (error) {
        if (pulumi.RunError.isInstance(error)) throw new PlanError(error.message, true);
        throw error;
    }
    const outputs = await resolveOutputs(program);
    await waitForRegistrations();

    const resources = [...requests.entries()].map(([urn, request]) => ({
        urn,
        type: request.type,
        name: request.name,
        parent: request.parent || undefined,
        custom: request.custom,
        inputs: inputsByUrn.get(urn) ?? {},
        dependencies: [...new Set(request.dependencies)].sort(),
        protect: request.protect,
        retainOnDelete: request.retainOnDelete,
        deleteBeforeReplace: request.deleteBeforeReplace,
        ignoreChanges: request.ignoreChanges,
        provider: request.provider || undefined,
        aliases: request.aliases,
    }));
    return { stack: options.stack, resources, outputs, notes };
}

/** Wraps the mock monitor so each registration's parent, dependencies and options are kept. */
function captureRegistrations(inputsByUrn: Map<string, Record<string, unknown>>): Map<string, CapturedRequest> {
    const requests = new Map<string, CapturedRequest>();
    type Callback = (error: Error | null, response?: { getUrn(): string }) => void;
    interface Request {
        getType(): string;
        getName(): string;
        getParent(): string;
        getCustom(): boolean;
        getDependenciesList(): string[];
        getProtect(): boolean;
        getRetainondelete(): boolean;
        getProvider(): string;
        getDeletebeforereplace(): boolean;
        getIgnorechangesList(): string[];
        getAliasurnsList(): string[];
        getAliasesList(): AliasMessage[];
        getObject(): unknown;
    }
    interface AliasMessage {
        getUrn(): string;
        getSpec():
            | {
                  getName(): string;
                  getType(): string;
                  getStack(): string;
                  getProject(): string;
                  getParenturn(): string;
                  getNoparent(): boolean;
              }
            | undefined;
    }
    const aliasOf = (alias: AliasMessage): PlannedAlias => {
        const spec = alias.getSpec();
        if (!spec) return { urn: alias.getUrn() };
        const parts = {
            name: spec.getName(),
            type: spec.getType(),
            stack: spec.getStack(),
            project: spec.getProject(),
            parentUrn: spec.getParenturn(),
        };
        return {
            ...Object.fromEntries(Object.entries(parts).filter(([, value]) => value !== "")),
            ...(spec.getNoparent() ? { noParent: true } : {}),
        };
    };
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: Request, cb: Callback): void };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        register(req, (error, response) => {
            if (!error && response) {
                const urn = response.getUrn();
                requests.set(urn, {
                    type: req.getType(),
                    name: req.getName(),
                    parent: req.getParent(),
                    custom: req.getCustom(),
                    dependencies: req.getDependenciesList(),
                    protect: req.getProtect(),
                    retainOnDelete: req.getRetainondelete(),
                    provider: req.getProvider(),
                    deleteBeforeReplace: req.getDeletebeforereplace(),
                    ignoreChanges: req.getIgnorechangesList(),
                    aliases: [...req.getAliasurnsList().map((urn) => ({ urn })), ...req.getAliasesList().map(aliasOf)],
                });
                inputsByUrn.set(urn, deserializeKeepingSecretLeaves(req.getObject()));
            }
            callback(error, response);
        });
    };
    return requests;
}

/**
 * The registered inputs as the engine receives them: a secret stays where the program put it.
 * The SDK's own `deserializeProperties` lifts any nested secret up to the top-level property
 * (one secret value wrapping the whole `taskSpec`), which is not what the engine stores.
 */
function deserializeKeepingSecretLeaves(struct: unknown): Record<string, unknown> {
    const { deserializeProperty } = sdkInternals();
    const walk = (value: unknown): unknown => {
        if (Array.isArray(value)) return value.map(walk);
        if (typeof value !== "object" || value === null) return deserializeProperty(value);
        const record = value as Record<string, unknown>;
        if (isSecretValue(record)) return { [SECRET_SIG_KEY]: SECRET_SIG, value: walk(record.value) };
        // Assets, archives, resource references: the SDK's reading.
        if (SECRET_SIG_KEY in record) return deserializeProperty(record);
        return Object.fromEntries(
            Object.entries(record)
                .filter(([, inner]) => inner !== undefined)
                .map(([key, inner]) => [key, walk(inner)]),
        );
    };
    return walk((struct as { toJavaScript(): Record<string, unknown> }).toJavaScript()) as Record<string, unknown>;
}

async function resolveOutputs(program: Record<string, unknown>): Promise<Record<string, unknown>> {
    const outputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(program)) {
        if (value === undefined || name === "__esModule") continue;
        const output = pulumi.output(value);
        const [resolved, secret] = await Promise.all([
            new Promise<unknown>((resolve) =>
                output.apply((v) => {
                    resolve(v);
                    return v;
                }),
            ),
            pulumi.isSecret(output),
        ]);
        outputs[name] = secret ? { [SECRET_SIG_KEY]: SECRET_SIG, value: resolved } : resolved;
    }
    return outputs;
}

async function waitForRegistrations(): Promise<void> {
    await sdkInternals().waitForRPCs();
}

export function isSecretValue(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** Replaces every secret (at any depth) by "[secret]". */
export function redact(value: unknown): unknown {
    if (isSecretValue(value)) return REDACTED;
    if (Array.isArray(value)) return value.map(redact);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redact(inner)]));
    }
    return value;
}

/** The `--json` contract: secrets redacted everywhere. */
export function planToJson(plan: Plan) {
    return {
        resources: plan.resources.map((resource) => ({
            urn: resource.urn,
            type: resource.type,
            name: resource.name,
            parent: resource.parent ?? null,
            inputs: redact(resource.inputs),
            dependencies: resource.dependencies,
        })),
        outputs: redact(plan.outputs),
    };
}
