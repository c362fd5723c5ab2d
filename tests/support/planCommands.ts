/**
 * `tsx tests/support/planCommands.ts <stack file> <stack> [components]`: evaluates the real program under
 * the mock runtime (scripts/plan/harness.ts) and prints, as JSON on stdout, the remote commands
 * `pulumi up` would run on the host, in dependency order, with their stdin revealed (the replay
 * must send what Pulumi would send), plus the Docker provider's SSH options and the stack's
 * secret outputs. Its own process: the SDK allows one evaluation per process.
 */
import { isSecretValue, runPlan, type PlannedResource } from "../../scripts/plan/harness";

export interface PlannedCommand {
    name: string;
    /** Name of the component that registered it (e.g. `dokploy` for DokployHost, `node-<name>` for a SwarmNode). */
    component?: string;
    create: string;
    update?: string;
    delete?: string;
    stdin?: string;
    connection: { host: string; port: number; user: string; hostKey?: string };
    /** Names of the commands that must have run before this one. */
    after: string[];
}

/**
 * What the program asks Swarm for, per service (secrets revealed): how many tasks, where, how
 * they roll, and what runs, for suites that stand in for the Docker provider.
 */
export interface PlannedService {
    name: string;
    replicas: number;
    placement?: { constraints?: string[]; maxReplicas?: number };
    updateConfig?: { parallelism?: number; order?: string; failureAction?: string };
    image?: string;
    env: Record<string, string>;
    args: string[];
    /** The service's labels (Traefik's routing among them). */
    labels: Record<string, string>;
}

export interface ReplayPlan {
    commands: PlannedCommand[];
    services: PlannedService[];
    /** The images the program builds, by resource name: the name (repository and content tag) it builds them as. */
    images: Record<string, string>;
    dockerProviderHost?: string;
    dockerProviderSshOpts?: string[];
    outputs: Record<string, unknown>;
}

/** The planned service of that name, or an error naming it. */
export function plannedService(plan: ReplayPlan, name: string): PlannedService {
    const service = plan.services.find((candidate) => candidate.name === name);
    if (!service) throw new Error(`the plan has no service ${name}`);
    return service;
}

function plannedServices(resources: readonly PlannedResource[]): PlannedService[] {
    const deep = (value: unknown): unknown => {
        const revealed = reveal(value);
        if (Array.isArray(revealed)) return revealed.map(deep);
        if (typeof revealed === "object" && revealed !== null)
            return Object.fromEntries(Object.entries(revealed).map(([key, inner]) => [key, deep(inner)]));
        return revealed;
    };
    return resources
        .filter((resource) => resource.type === "docker:index/service:Service")
        .map((resource) => {
            const inputs = deep(resource.inputs) as {
                name: string;
                labels?: { label: string; value: string }[];
                mode?: { replicated?: { replicas?: number } };
                updateConfig?: PlannedService["updateConfig"];
                taskSpec?: {
                    placement?: PlannedService["placement"];
                    containerSpec?: { image?: string; env?: Record<string, string>; args?: string[] };
                };
            };
            const container = inputs.taskSpec?.containerSpec ?? {};
            return {
                name: String(inputs.name),
                replicas: inputs.mode?.replicated?.replicas ?? 1,
                placement: inputs.taskSpec?.placement,
                updateConfig: inputs.updateConfig,
                image: container.image,
                env: container.env ?? {},
                args: container.args ?? [],
                labels: Object.fromEntries((inputs.labels ?? []).map(({ label, value }) => [label, value])),
            };
        });
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
    const [stackFile, stack, componentList] = process.argv.slice(2);
    if (!stackFile || !stack) throw new Error("usage: planCommands.ts <stack file> <stack> [component,component...]");
    const components = componentList ? new Set(componentList.split(",")) : undefined;
    const plan = await runPlan({ stackFile, stack });
    // The VPS's Docker provider (the other one, image-builder, is the local engine that builds).
    const provider = plan.resources.find((resource) => resource.type === "pulumi:providers:docker" && resource.name === "dokploy-docker");
    const sshOpts = provider ? reveal(provider.inputs.sshOpts) : undefined;
    const replay: ReplayPlan = {
        commands: orderCommands(plan.resources).filter((command) => !components || components.has(command.component ?? "")),
        images: Object.fromEntries(
            plan.resources
                .filter((resource) => resource.type === "docker:index/image:Image")
                .map((resource) => [resource.name, String(resource.inputs.imageName)]),
        ),
        services: plannedServices(plan.resources),
        dockerProviderHost: provider ? String(provider.inputs.host) : undefined,
        dockerProviderSshOpts: typeof sshOpts === "string" ? (JSON.parse(sshOpts) as string[]) : undefined,
        outputs: Object.fromEntries(Object.entries(plan.outputs).map(([name, value]) => [name, reveal(value)])),
    };
    process.stdout.write(JSON.stringify(replay));
}

if (require.main === module) {
    main().catch((error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
    });
}
