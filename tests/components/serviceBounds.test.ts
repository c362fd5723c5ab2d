/**
 * Every Swarm service the program registers is observable and bounded: a healthcheck that
 * really probes the service, and a memory limit and reservation in whole bytes that add up to
 * the budget the program exports (config/memoryBudget.ts).
 */
import type { Plan, PlannedResource } from "../../scripts/plan/harness";
import type { MemoryBudget } from "../../config/memoryBudget";
import { readBackDuration } from "../support/goDuration";
import { fullStack, planStack, reveal } from "../support/plan";

interface Task {
    containerSpec: {
        healthcheck?: { tests?: string[]; interval?: string; timeout?: string; startPeriod?: string; retries?: number };
    };
    resources?: { limits?: { memoryBytes?: number }; reservation?: { memoryBytes?: number } };
}

const MIB = 1024 * 1024;

let plan: Plan;
let services: PlannedResource[];
beforeAll(async () => {
    plan = await planStack(fullStack());
    services = plan.resources.filter((resource) => resource.type === "docker:index/service:Service");
});

const task = (service: PlannedResource) => reveal(service.inputs.taskSpec) as Task;
const serviceName = (service: PlannedResource) => String(service.inputs.name);

test("the five services are registered", () => {
    expect(services.map(serviceName).sort()).toEqual(["dropit-api", "dropit-postgres", "dropit-redis", "dropit-typesense", "dropit-web"]);
});

/** What each healthcheck must run: a probe of the service itself, not of the container's shell. */
const PROBES: Record<string, RegExp> = {
    "dropit-postgres": /^CMD-SHELL pg_isready -h 127\.0\.0\.1 -U dropit -d dropit$/,
    // Authenticated: a wrong password answers NOAUTH/WRONGPASS, not PONG.
    "dropit-redis": /^CMD-SHELL REDISCLI_AUTH="\$REDIS_PASSWORD" redis-cli ping \| grep -q PONG$/,
    "dropit-typesense": /^CMD bash -c exec 3<>\/dev\/tcp\/127\.0\.0\.1\/8108 .*GET \/health .*grep -q '"ok":true'/,
    "dropit-api": /^CMD node -e require\('http'\)\.get\("http:\/\/127\.0\.0\.1:3000\/api".*statusCode>=200&&r\.statusCode<400/,
    "dropit-web": /^CMD wget -q --spider -T 3 http:\/\/127\.0\.0\.1:80\/$/,
};

test("every service has a healthcheck that probes the service, with durations in the provider's canonical form", () => {
    for (const service of services) {
        const health = task(service).containerSpec.healthcheck;
        expect({ service: serviceName(service), test: health?.tests?.join(" ") }).toEqual({
            service: serviceName(service),
            test: expect.stringMatching(PROBES[serviceName(service)]),
        });
        for (const field of ["interval", "timeout", "startPeriod"] as const) {
            const value = health?.[field];
            expect(typeof value).toBe("string");
            expect(readBackDuration(value as string)).toBe(value);
        }
        expect(health?.retries).toBeGreaterThanOrEqual(1);
    }
});

test("every service has a memory limit and a reservation, whole bytes, reservation within the limit", () => {
    for (const service of services) {
        const resources = task(service).resources;
        const limit = resources?.limits?.memoryBytes;
        const reservation = resources?.reservation?.memoryBytes;
        expect({ service: serviceName(service), limit: Number.isInteger(limit), reservation: Number.isInteger(reservation) }).toEqual({
            service: serviceName(service),
            limit: true,
            reservation: true,
        });
        expect(reservation).toBeGreaterThan(0);
        expect(reservation).toBeLessThanOrEqual(limit as number);
        expect((limit as number) % MIB).toBe(0);
    }
});

test("the registered limits and reservations are the exported budget", () => {
    const budget = plan.outputs.memory as MemoryBudget;
    const byName = new Map(services.map((service) => [serviceName(service), service]));
    let limits = 0;
    for (const row of budget.rows) {
        const service = byName.get(`dropit-${row.key}`) as PlannedResource;
        const resources = task(service).resources;
        const replicas = (service.inputs.mode as { replicated: { replicas: number } }).replicated.replicas;
        expect(replicas).toBe(row.tasks);
        expect(resources?.limits?.memoryBytes).toBe(row.limitMb * MIB);
        expect(resources?.reservation?.memoryBytes).toBe(row.reservationMb * MIB);
        limits += row.limitMb * row.tasks;
    }
    expect(budget.rows).toHaveLength(services.length);
    expect(budget.limitsMb).toBe(limits);
});
