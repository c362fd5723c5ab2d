/**
 * The watchdog in the plan: installed after the services, its URLs only on stdin as secrets and
 * in secret outputs; with no `monitoring` configuration it is installed with alerts going to the
 * journal only; `monitoring.enabled: false` registers nothing.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import type { Plan } from "../../scripts/plan/harness";
import { fullStack, planStack, resource, reveal } from "../support/plan";

const ROOT = path.resolve(__dirname, "..", "..");
const ALERT_URL = "https://ntfy.example.net/dropit-alerts-TOKENa1b2";
const HEARTBEAT_URL = "https://hc-ping.example.net/UUID-c3d4";

let plan: Plan;
beforeAll(async () => {
    plan = await planStack({
        ...fullStack(),
        "dropit:dokploy": { apiKey: "dokployKEYsecret77", notifications: { events: ["appBuildError", "serverThreshold"] } },
        "dropit:monitoring": { alertUrl: ALERT_URL, heartbeatUrl: HEARTBEAT_URL, alertFormat: "json", forSeconds: 300 },
    });
}, 120_000);

/** `npm run plan --json` in its own process (one program evaluation per process). */
function planJson(config: Record<string, unknown>): {
    resources: { name: string; inputs: Record<string, unknown> }[];
    outputs: Record<string, unknown>;
} {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-plan-"));
    try {
        const file = path.join(dir, "Pulumi.ci.yaml");
        fs.writeFileSync(file, stringify({ config }));
        const result = spawnSync(
            process.execPath,
            [
                "scripts/load-like-pulumi.js",
                "scripts/plan.ts",
                "--config",
                file,
                "--stack",
                "ci",
                "--json",
                "--diagram",
                path.join(dir, "d.mmd"),
            ],
            { cwd: ROOT, encoding: "utf8", timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
        );
        if (result.status !== 0) throw new Error(result.stderr);
        return JSON.parse(result.stdout) as ReturnType<typeof planJson>;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

test("installed after the services, with every service of the stack and the configured thresholds", () => {
    const install = resource(plan, "watchdog-install");
    const after = install.dependencies.map((urn) => urn.split("::").pop());
    expect(after).toEqual(
        expect.arrayContaining([
            "dokploy-docker-access",
            "postgres-service",
            "api-rollout-settled",
            "web-rollout-settled",
            "postgres-backups",
        ]),
    );
    const create = String(install.inputs.create);
    expect(create).toContain("SERVICES='\\''dropit-postgres dropit-api dropit-web dropit-redis dropit-typesense'\\''");
    expect(create).toContain("API_HEALTH_URL=https://api.example.fr/api\n");
    expect(create).toContain("FOR_SECONDS=300\n");
    expect(create).toContain("ALERT_FORMAT=json");
    expect(String(install.inputs.delete)).toContain("dropit: watchdog removed");
});

test("the URLs travel only on stdin, as a secret, and in secret outputs", () => {
    const install = resource(plan, "watchdog-install");
    expect(install.inputs.stdin).toHaveProperty("value");
    expect(reveal(install.inputs.stdin)).toBe(`ALERT_URL=${ALERT_URL}\nHEARTBEAT_URL=${HEARTBEAT_URL}\n`);
    expect(JSON.stringify(install.inputs.create)).not.toContain("TOKENa1b2");
    expect(plan.outputs.monitoringAlertUrl).toHaveProperty("value", ALERT_URL);
    expect(plan.outputs.monitoringHeartbeatUrl).toHaveProperty("value", HEARTBEAT_URL);
    expect(JSON.stringify(plan.outputs.monitoring)).not.toMatch(/TOKENa1b2|UUID-c3d4/);
    expect(plan.outputs.monitoring).toMatchObject({
        everySeconds: 60,
        forSeconds: 300,
        alerts: "webhook (json), secret output monitoringAlertUrl",
        heartbeat: "every run, secret output monitoringHeartbeatUrl",
    });
});

test("with dokploy.apiKey, Dokploy's own notification goes to the alert URL, after the panel answers, key and URL secret", () => {
    const notification = resource(plan, "dokploy-notifications");
    expect(notification.inputs).toMatchObject({
        apiUrl: "https://dokploy.example.fr/api",
        name: "dropit-alerts",
        channel: "custom",
        events: ["appBuildError", "serverThreshold"],
    });
    expect(notification.inputs.apiKey).toHaveProperty("value", "dokployKEYsecret77");
    expect(notification.inputs.targetUrl).toHaveProperty("value", ALERT_URL);
    expect(notification.dependencies.map((urn) => urn.split("::").pop())).toEqual(expect.arrayContaining(["dokploy-close-panel-port"]));
    expect(JSON.stringify(plan.outputs.dokployNotifications)).not.toContain("dokployKEYsecret77");
});

test("with no monitoring configuration the watchdog is installed, alerting to the journal only, without a heartbeat", () => {
    const defaults = planJson({ ...fullStack(), "dropit:redis": { enabled: false }, "dropit:typesense": { enabled: false } });
    const install = defaults.resources.find((candidate) => candidate.name === "watchdog-install");
    expect(install).toBeDefined();
    expect(install?.inputs.stdin).toBe("[secret]");
    expect(String(install?.inputs.create)).toContain("FOR_SECONDS=180\n");
    expect(defaults.outputs.monitoring).toEqual({
        everySeconds: 60,
        forSeconds: 180,
        watched: [
            "api-health",
            "web-health",
            "disk-root",
            "inodes-root",
            "disk-docker",
            "inodes-docker",
            "docker",
            "service-dropit-postgres",
            "service-dropit-api",
            "service-dropit-web",
            "postgres",
            "memory",
            "backup",
        ],
        thresholds: {
            diskPercent: 90,
            inodePercent: 90,
            memoryPercent: 90,
            restartsMax: 3,
            restartWindowSeconds: 900,
            backupMaxAgeHours: 26,
        },
        alerts: "journal only (journalctl -u dropit-watchdog): set monitoring.alertUrl",
        heartbeat: "none: set monitoring.heartbeatUrl",
    });
    expect(defaults.outputs).not.toHaveProperty("monitoringAlertUrl");
    expect(defaults.resources.some((candidate) => candidate.name === "dokploy-notifications")).toBe(false);
}, 120_000);

test("monitoring.enabled false registers no watchdog", () => {
    const off = planJson({ ...fullStack(), "dropit:monitoring": { enabled: false } });
    expect(off.resources.filter((candidate) => candidate.name.startsWith("watchdog"))).toEqual([]);
    expect(off.outputs.monitoring).toEqual({ enabled: false });
}, 120_000);
