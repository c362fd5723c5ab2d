/**
 * The watchdog (host/files/dropit-watchdog.sh, parameters from renderers/watchdog.ts) run by
 * bash, as the timer runs it, against real parts on 127.0.0.1: the health URLs, the alert
 * webhook and the heartbeat receiver are real HTTP servers, curl and jq are the real ones, and
 * Docker's Engine API is a stand-in HTTP server on a unix socket answering `/info`, `/services`
 * `/tasks` and `/containers/json` in the Engine API's JSON shapes with the services and tasks each test
 * gives it. `df` (for /) and the memory figures are steered by files. The real engine's answers
 * are proven on the VPS by tests/e2e/host/watchdog.test.ts.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { configSchema } from "../../config/schema";
import { HOST_DIR } from "../../renderers/shellParams";
import {
    renderInstallWatchdog,
    renderWatchdogEnv,
    renderWatchdogSecrets,
    watchedChecks,
    type WatchdogParameters,
} from "../../renderers/watchdog";

const SCRIPT = path.join(HOST_DIR, "files", "dropit-watchdog.sh");
const DEFAULTS = configSchema.shape.monitoring.parse(undefined);
/** Recognisable secrets in the URLs: finding one in an argv is a leak. */
const ALERT_TOKEN = "alertTOKENf00d1e";
const HEARTBEAT_TOKEN = "heartbeatUUID7c3a";

interface Received {
    path: string;
    headers: http.IncomingHttpHeaders;
    body: string;
}

interface Receiver {
    port: number;
    received: Received[];
    /** Status answered to the next requests. */
    status: number;
    close(): Promise<void>;
}

function startReceiver(status = 200): Promise<Receiver> {
    return new Promise((resolve) => {
        const receiver: Receiver = { port: 0, received: [], status, close: () => new Promise((done) => server.close(() => done())) };
        const server = http.createServer((request, response) => {
            let body = "";
            request.on("data", (chunk: Buffer) => (body += chunk.toString()));
            request.on("end", () => {
                receiver.received.push({ path: request.url ?? "", headers: request.headers, body });
                response.writeHead(receiver.status, { "Content-Type": "text/plain" });
                response.end("ok");
            });
        });
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            receiver.port = typeof address === "object" && address ? address.port : 0;
            resolve(receiver);
        });
    });
}

/** What the Engine API stand-in answers. */
interface EngineState {
    down: boolean;
    services: { name: string; running: number; desired: number }[];
    /** Task containers: service, state, seconds since created, status text (health in parentheses). */
    tasks: { service: string; state: string; ago: number; status: string }[];
    /** Swarm's tasks (every node's): service, task state, seconds since that state. */
    swarmTasks: { service: string; state: string; ago: number }[];
    filters: string[];
}
const engine: EngineState = { down: false, services: [], tasks: [], swarmTasks: [], filters: [] };
const serviceId = (name: string) => `id${name.replace(/[^a-z]/g, "")}`;
/** A task timestamp as Swarm writes it: RFC 3339 in UTC with nanoseconds. */
const swarmTimestamp = (ago: number) => new Date(Date.now() - ago * 1000).toISOString().replace(/\.(\d{3})Z$/, ".$1456789Z");
let engineServer: http.Server;
let work: string;
let bin: string;
let health: Receiver;
let alerts: Receiver;
let heartbeats: Receiver;

