/**
 * Health-gated rolling updates for Swarm services (docs/architecture.md), as plain data
 * shaped like @pulumi/docker `ServiceArgs` fields. The components and the e2e rollout proof
 * (tests/e2e/rollout.test.ts, which turns them into `docker service create` flags with
 * `rolloutCliFlags`) use the same values, so what is proven is what is deployed.
 *
 * Why these values:
 * - `order: start-first`: the new task starts beside the old one; Swarm's executor keeps a task
 *   with a healthcheck in `starting` until it is healthy, and Traefik skips `starting`
 *   containers, so the old task serves until the new one is ready (zero downtime).
 * - `failureAction: rollback`, `maxFailureRatio: 0`: a single task that never becomes healthy
 *   (or dies within `monitor`) reverts the service to the previous spec automatically.
 * - `parallelism: 1`: one replica at a time, so a bad version never takes all replicas.
 */

import { swarmDuration } from "./duration";
import { hostStep } from "./shellParams";

export interface UpdatePolicy {
    parallelism: number;
    order: "start-first" | "stop-first";
    failureAction: "rollback" | "pause" | "continue";
    /** After each task is updated, how long a failure still counts as an update failure. */
    monitor: string;
    delay: string;
    maxFailureRatio: string;
}

export interface RollbackPolicy {
    parallelism: number;
    order: "start-first" | "stop-first";
    /** Rolling back must not roll back itself: a failed rollback pauses for a human. */
    failureAction: "pause" | "continue";
    monitor: string;
    delay: string;
    maxFailureRatio: string;
}

export interface HealthcheckSettings {
    tests: string[];
    interval: string;
    timeout: string;
    startPeriod: string;
    retries: number;
}

/** The same timings as whole seconds (the settle check's bounds are derived from them). */
export interface RolloutTiming {
    monitorSeconds: number;
    delaySeconds: number;
    startPeriodSeconds: number;
    intervalSeconds: number;
    retries: number;
}

export interface RolloutSettings {
    updateConfig: UpdatePolicy;
    rollbackConfig: RollbackPolicy;
    healthcheck: HealthcheckSettings;
    timing: RolloutTiming;
}

export interface RolloutOptions {
    /** Docker healthcheck test, e.g. ["CMD", "wget", "-q", "--spider", "http://127.0.0.1/"]. */
    healthTest: string[];
    /** Grace period for slow starts (the API syncs its schema on start). Default 30. */
    startPeriodSeconds?: number;
    /** Default 10. */
    intervalSeconds?: number;
    /** Default 5. */
    timeoutSeconds?: number;
    /** Consecutive failed probes before a task is unhealthy. Default 3. */
    retries?: number;
    /** Default 30. */
    monitorSeconds?: number;
    /** Pause between replicas. Default 5. */
    delaySeconds?: number;
}

/** In the form the Docker provider reads back (renderers/duration.ts). */
const seconds = swarmDuration;

function wholeSeconds(name: string, value: number, min: number, max: number): number {
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new Error(`rolloutSettings: ${name} must be a whole number of seconds between ${min} and ${max}, got ${value}`);
    }
    return value;
}

function checkHealthTest(test: readonly string[]): string[] {
    const [kind, ...rest] = test;
    if ((kind !== "CMD" && kind !== "CMD-SHELL") || rest.length === 0 || rest.some((part) => part.length === 0)) {
        throw new Error('rolloutSettings: healthTest must be ["CMD", prog, ...args] or ["CMD-SHELL", "command"] with no empty parts');
    }
    return [...test];
}

