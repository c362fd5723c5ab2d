/**
 * What the real providers write back into the state and diff against, which the mock runtime
 * never shows: the registered inputs and options must already be in the form a provider reads
 * back, or every later `pulumi up` plans a change (or a replacement) that nothing asked for.
 */
import type { Plan, PlannedResource } from "../scripts/plan/harness";
import { readBackDuration } from "./support/goDuration";
import { planStack, reveal } from "./support/plan";

let plan: Plan;
beforeAll(async () => {
    plan = await planStack();
});

const ofType = (type: string): PlannedResource[] => plan.resources.filter((candidate) => candidate.type === type);
const services = () => ofType("docker:index/service:Service");

type TaskSpec = { networksAdvanceds?: Array<{ name?: string; id?: string }> };

describe("Swarm services", () => {
    test("attach to dokploy-network by ID, never by name (the provider reads back only the ID)", () => {
        expect(services().length).toBeGreaterThanOrEqual(5);
        for (const service of services()) {
            const task = reveal(service.inputs.taskSpec) as TaskSpec;
            expect(task.networksAdvanceds).toEqual([{ id: "dokploy-network-id" }]);
            for (const network of task.networksAdvanceds ?? []) expect(network).not.toHaveProperty("name");
        }
    });

    test("are deleted before they are replaced (fixed names: a second copy cannot be created first)", () => {
        for (const service of services())
            expect({ name: service.name, deleteBeforeReplace: service.deleteBeforeReplace }).toEqual({
                name: service.name,
                deleteBeforeReplace: true,
            });
    });
});

/** Fields of a docker.Service that are Go durations. */
const DURATION_KEYS = new Set(["window", "delay", "monitor", "interval", "timeout", "startPeriod", "startInterval", "stopGracePeriod"]);

function durations(value: unknown, at: string, found: Array<[string, string]>): Array<[string, string]> {
    const plainValue = reveal(value);
    if (Array.isArray(plainValue)) plainValue.forEach((item, index) => durations(item, `${at}[${index}]`, found));
    else if (typeof plainValue === "object" && plainValue !== null) {
        for (const [key, inner] of Object.entries(plainValue)) {
            const path = `${at}.${key}`;
            if (DURATION_KEYS.has(key) && typeof reveal(inner) === "string") found.push([path, reveal(inner) as string]);
            else durations(inner, path, found);
        }
    }
    return found;
}

test("every duration of every service is already in the form the provider reads back", () => {
    const written = services().flatMap((service) => durations(service.inputs, service.name, []));
    // restart window, update/rollback timings, healthchecks, stop grace period, converge wait
    expect(written.length).toBeGreaterThanOrEqual(40);
    const unstable = written
        .filter(([, value]) => readBackDuration(value) !== value)
        .map(([at, value]) => `${at}: ${value} -> ${readBackDuration(value)}`);
    expect(unstable).toEqual([]);
});

test("nothing is protected, so `pulumi destroy` can run; the data volumes are kept on delete instead", () => {
    expect(plan.resources.filter((candidate) => candidate.protect).map((candidate) => candidate.name)).toEqual([]);
    const volumes = ofType("docker:index/volume:Volume");
    expect(volumes.map((volume) => volume.name).sort()).toEqual(["postgres-data", "redis-data", "typesense-data"]);
    for (const volume of volumes) expect(volume.retainOnDelete).toBe(true);
});

test("registry credentials (ForceNew, never read back) are ignored on every service that carries them", () => {
    const withAuth = services().filter((service) => service.inputs.auth !== undefined);
    expect(withAuth.map((service) => service.name).sort()).toEqual(["postgres-service", "redis-service", "typesense-service"]);
    for (const service of withAuth) expect(service.ignoreChanges).toContain("auth");
});

test("no remote command puts its previous output in the environment of the next run", () => {
    const commands = ofType("command:remote:Command");
    expect(commands.length).toBeGreaterThan(10);
    const missing = commands.filter((candidate) => candidate.inputs.addPreviousOutputInEnv !== false).map((candidate) => candidate.name);
    expect(missing).toEqual([]);
});

test("a failed update of a stop-first service rolls back to the previous spec instead of pausing", () => {
    const stopFirst = services().filter((service) => (service.inputs.updateConfig as { order?: string }).order === "stop-first");
    expect(stopFirst.map((service) => service.name).sort()).toEqual(["postgres-service", "redis-service", "typesense-service"]);
    for (const service of services()) expect(service.inputs.updateConfig).toMatchObject({ failureAction: "rollback" });
});