beforeAll(async () => {
    [health, alerts, heartbeats] = await Promise.all([startReceiver(), startReceiver(), startReceiver()]);
    work = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-watchdog-"));
    bin = path.join(work, "bin");
    fs.mkdirSync(bin);
    const fake = path.join(work, "fake");
    fs.mkdirSync(fake);
    engineServer = http.createServer((request, response) => {
        const url = new URL(request.url ?? "/", "http://docker");
        const json = (status: number, body: unknown) => {
            response.writeHead(status, { "Content-Type": "application/json" });
            response.end(JSON.stringify(body));
        };
        if (engine.down) return json(500, { message: "Cannot connect to the Docker daemon" });
        if (url.pathname === "/info") return json(200, { DockerRootDir: "/" });
        if (url.pathname === "/services" && url.searchParams.get("status") === "true")
            return json(
                200,
                engine.services.map((service) => ({
                    ID: serviceId(service.name),
                    Spec: { Name: service.name },
                    ServiceStatus: { RunningTasks: service.running, DesiredTasks: service.desired },
                })),
            );
        if (url.pathname === "/tasks")
            return json(
                200,
                engine.swarmTasks.map((task) => ({
                    ServiceID: serviceId(task.service),
                    Status: { State: task.state, Timestamp: swarmTimestamp(task.ago) },
                    DesiredState: task.state === "running" ? "running" : "shutdown",
                })),
            );
        if (url.pathname === "/containers/json") {
            engine.filters.push(`${url.searchParams.get("all")} ${url.searchParams.get("filters")}`);
            const now = Math.floor(Date.now() / 1000);
            return json(
                200,
                engine.tasks.map((task) => ({
                    Labels: { "com.docker.swarm.service.name": task.service },
                    State: task.state,
                    Created: now - task.ago,
                    Status: task.status,
                })),
            );
        }
        json(404, { message: "page not found" });
    });
    await new Promise<void>((resolve) => engineServer.listen(path.join(work, "docker.sock"), resolve));
    // The disk use it is given for /; any other path is the real df's.
    fs.writeFileSync(
        path.join(bin, "df"),
        `#!/bin/bash
if [ "\${*: -1}" = / ]; then
  file=${fake}/disk-percent; [ "$2" = -i ] && file=${fake}/inode-percent
  echo "Filesystem 1024-blocks Used Available Capacity Mounted on"
  echo "/dev/vda1 1000 500 500 $(cat "$file")% /"
else exec /usr/bin/df "$@"; fi
`,
        { mode: 0o755 },
    );
    // Records every curl argv (the URLs must never be there), then runs the real curl.
    fs.writeFileSync(path.join(bin, "curl"), `#!/bin/bash\nprintf '%s\\n' "$*" >> ${work}/curl-argv\nexec /usr/bin/curl "$@"\n`, {
        mode: 0o755,
    });
}, 60_000);

afterAll(async () => {
    await new Promise((resolve) => engineServer?.close(resolve));
    await Promise.all([health, alerts, heartbeats].filter(Boolean).map((receiver) => receiver.close()));
    if (work) fs.rmSync(work, { recursive: true, force: true });
});

const fakeFile = (name: string, text: string) => fs.writeFileSync(path.join(work, "fake", name), text);

/** A healthy host: every service at 1/1 started an hour ago, PostgreSQL healthy, 40 % disk, 50 % memory, a fresh dump. */
function healthyHost(): void {
    engine.down = false;
    engine.services = ["dropit-postgres", "dropit-api", "dropit-web"].map((name) => ({ name, running: 1, desired: 1 }));
    engine.tasks = [
        { service: "dropit-postgres", state: "running", ago: 3600, status: "Up About an hour (healthy)" },
        { service: "dropit-api", state: "running", ago: 3600, status: "Up About an hour (healthy)" },
        { service: "dropit-web", state: "running", ago: 3600, status: "Up About an hour (healthy)" },
    ];
    engine.swarmTasks = ["dropit-postgres", "dropit-api", "dropit-web"].map((service) => ({ service, state: "running", ago: 3600 }));
    fakeFile("disk-percent", "40");
    fakeFile("inode-percent", "10");
    fakeFile("meminfo", "MemTotal:       2000000 kB\nMemFree:         100000 kB\nMemAvailable:   1000000 kB\n");
    health.status = 200;
    alerts.status = 200;
}

interface Scenario {
    stateDir: string;
    env: string;
    secrets: string;
}

function newScenario(overrides: Partial<WatchdogParameters>, urls: { alertUrl: string; heartbeatUrl: string }): Scenario {
    const dir = fs.mkdtempSync(path.join(work, "scenario-"));
    const backupDir = path.join(dir, "backups");
    fs.mkdirSync(backupDir);
    fs.writeFileSync(path.join(backupDir, "dropit-20260101T031500Z.dump"), "PGDMP");
    const parameters: WatchdogParameters = {
        hostLabel: "example.test",
        apiHealthUrl: `http://api.example.test:${health.port}/api/health`,
        webHealthUrl: `http://example.test:${health.port}/`,
        services: ["dropit-postgres", "dropit-api", "dropit-web"],
        postgresService: "dropit-postgres",
        backupDir,
        ...DEFAULTS,
        forSeconds: 2,
        stateDir: path.join(dir, "state"),
        ...overrides,
    };
    const env = path.join(dir, "watchdog.env");
    fs.writeFileSync(
        env,
        `${renderWatchdogEnv(parameters)}MEMINFO=${path.join(work, "fake", "meminfo")}\nDOCKER_SOCKET=${path.join(work, "docker.sock")}\n`,
    );
    const secrets = path.join(dir, "watchdog.secrets.env");
    fs.writeFileSync(secrets, renderWatchdogSecrets(urls), { mode: 0o600 });
    return { stateDir: parameters.stateDir!, env, secrets };
}