export function rolloutSettings(opts: RolloutOptions): RolloutSettings {
    const startPeriod = wholeSeconds("startPeriodSeconds", opts.startPeriodSeconds ?? 30, 0, 3600);
    const interval = wholeSeconds("intervalSeconds", opts.intervalSeconds ?? 10, 1, 600);
    const timeout = wholeSeconds("timeoutSeconds", opts.timeoutSeconds ?? 5, 1, 600);
    const retries = wholeSeconds("retries", opts.retries ?? 3, 1, 100);
    const monitor = wholeSeconds("monitorSeconds", opts.monitorSeconds ?? 30, 1, 3600);
    const delay = wholeSeconds("delaySeconds", opts.delaySeconds ?? 5, 0, 3600);
    if (timeout > interval) {
        throw new Error(`rolloutSettings: timeoutSeconds (${timeout}) must not exceed intervalSeconds (${interval})`);
    }
    return {
        updateConfig: {
            parallelism: 1,
            order: "start-first",
            failureAction: "rollback",
            monitor: seconds(monitor),
            delay: seconds(delay),
            maxFailureRatio: "0",
        },
        rollbackConfig: {
            parallelism: 1,
            order: "start-first",
            failureAction: "pause",
            monitor: seconds(monitor),
            delay: seconds(0),
            maxFailureRatio: "0",
        },
        healthcheck: {
            tests: checkHealthTest(opts.healthTest),
            interval: seconds(interval),
            timeout: seconds(timeout),
            startPeriod: seconds(startPeriod),
            retries,
        },
        timing: { monitorSeconds: monitor, delaySeconds: delay, startPeriodSeconds: startPeriod, intervalSeconds: interval, retries },
    };
}

/** Margin for image start-up and Swarm's scheduling on a small VPS, on top of the computed bound. */
const SETTLE_MARGIN_SECONDS = 120;

/**
 * How long host/rollout-settled.sh waits at most: the provider may hand over after the first
 * slot, so every slot may still have to become healthy (start period, then `retries + 1`
 * probes), be monitored and wait the delay, one after the other (parallelism 1); plus a margin.
 */
export function settleTimeoutSeconds(settings: RolloutSettings, replicas: number): number {
    if (!Number.isInteger(replicas) || replicas < 1)
        throw new Error(`settleTimeoutSeconds: replicas must be a whole number >= 1, got ${replicas}`);
    const t = settings.timing;
    const perSlot = t.startPeriodSeconds + t.intervalSeconds * (t.retries + 1) + t.monitorSeconds + t.delaySeconds;
    return replicas * perSlot + SETTLE_MARGIN_SECONDS;
}

/**
 * The remote command run after each rolling service update: waits until Swarm reports the
 * update `completed` (after its monitor window) and fails, naming the service and its tasks,
 * if Swarm rolled it back or paused it (host/rollout-settled.sh; docs/services.md).
 */
export function renderRolloutSettled(service: string, settings: RolloutSettings, replicas: number): string {
    return hostStep("rollout-settled", {
        SERVICE: service,
        MONITOR_SECONDS: settings.timing.monitorSeconds,
        TIMEOUT_SECONDS: settleTimeoutSeconds(settings, replicas),
    });
}

/** The same settings as `docker service create/update` flags (the e2e proof uses these). */
export function rolloutCliFlags(settings: RolloutSettings): string[] {
    const { updateConfig: u, rollbackConfig: r, healthcheck: h } = settings;
    const [kind, ...rest] = h.tests;
    // The CLI's --health-cmd always means CMD-SHELL; a CMD array is joined for the shell, which is
    // why the e2e image's probe uses plain words only.
    const healthCmd = kind === "CMD-SHELL" ? rest[0] : rest.join(" ");
    return [
        `--update-parallelism=${u.parallelism}`,
        `--update-order=${u.order}`,
        `--update-failure-action=${u.failureAction}`,
        `--update-monitor=${u.monitor}`,
        `--update-delay=${u.delay}`,
        `--update-max-failure-ratio=${u.maxFailureRatio}`,
        `--rollback-parallelism=${r.parallelism}`,
        `--rollback-order=${r.order}`,
        `--rollback-failure-action=${r.failureAction}`,
        `--rollback-monitor=${r.monitor}`,
        `--rollback-delay=${r.delay}`,
        `--rollback-max-failure-ratio=${r.maxFailureRatio}`,
        `--health-cmd=${healthCmd}`,
        `--health-interval=${h.interval}`,
        `--health-timeout=${h.timeout}`,
        `--health-start-period=${h.startPeriod}`,
        `--health-retries=${h.retries}`,
    ];
}
