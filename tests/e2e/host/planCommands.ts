/**
 * `tsx tests/e2e/host/planCommands.ts <stack file> <stack> [component]`: evaluates the real program under
 * the mock runtime (scripts/plan/harness.ts) and prints, as JSON on stdout, the remote commands
 * `pulumi up` would run on the host, in dependency order, with their stdin revealed (the replay
 * must send what Pulumi would send), plus the Docker provider's SSH options and the stack's
 * secret outputs. Its own process: the SDK allows one evaluation per process.
 */
import { isSecretValue, runPlan, type PlannedResource } from "../../../scripts/plan/harness";

export interface PlannedCommand {
    name: string;
    /** Name of the component that registered it (e.g. `dokploy` for DokployHost). */
    component?: string;
    create: string;
    update?: string;
    delete?: string;
    stdin?: string;
    connection: { host: string; port: number; user: string; hostKey?: string };
    /** Names of the commands that must have run before this one. */
    after: string[];
}

export interface ReplayPlan {
    commands: PlannedCommand[];
    dockerProviderHost?: string;
    dockerProviderSshOpts?: string[];
    outputs: Record<string, unknown>;
    /** Swarm services by name as registered (secrets revealed), for suites that stand in for the Docker provider. */
    services?: Record<string, PlannedService>;
}

export interface PlannedService {
    image?: string;
    env: Record<string, string>;
    args: string[];
}

function plannedServices(resources: readonly PlannedResource[]): Record<string, PlannedService> {
    const deep = (value: unknown): unknown => {
        const revealed = reveal(value);
        if (Array.isArray(revealed)) return revealed.map(deep);
        if (typeof revealed === "object" && revealed !== null) return Object.fromEntries(Object.entries(revealed).map(([key, inner]) => [key, deep(inner)]));
        return revealed;
    };
    return Object.fromEntries(
        resources
            .filter((resource) => resource.type === "docker:index/service:Service")
            .map((resource) => {
                const spec = deep(resource.inputs.taskSpec) as { containerSpec?: { image?: string; env?: Record<string, string>; args?: string[] } } | undefined;
                const container = spec?.containerSpec ?? {};
                return [String(deep(resource.inputs.name)), { image: container.image, env: container.env ?? {}, args: container.args ?? [] }];
            }),
    );
}

const reveal = (value: unknown): unknown => (isSecretValue(value) ? value.value : value);
const optionalText = (value: unknown): string | undefined => (value === undefined ? undefined : String(reveal(value)));

/** Depth-first topological order of every resource; commands keep that order. */
export function orderCommands(resources: readonly PlannedResource[]): PlannedCommand[] {
    const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
    const ordered: PlannedResource[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (resource: PlannedResource) => {
        if (state.get(resource.urn) === "done") return;
        if (state.get(resource.urn) === "visiting") throw new Error(`dependency cycle through ${resource.name}`);
        state.set(resource.urn, "visiting");
        for (const urn of resource.dependencies) {
            const dependency = byUrn.get(urn);
            if (dependency) visit(dependency);
        }
        state.set(resource.urn, "done");
        ordered.push(resource);
    };
    resources.forEach(visit);
    const commandAncestors = (resource: PlannedResource, seen = new Set<string>()): string[] =>
        resource.dependencies.flatMap((urn) => {
            const dependency = byUrn.get(urn);
            if (!dependency || seen.has(urn)) return [];
            seen.add(urn);
            return dependency.type === "command:remote:Command" ? [dependency.name] : commandAncestors(dependency, seen);
        });
    return ordered
        .filter((resource) => resource.type === "command:remote:Command")
        .map((resource) => ({
            name: resource.name,
            component: resource.parent ? byUrn.get(resource.parent)?.name : undefined,
            create: String(reveal(resource.inputs.create)),
            update: optionalText(resource.inputs.update),
            delete: optionalText(resource.inputs.delete),
            stdin: optionalText(resource.inputs.stdin),
            connection: reveal(resource.inputs.connection) as PlannedCommand["connection"],
            after: [...new Set(commandAncestors(resource))],
        }));
}

async function main(): Promise<void> {
    const [stackFile, stack, component] = process.argv.slice(2);
    if (!stackFile || !stack) throw new Error("usage: planCommands.ts <stack file> <stack> [component]");
    const plan = await runPlan({ stackFile, stack });
    const provider = plan.resources.find((resource) => resource.type === "pulumi:providers:docker");
    const sshOpts = provider ? reveal(provider.inputs.sshOpts) : undefined;
    const replay: ReplayPlan = {
        commands: orderCommands(plan.resources).filter((command) => !component || command.component === component),
        dockerProviderHost: provider ? String(provider.inputs.host) : undefined,
        dockerProviderSshOpts: typeof sshOpts === "string" ? (JSON.parse(sshOpts) as string[]) : undefined,
        outputs: Object.fromEntries(Object.entries(plan.outputs).map(([name, value]) => [name, reveal(value)])),
        services: plannedServices(plan.resources),
    };
    process.stdout.write(JSON.stringify(replay));
}

if (require.main === module) {
    main().catch((error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
    });
}