function urlsFor(format: "alert" | "both" = "both") {
    return {
        alertUrl: `http://127.0.0.1:${alerts.port}/dropit-${ALERT_TOKEN}`,
        heartbeatUrl: format === "both" ? `http://127.0.0.1:${heartbeats.port}/ping/${HEARTBEAT_TOKEN}` : "",
    };
}

/** One run of the script, as the timer starts it (its own process; servers keep answering). */
function run(scenario: Scenario): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn("bash", [SCRIPT], {
            env: { PATH: `${bin}:/usr/bin:/bin`, WATCHDOG_ENV: scenario.env, WATCHDOG_SECRETS: scenario.secrets },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr });
        });
    });
}

async function runOk(scenario: Scenario): Promise<string> {
    const result = await run(scenario);
    if (result.status !== 0) throw new Error(`the watchdog failed (${result.status}): ${result.stderr}${result.stdout}`);
    return result.stdout;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const alertTitles = () => alerts.received.map((alert) => String(alert.headers.title));

beforeEach(() => {
    healthyHost();
    alerts.received.length = 0;
    heartbeats.received.length = 0;
});

test("a healthy host: every check passes, no alert, a heartbeat at the URL itself", async () => {
    const scenario = newScenario({}, urlsFor());
    const stdout = await runOk(scenario);
    expect(stdout).toContain("dropit-watchdog: 11 checks, 0 firing");
    expect(alerts.received).toEqual([]);
    expect(heartbeats.received.map((ping) => ping.path)).toEqual([`/ping/${HEARTBEAT_TOKEN}`]);
    expect(heartbeats.received[0].body).toBe("all 11 checks ok");
    const states = fs.readdirSync(scenario.stateDir).filter((name) => !name.startsWith("."));
    expect(states.sort()).toEqual(
        watchedChecks({ services: ["dropit-postgres", "dropit-api", "dropit-web"], backupDir: "x" })
            .filter((check) => !check.endsWith("-docker"))
            .sort(),
    );
    expect(fs.statSync(scenario.stateDir).mode & 0o777).toBe(0o700);
});

test("a failing API alerts once after forSeconds, never again while it fails, then once resolved", async () => {
    const scenario = newScenario({}, urlsFor());
    await runOk(scenario);
    health.status = 503;
    await runOk(scenario); // pending: not yet held for forSeconds
    expect(alerts.received).toEqual([]);
    expect(heartbeats.received.map((ping) => ping.path).pop()).toBe(`/ping/${HEARTBEAT_TOKEN}`);
    await sleep(2100);
    await runOk(scenario);
    await runOk(scenario);
    await runOk(scenario);
    expect(alertTitles()).toEqual(["[example.test] api-health FIRING", "[example.test] web-health FIRING"]);
    expect(alerts.received[0]).toMatchObject({ body: `http://api.example.test:${health.port}/api/health answered 503\n` });
    expect(alerts.received[0].headers).toMatchObject({ priority: "high", tags: "rotating_light", "content-type": "text/plain" });
    // While a check fires, the heartbeat goes to /fail with the reason in its body.
    expect(heartbeats.received.slice(-3).map((ping) => ping.path)).toEqual(Array(3).fill(`/ping/${HEARTBEAT_TOKEN}/fail`));
    expect(heartbeats.received.at(-1)?.body).toContain("FIRING api-health: ");
    health.status = 200;
    await runOk(scenario);
    await runOk(scenario);
    expect(alertTitles()).toEqual([
        "[example.test] api-health FIRING",
        "[example.test] web-health FIRING",
        "[example.test] api-health RESOLVED",
        "[example.test] web-health RESOLVED",
    ]);
    expect(alerts.received[2].headers).toMatchObject({ priority: "default", tags: "white_check_mark" });
    expect(heartbeats.received.at(-1)?.path).toBe(`/ping/${HEARTBEAT_TOKEN}`);
}, 60_000);

test("a condition that clears before forSeconds never alerts (flapping)", async () => {
    const scenario = newScenario({ forSeconds: 3 }, urlsFor());
    for (let round = 0; round < 3; round += 1) {
        health.status = 500;
        await runOk(scenario);
        await sleep(1100);
        health.status = 200;
        await runOk(scenario);
    }
    expect(alerts.received).toEqual([]);
}, 60_000);

test("the state survives a restart: a new process (a reboot) does not fire again what already fired", async () => {
    const scenario = newScenario({ forSeconds: 0 }, urlsFor());
    fakeFile("disk-percent", "95");
    await runOk(scenario);
    expect(alertTitles()).toEqual(["[example.test] disk-root FIRING"]);
    expect(fs.readFileSync(path.join(scenario.stateDir, "disk-root"), "utf8")).toMatch(/^firing \d+\n$/);
    // The same state directory, as /var/lib/dropit/watchdog is after a reboot.
    await runOk(scenario);
    await runOk(scenario);
    expect(alertTitles()).toEqual(["[example.test] disk-root FIRING"]);
    expect(alerts.received[0].body).toBe("/ is 95% full (threshold 90%)\n");
    fakeFile("disk-percent", "89");
    await runOk(scenario);
    expect(alertTitles()).toEqual(["[example.test] disk-root FIRING", "[example.test] disk-root RESOLVED"]);
}, 30_000);

test("an alert the webhook refused is not counted as sent: it is retried on the next run, and delivered once", async () => {
    const scenario = newScenario({ forSeconds: 0 }, urlsFor());
    fakeFile("meminfo", "MemTotal:       2000000 kB\nMemAvailable:    100000 kB\n");
    alerts.status = 500;
    const refused = await run(scenario);
    expect(refused.status).toBe(0);
    expect(refused.stderr).toContain("the firing alert for memory was not delivered; retrying next run");
    alerts.status = 200;
    const attempts = alerts.received.length;
    await runOk(scenario);
    await runOk(scenario);
    expect(alerts.received.length).toBe(attempts + 1);
    expect(alerts.received.at(-1)?.headers.title).toBe("[example.test] memory FIRING");
    expect(alerts.received.at(-1)?.body).toBe("95% of the memory is in use (threshold 90%)\n");
}, 30_000);

test("crash-looping tasks, a missing service, PostgreSQL unhealthy and Docker down each fire their own check", async () => {
    const scenario = newScenario({ forSeconds: 0, restartsMax: 3, restartWindowSeconds: 600 }, urlsFor());
    engine.services = [
        { name: "dropit-postgres", running: 1, desired: 1 },
        { name: "dropit-api", running: 0, desired: 1 },
    ];
    engine.tasks = [
        { service: "dropit-postgres", state: "running", ago: 7200, status: "Up 2 hours (unhealthy)" },
        ...[20, 60, 100, 7200].map((ago) => ({ service: "dropit-api", state: "exited", ago, status: "Exited (1) 5 seconds ago" })),
        { service: "dropit-web", state: "exited", ago: 30, status: "Exited (0) 10 seconds ago" },
    ];
    // Three tasks of the API failed 20 to 100 s ago, one two hours ago (outside the window).
    engine.swarmTasks = [20, 60, 100, 7200].map((ago) => ({ service: "dropit-api", state: "failed", ago }));
    const stdout = await runOk(scenario);
    expect(stdout).toContain("FIRING service-dropit-api: dropit-api runs 0 of 1 tasks (3 restarts in 600s)");
    expect(stdout).toContain("FIRING service-dropit-web: dropit-web is not a service on this host");
    expect(stdout).toContain("FIRING postgres: pg_isready fails in dropit-postgres (its healthcheck: Up 2 hours (unhealthy))");
    expect(stdout).not.toContain("service-dropit-postgres");
    // Every task container of the host, stopped ones included, by the Swarm service label.
    expect(engine.filters.at(-1)).toBe('1 {"label":["com.docker.swarm.service.name"]}');

    engine.services = ["dropit-postgres", "dropit-api", "dropit-web"].map((name) => ({ name, running: 1, desired: 1 }));
    engine.tasks = [15, 20, 60, 100].map((ago, i) => ({ service: "dropit-api", state: i ? "exited" : "running", ago, status: "Up" }));
    engine.swarmTasks = [15, 20, 60, 100].map((ago, i) => ({ service: "dropit-api", state: i ? "failed" : "running", ago }));
    const looping = await runOk(scenario);
    expect(looping).toContain("RESOLVED service-dropit-web");
    expect(looping).not.toContain("service-dropit-api");
    expect(looping).not.toContain("RESOLVED postgres");
    expect(fs.readFileSync(path.join(scenario.stateDir, "service-dropit-api"), "utf8")).toMatch(/^firing /);
    expect(fs.readFileSync(path.join(scenario.stateDir, "postgres"), "utf8")).toMatch(/^firing /);
    // Docker gone: one check fires for it; the checks that need it are not evaluated, so they neither fire nor resolve.
    engine.down = true;
    const down = await runOk(scenario);
    expect(down).toContain("FIRING docker: the Docker engine does not answer");
    expect(down).not.toMatch(/RESOLVED|postgres/);
}, 30_000);

test("deploys are not restarts: tasks a rolling update shut down do not count however many, tasks that ended on their own do, on any node", async () => {
    const scenario = newScenario({ forSeconds: 0, restartsMax: 3, restartWindowSeconds: 900 }, urlsFor());
    healthyHost();
    // Five web deploys in the window, two replicas each: ten tasks shut down, every container kept by the task history.
    engine.swarmTasks = [
        ...["dropit-postgres", "dropit-api"].map((service) => ({ service, state: "running", ago: 3600 })),
        ...[1, 2].map(() => ({ service: "dropit-web", state: "running", ago: 30 })),
        ...[60, 60, 200, 200, 350, 350, 500, 500, 700, 700].map((ago) => ({ service: "dropit-web", state: "shutdown", ago })),
    ];
    engine.services = ["dropit-postgres", "dropit-api", "dropit-web"].map((name) => ({
        name,
        running: name === "dropit-web" ? 2 : 1,
        desired: name === "dropit-web" ? 2 : 1,
    }));
    engine.tasks = [
        ...engine.tasks,
        ...[60, 200, 350, 500, 700].map((ago) => ({ service: "dropit-web", state: "exited", ago, status: "Exited (0) 1 minute ago" })),
    ];
    const deploys = await runOk(scenario);
    expect(deploys).not.toContain("FIRING");
    expect(fs.readFileSync(path.join(scenario.stateDir, "service-dropit-web"), "utf8")).toMatch(/^ok/);
    // The same web service with three of its tasks failed, rejected or exited in the window (their containers may be on another node: none here).
    engine.tasks = engine.tasks.filter((task) => task.service !== "dropit-web" || task.state === "running");
    engine.swarmTasks.push(...["failed", "rejected", "complete"].map((state, i) => ({ service: "dropit-web", state, ago: 100 + i })));
    const crashing = await runOk(scenario);
    expect(crashing).toContain("FIRING service-dropit-web: dropit-web restarted 3 times in 900s (threshold 3)");
}, 30_000);

test("an old or missing backup fires the backup check", async () => {
    const scenario = newScenario({ forSeconds: 0, backupMaxAgeHours: 1 }, urlsFor());
    const dump = path.join(path.dirname(scenario.stateDir), "backups", "dropit-20260101T031500Z.dump");
    fs.utimesSync(dump, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    expect(await runOk(scenario)).toContain("FIRING backup: the newest backup in");
    fs.utimesSync(dump, new Date(), new Date());
    expect(await runOk(scenario)).toContain("RESOLVED backup: the newest backup in");
    fs.rmSync(dump);
    expect(await runOk(scenario)).toMatch(/FIRING backup: no backup in \S+\/backups/);
}, 30_000);

test("the json format posts one JSON object per state change", async () => {
    const scenario = newScenario({ forSeconds: 0, alertFormat: "json", hostLabel: 'odd "label" \\ here' }, urlsFor("alert"));
    fakeFile("disk-percent", "97");
    await runOk(scenario);
    expect(alerts.received).toHaveLength(1);
    expect(alerts.received[0].headers["content-type"]).toBe("application/json");
    const body = JSON.parse(alerts.received[0].body) as Record<string, string>;
    expect(body).toMatchObject({
        status: "firing",
        check: "disk-root",
        host: 'odd "label" \\ here',
        summary: "/ is 97% full (threshold 90%)",
    });
    expect(body.since).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(heartbeats.received).toEqual([]);
}, 30_000);

test("without an alert URL, state changes go to the journal (stdout) only", async () => {
    const scenario = newScenario({ forSeconds: 0 }, { alertUrl: "", heartbeatUrl: "" });
    fakeFile("disk-percent", "99");
    expect(await runOk(scenario)).toContain("dropit-watchdog: FIRING disk-root: / is 99% full (threshold 90%)");
    expect(alerts.received).toEqual([]);
    expect(fs.readFileSync(path.join(scenario.stateDir, "disk-root"), "utf8")).toMatch(/^firing /);
});

test("the alert and heartbeat URLs never appear in a command line", async () => {
    fs.rmSync(path.join(work, "curl-argv"), { force: true });
    const scenario = newScenario({ forSeconds: 0 }, urlsFor());
    fakeFile("disk-percent", "99");
    await runOk(scenario);
    expect(alerts.received).toHaveLength(1);
    expect(heartbeats.received).toHaveLength(1);
    const argv = fs.readFileSync(path.join(work, "curl-argv"), "utf8");
    expect(argv).toContain("-K /dev/fd/");
    expect(argv).not.toContain(ALERT_TOKEN);
    expect(argv).not.toContain(HEARTBEAT_TOKEN);
});

describe("renderers", () => {
    test("the parameters are checked against the bounds of config/rules.ts", () => {
        const base = {
            hostLabel: "x",
            apiHealthUrl: "https://a/",
            webHealthUrl: "https://b/",
            services: [],
            postgresService: "p",
            ...DEFAULTS,
        };
        expect(() => renderWatchdogEnv({ ...base, diskPercent: 0 })).toThrow(
            "monitoring: diskPercent must be a whole number from 1 to 100, got 0",
        );
        expect(renderWatchdogEnv(base)).toContain("\nFOR_SECONDS=180\n");
        expect(() => renderWatchdogSecrets({ alertUrl: 'https://x/"; rm -rf /' })).toThrow("monitoring: alertUrl must be an http(s) URL");
        // A value with shell characters stays data.
        expect(renderWatchdogSecrets({ alertUrl: "https://ntfy.sh/a$b`c`", heartbeatUrl: undefined })).toBe(
            "ALERT_URL='https://ntfy.sh/a$b`c`'\nHEARTBEAT_URL=''\n",
        );
    });

    test("the install command carries no URL: the secrets travel on stdin", () => {
        const command = renderInstallWatchdog(
            {
                hostLabel: "x",
                apiHealthUrl: "https://a/",
                webHealthUrl: "https://b/",
                services: ["dropit-api"],
                postgresService: "p",
                ...DEFAULTS,
            },
            "webhook (ntfy)",
        );
        expect(command).not.toMatch(/(ALERT|HEARTBEAT)_URL='?https?:/);
        expect(command).toContain('sudo tee "$secrets"');
    });
});

test("systemd accepts the service and the timer (systemd-analyze verify), and would reject a broken directive", () => {
    const dir = fs.mkdtempSync(path.join(work, "units-"));
    const script = path.join(dir, "dropit-watchdog");
    fs.copyFileSync(SCRIPT, script);
    fs.chmodSync(script, 0o755);
    const verify = (service: string) => {
        fs.writeFileSync(path.join(dir, "dropit-watchdog.service"), service.replace("/usr/local/sbin/dropit-watchdog", script));
        fs.copyFileSync(path.join(HOST_DIR, "files", "dropit-watchdog.timer"), path.join(dir, "dropit-watchdog.timer"));
        return spawnSync(
            "systemd-analyze",
            ["verify", path.join(dir, "dropit-watchdog.timer"), path.join(dir, "dropit-watchdog.service")],
            {
                encoding: "utf8",
                timeout: 20_000,
            },
        );
    };
    const service = fs.readFileSync(path.join(HOST_DIR, "files", "dropit-watchdog.service"), "utf8");
    const ok = verify(service);
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(verify(service.replace("MemoryMax=64M", "MemoryMax=64Q")).stderr).toContain("Invalid memory limit '64Q'");
});
