/**
 * The memory budget of the VPS: what each DropIt service may use (limit) and is guaranteed
 * (reservation), per task and times its tasks, against the host's memory minus what Dokploy
 * and the host itself use (docs/services.md, "Memory budget"; docs/architecture.md).
 *
 * - Reservations may not overcommit: Swarm places a task only where its reservation is still
 *   unreserved, so reservations over the host leave a task pending ("insufficient resources")
 *   and `pulumi up` waiting until it fails. A `start-first` service (API, web) runs one extra
 *   task during each update, so its reservation counts once more.
 * - Limits may overcommit: a limit is a ceiling a task rarely reaches, and the kernel kills
 *   only the task that crosses it. `npm run plan` warns when they do not fit.
 *
 * Pure: config/load.ts refuses with it, index.ts exports it, scripts/plan.ts prints it.
 */
import { BYTES_PER_MB } from "./rules";
import type { DropitConfig } from "./schema";

/** A service's memory per task, in MiB. */
export interface ServiceMemory {
    limitMb: number;
    reservationMb: number;
}

export interface BudgetRow {
    /** The configuration object the service's keys live in (`dropit:<key>.memoryMb`). */
    key: "postgres" | "api" | "web" | "redis" | "typesense";
    tasks: number;
    /** One more task while a `start-first` update runs (its reservation counts once more). */
    updateSurgeTasks: number;
    limitMb: number;
    reservationMb: number;
}

export interface MemoryBudget {
    hostMb: number;
    dokployMb: number;
    rows: BudgetRow[];
    /** Sum of limits over the steady-state tasks, without Dokploy's share. */
    limitsMb: number;
    /** Sum of reservations including the update surge, without Dokploy's share. */
    reservationsMb: number;
}

type BudgetConfig = Pick<DropitConfig, "server" | "dokploy" | "postgres" | "api" | "web" | "redis" | "typesense">;

const memory = (section: { memoryMb: number; memoryReservationMb: number }): ServiceMemory => ({
    limitMb: section.memoryMb,
    reservationMb: section.memoryReservationMb,
});

/** The services this configuration deploys, each with its memory per task. */
export function memoryBudget(config: BudgetConfig): MemoryBudget {
    const rows: BudgetRow[] = [
        { key: "postgres", tasks: 1, updateSurgeTasks: 0, ...memory(config.postgres) },
        { key: "api", tasks: config.api.replicas, updateSurgeTasks: 1, ...memory(config.api) },
        { key: "web", tasks: config.web.replicas, updateSurgeTasks: 1, ...memory(config.web) },
    ];
    if (config.redis.enabled) rows.push({ key: "redis", tasks: 1, updateSurgeTasks: 0, ...memory(config.redis) });
    if (config.typesense.enabled) rows.push({ key: "typesense", tasks: 1, updateSurgeTasks: 0, ...memory(config.typesense) });
    return {
        hostMb: config.server.memoryMb,
        dokployMb: config.dokploy.memoryMb,
        rows,
        limitsMb: sum(rows.map((row) => row.limitMb * row.tasks)),
        reservationsMb: sum(rows.map((row) => row.reservationMb * (row.tasks + row.updateSurgeTasks))),
    };
}

function sum(values: number[]): number {
    return values.reduce((total, value) => total + value, 0);
}

/** The service's memory as the Docker provider takes it: whole bytes. */
export function memoryResources(memory: ServiceMemory): {
    limits: { memoryBytes: number };
    reservation: { memoryBytes: number };
} {
    return {
        limits: { memoryBytes: toBytes(memory.limitMb) },
        reservation: { memoryBytes: toBytes(memory.reservationMb) },
    };
}

function toBytes(mb: number): number {
    if (!Number.isInteger(mb) || mb <= 0) throw new Error(`memory: expected a whole number of MiB > 0, got ${mb}`);
    return mb * BYTES_PER_MB;
}

/** Configuration mistakes: a reservation over its limit, or reservations that do not fit the host. */
export function budgetProblems(budget: MemoryBudget): string[] {
    const problems: string[] = [];
    for (const row of budget.rows) {
        if (row.reservationMb > row.limitMb) {
            problems.push(
                `dropit:${row.key}.memoryReservationMb: ${row.reservationMb} MiB is more than dropit:${row.key}.memoryMb (${row.limitMb} MiB); ` +
                    "Docker refuses a reservation over the limit. Fix: lower the reservation or raise the limit.",
            );
        }
    }
    const needed = budget.reservationsMb + budget.dokployMb;
    if (needed > budget.hostMb) {
        const keys = budget.rows.map((row) => `dropit:${row.key}.memoryReservationMb`).join(", ");
        problems.push(
            `dropit:server.memoryMb: the memory reservations need ${needed} MiB (${describeReservations(budget)} + dropit:dokploy.memoryMb ${budget.dokployMb}) ` +
                `but the host has ${budget.hostMb} MiB; Swarm would leave tasks pending. ` +
                `Fix: lower ${keys} or dropit:dokploy.memoryMb, or set dropit:server.memoryMb to the VPS's real memory.`,
        );
    }
    return problems;
}

function describeReservations(budget: MemoryBudget): string {
    return budget.rows
        .map((row) => {
            const tasks = row.tasks + row.updateSurgeTasks;
            return `${row.key} ${tasks > 1 ? `${tasks}×` : ""}${row.reservationMb}`;
        })
        .join(" + ");
}

/** One line when the limits and Dokploy's share exceed the host (overcommit), else undefined. */
export function overcommitWarning(budget: MemoryBudget): string | undefined {
    const total = budget.limitsMb + budget.dokployMb;
    if (total <= budget.hostMb) return undefined;
    return (
        `warning: memory limits overcommit the host: ${budget.limitsMb} MiB of service limits + ${budget.dokployMb} MiB for Dokploy = ${total} MiB ` +
        `> dropit:server.memoryMb ${budget.hostMb} MiB (the kernel kills a task when the host runs out; lower dropit:<service>.memoryMb or use a bigger VPS)`
    );
}

/** The budget as text lines for `npm run plan`. */
export function renderBudget(budget: MemoryBudget): string[] {
    const lines = [`Memory budget (MiB, per task × tasks): host ${budget.hostMb}, Dokploy and the OS ${budget.dokployMb}`];
    for (const row of budget.rows) {
        lines.push(
            `  ${row.key.padEnd(10)} reservation ${String(row.reservationMb).padStart(5)}  limit ${String(row.limitMb).padStart(5)}  × ${row.tasks}`,
        );
    }
    lines.push(
        `  total      reservations ${budget.reservationsMb} (with update surge) + ${budget.dokployMb} = ${budget.reservationsMb + budget.dokployMb} of ${budget.hostMb}; ` +
            `limits ${budget.limitsMb} + ${budget.dokployMb} = ${budget.limitsMb + budget.dokployMb} of ${budget.hostMb}`,
    );
    const warning = overcommitWarning(budget);
    if (warning) lines.push(warning);
    return lines;
}
