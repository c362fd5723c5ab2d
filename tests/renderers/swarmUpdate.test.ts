/** The rollout settings' shape and validation; their behaviour is proven in tests/e2e/rollout.test.ts. */
import { rolloutCliFlags, rolloutSettings } from "../../renderers/swarmUpdate";

const PROBE = ["CMD", "wget", "-q", "--spider", "http://127.0.0.1/"];

describe("rolloutSettings", () => {
    it("starts the new task first, rolls back on failure, one replica at a time", () => {
        const { updateConfig, rollbackConfig, healthcheck } = rolloutSettings({ healthTest: PROBE, startPeriodSeconds: 60 });
        expect(updateConfig).toEqual({
            parallelism: 1,
            order: "start-first",
            failureAction: "rollback",
            monitor: "30s",
            delay: "5s",
            maxFailureRatio: "0",
        });
        expect(rollbackConfig).toMatchObject({ parallelism: 1, order: "start-first", failureAction: "pause" });
        expect(healthcheck).toEqual({ tests: PROBE, interval: "10s", timeout: "5s", startPeriod: "1m", retries: 3 });
    });

    it.each([
        [{ healthTest: ["wget", "http://x/"] }, /healthTest/],
        [{ healthTest: ["CMD"] }, /healthTest/],
        [{ healthTest: ["CMD-SHELL", ""] }, /healthTest/],
        [{ healthTest: PROBE, startPeriodSeconds: -1 }, /startPeriodSeconds/],
        [{ healthTest: PROBE, intervalSeconds: 1.5 }, /intervalSeconds/],
        [{ healthTest: PROBE, intervalSeconds: 2, timeoutSeconds: 3 }, /must not exceed/],
    ])("refuses %p", (opts, message) => {
        expect(() => rolloutSettings(opts)).toThrow(message);
    });

    it("turns into the equivalent docker service flags", () => {
        const flags = rolloutCliFlags(rolloutSettings({ healthTest: PROBE, startPeriodSeconds: 2 }));
        expect(flags).toContain("--update-order=start-first");
        expect(flags).toContain("--update-failure-action=rollback");
        expect(flags).toContain("--health-cmd=wget -q --spider http://127.0.0.1/");
        expect(flags).toContain("--health-start-period=2s");
        expect(flags).toContain("--rollback-failure-action=pause");
    });
});
