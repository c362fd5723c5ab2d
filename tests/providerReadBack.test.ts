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
        for (const service of services()) expect({ name: service.name, deleteBeforeReplace: service.deleteBeforeReplace }).toEqual({ name: service.name, deleteBeforeReplace: true });
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
    const unstable = written.filter(([, value]) => readBackDuration(value) !== value).map(([at, value]) => `${at}: ${value} -> ${readBackDuration(value)}`);
    expect(unstable).toEqual([]);
});
