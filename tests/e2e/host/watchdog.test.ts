/**
 * The watchdog proven on the simulated VPS (tests/support/testHost.ts): the host is converged
 * by replaying the program's DokployHost commands over real SSH (stand-in installer, as in
 * converge.test.ts), stand-in DropIt services run in its Swarm behind the stand-in Traefik,
 * then the program's `watchdog-install` command is replayed and the installed script runs on
 * the unit's ExecStart line. Real: SSH, the install step, the script, Swarm, Docker's CLI and
 * its formats, curl through the router with TLS, the receivers (HTTP servers on the VPS
 * network's gateway, reachable only from the test containers). Stood in: systemd (no systemd in
 * the container: a bounded loop runs the unit's ExecStart every TIMER_SECONDS, not every
 * minute), Traefik's Swarm label provider (a file route to the services), the services'
 * images (busybox HTTP answering the health path; pg_isready is a busybox script).
 *
 * The engine suite (tests/engine/program.engine.test.ts) runs the watchdog `pulumi up` installs on
 * the deployed stack: healthy checks, the heartbeat, an alert and its recovery. This suite stays a
 * replay for the faults that would wreck that stack's other measurements: a task killed again
 * and again, a disk filled over the threshold, the whole VPS frozen (docker pause), on a timer
 * stand-in running every TIMER_SECONDS.
 *
 * Writes .tmp/watch-report.json. Bounded: every wait has a limit; afterAll removes the VPS.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureDockerEngine, docker, dockerOk } from "../../support/dockerd";
import { watchdogStates } from "../../support/hostChecks";
import { startReceiver, type Hit, type Receiver } from "../../support/httpReceiver";
import { sleep } from "../../support/loopback";
import { ensureVpsImage, loadImagesIntoVps, startVps, type TestVps } from "../../support/testHost";
import { buildStandInImages, prepareStandIn } from "../../support/standInInstaller/images";
import { describeRuns, planForReplay, replay, runOverSsh, type CommandRun } from "../../support/hostReplay";
import type { ReplayPlan } from "../../support/planCommands";

jest.setTimeout(600_000);

const DOMAIN = "watch.test";
const API_HOST = `api.${DOMAIN}`;
const VERSION = "v0.29.2";
const VPS_NAME = "dropit-watch-vps";
const APP_IMAGE = "dropit-watch-standin/app:1";
const PG_IMAGE = "dropit-watch-standin/postgres:1";
/** The timer's period in this suite (production: 60 s). */
const TIMER_SECONDS = 5;
const FOR_SECONDS = 15;
const RESTART_WINDOW_SECONDS = 60;
const ALERT_TOKEN = "watchALERTtoken5e1a";
const HEARTBEAT_TOKEN = "watchHEARTBEATuuid2b7f";
const REPORT = path.resolve(__dirname, "../../../.tmp/watch-report.json");

const durations: Record<string, number> = {};
const suiteStarted = Date.now();
let engine: { release(): Promise<void> } | undefined;
let vps: TestVps | undefined;
let alerts: Receiver;
let heartbeats: Receiver;
let installRun: CommandRun[] = [];
const report: {
    alerts: Record<string, { firedAfterSeconds: number | null; resolved: boolean; duplicates: number }>;
    heartbeatStopsDetected: boolean;
    watchdogRssKb: number | null;
    watchdogCpuMsPerRun: number | null;
    details: Record<string, unknown>;
} = { alerts: {}, heartbeatStopsDetected: false, watchdogRssKb: null, watchdogCpuMsPerRun: null, details: {} };

function stackConfig(installerUrl: string, monitoring: Record<string, unknown>): Record<string, unknown> {
    return {
        "dropit:domain": DOMAIN,
        "dropit:acmeEmail": "ops@watch.test",
        "dropit:server": { host: "127.0.0.1", port: vps!.sshPort, user: "deploy", hostKey: vps!.hostKey },
        "dropit:sshPrivateKey": vps!.privateKey,
        "dropit:app": { source: "tests/fixtures/dropit-app" },
        "dropit:dokploy": { version: VERSION, installerUrl },
        "dropit:firewall": { sshPort: 22 },
        "dropit:monitoring": {
            alertUrl: `${alerts.url}/${ALERT_TOKEN}`,
            heartbeatUrl: `${heartbeats.url}/${HEARTBEAT_TOKEN}`,
            forSeconds: FOR_SECONDS,
            restartWindowSeconds: RESTART_WINDOW_SECONDS,
            restartsMax: 3,
            ...monitoring,
        },
    };
}

function expectAllSucceeded(runs: readonly CommandRun[], plan: ReplayPlan): void {
    if (runs.length !== plan.commands.length || runs.some((run) => run.status !== 0)) throw new Error(`replay did not complete:\n${describeRuns(runs)}`);
}

/** Stand-in images for the DropIt services, built FROM the stand-in panel image (busybox nc answering GET with 200). */
function buildAppImages(): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-watch-images-"));
    try {
        fs.writeFileSync(path.join(dir, "Dockerfile.app"), `FROM dropit-standin/dokploy:${VERSION}\n`);
        // pg_isready stand-in: answers like the real one from whether the stand-in's port accepts.
        fs.writeFileSync(path.join(dir, "pg_isready"), "#!/bin/sh\nexec nc -w 2 127.0.0.1 5432 </dev/null >/dev/null 2>&1\n", { mode: 0o755 });
        fs.writeFileSync(
            path.join(dir, "Dockerfile.postgres"),
            `FROM dropit-standin/dokploy:${VERSION}\nCOPY pg_isready /usr/local/bin/pg_isready\nCMD ["/bin/nc", "-ll", "-p", "5432", "-e", "/bin/true"]\n`,
        );
        dockerOk(["build", "-q", "-t", APP_IMAGE, "-f", path.join(dir, "Dockerfile.app"), dir], { timeoutMs: 120_000 });
        dockerOk(["build", "-q", "-t", PG_IMAGE, "-f", path.join(dir, "Dockerfile.postgres"), dir], { timeoutMs: 120_000 });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * The DropIt services in the VPS's Swarm and the routes Traefik's Swarm provider would make from
 * their labels. DNS round robin rather than a virtual IP: the nested engine here has no IPVS.
 */
function deployStandInServices(host: TestVps): void {
    const create = (name: string, image: string, extra = "") =>
        host.execOk(
            `docker service create -q --detach --no-resolve-image --name ${name} --network dokploy-network --endpoint-mode dnsrr --restart-delay 1s ${extra} ${image}`,
        );
    // The production service's healthcheck command (components/postgresService.ts), on a shorter interval.
    create("dropit-postgres", PG_IMAGE, "--health-cmd 'pg_isready -h 127.0.0.1 -U dropit -d dropit' --health-interval 3s --health-retries 1");
    create("dropit-api", APP_IMAGE);
    create("dropit-web", APP_IMAGE);
    host.execOk("install -m 0644 /dev/stdin /etc/dokploy/traefik/dynamic/dropit-watch-apps.yml", {
        input: `http:
  routers:
    dropit-api:
      rule: Host(\`${API_HOST}\`)
      service: dropit-api
      entryPoints:
        - websecure
    dropit-web:
      rule: Host(\`${DOMAIN}\`)
      service: dropit-web
      entryPoints:
        - websecure
  services:
    dropit-api:
      loadBalancer:
        servers:
          - url: http://dropit-api:3000
    dropit-web:
      loadBalancer:
        servers:
          - url: http://dropit-web:3000
`,
    });
    // The nightly dump (its own job, tested in tests/renderers/backup.test.ts).
    host.execOk("install -d -m 0700 /var/backups/dropit/postgres && echo PGDMP > /var/backups/dropit/postgres/dropit-20260101T031500Z.dump");
}

/** systemd's stand-in: the unit's ExecStart every TIMER_SECONDS (bounded) while the flag file exists. */
function startTimer(host: TestVps): void {
    host.execOk("touch /run/dropit-watch-timer");
    dockerOk([
        "exec",
        "-d",
        host.container,
        "bash",
        "-c",
        `echo $$ > /run/dropit-watch-timer.pid; cmd=$(sed -n 's/^ExecStart=//p' /etc/systemd/system/dropit-watchdog.service); for i in $(seq 1 400); do [ -e /run/dropit-watch-timer ] || break; $cmd >>/var/log/dropit-watchdog.log 2>&1; sleep ${TIMER_SECONDS}; done`,
    ]);
}

async function stopTimer(host: TestVps): Promise<void> {
    host.execOk("rm -f /run/dropit-watch-timer");
    for (let i = 0; i < 40 && host.exec('kill -0 "$(cat /run/dropit-watch-timer.pid)" 2>/dev/null').status === 0; i += 1) await sleep(500);
}

/**
 * A script on the VPS without blocking this process: the receivers live in it, and a run
 * waiting on a receiver that cannot answer would measure the wait, not the watchdog.
 */
function execOnVps(script: string, timeoutMs = 120_000): Promise<{ status: number | null; stdout: string }> {
    return new Promise((resolve) => {
        const child = spawn("docker", ["exec", VPS_NAME, "bash", "-c", script]);
        let stdout = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", () => undefined);
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout });
        });
    });
}

async function waitUntil(what: string, timeoutMs: number, probe: () => boolean): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
        if (probe()) return Date.now();
        await sleep(500);
    }
    throw new Error(`${what}: not within ${timeoutMs} ms`);
}

/** Per check: seconds from `startedAt` to its first firing alert, whether it resolved, and repeated same-state alerts. */
function analyse(hits: readonly Hit[], startedAt: number): Record<string, { firedAfterSeconds: number | null; resolved: boolean; duplicates: number }> {
    const result: Record<string, { firedAfterSeconds: number | null; resolved: boolean; duplicates: number; last?: string }> = {};
    for (const hit of hits) {
        const match = /^\[[^\]]+\] (\S+) (FIRING|RESOLVED)$/.exec(hit.title);
        if (!match) throw new Error(`unexpected alert title ${JSON.stringify(hit.title)}`);
        const [, check, status] = match;
        const entry = (result[check] ??= { firedAfterSeconds: null, resolved: false, duplicates: 0 });
        if (entry.last === status) entry.duplicates += 1;
        if (status === "FIRING" && entry.firedAfterSeconds === null) entry.firedAfterSeconds = Math.round((hit.at - startedAt) / 100) / 10;
        entry.resolved = status === "RESOLVED";
        entry.last = status;
    }
    return Object.fromEntries(Object.entries(result).map(([check, { last: _last, ...entry }]) => [check, entry]));
}

let installerUrl = "";
let watchPlan: ReplayPlan;

beforeAll(async () => {
    engine = await ensureDockerEngine();
    let started = Date.now();
    const { image } = ensureVpsImage();
    const images = buildStandInImages([VERSION], [`dokploy.${DOMAIN}`, `traefik.${DOMAIN}`, API_HOST, DOMAIN], { traefikTag: "dropit-watch-standin/traefik:latest" });
    buildAppImages();
    durations["images"] = Date.now() - started;
    started = Date.now();
    vps = await startVps(image, VPS_NAME);
    installerUrl = prepareStandIn(vps, images);
    loadImagesIntoVps(vps, [APP_IMAGE, PG_IMAGE]);
    durations["start VPS"] = Date.now() - started;
    // The receivers listen on the VPS network's gateway: only the test containers reach it.
    const gateway = dockerOk(["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.Gateway}}{{end}}", VPS_NAME]);
    alerts = await startReceiver(gateway, "/alerts");
    heartbeats = await startReceiver(gateway, "/ping");
});

afterAll(async () => {
    if (vps && process.env.DROPIT_E2E_KEEP !== "1") {
        docker(["unpause", VPS_NAME]);
        vps.remove();
    }
    await alerts?.close();
    await heartbeats?.close();
    if (process.env.DROPIT_E2E_KEEP !== "1") await engine?.release();
    durations.suite = Date.now() - suiteStarted;
    report.details.durationsMs = durations;
    fs.mkdirSync(path.dirname(REPORT), { recursive: true });
    fs.writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`watchdog e2e report: ${JSON.stringify(report)}`);
});

test("the host converges, the DropIt services run, and the program's watchdog-install installs the watchdog with its secrets 0600", async () => {
    let started = Date.now();
    const hostPlan = planForReplay(stackConfig(installerUrl, {}));
    expectAllSucceeded(await replay(hostPlan, { privateKey: vps!.privateKey }), hostPlan);
    durations["converge host"] = Date.now() - started;
    deployStandInServices(vps!);
    await waitUntil("the stand-in services", 90_000, () =>
        vps!.exec("docker service ls --format '{{.Name}} {{.Replicas}}' | grep -c '^dropit-.* 1/1'").stdout.trim() === "3",
    );
    await waitUntil("the API through the router", 60_000, () => vps!.exec(`curl -fsS --max-time 5 --resolve ${API_HOST}:443:127.0.0.1 https://${API_HOST}/api/health`).status === 0);

    started = Date.now();
    watchPlan = planForReplay(stackConfig(installerUrl, {}), "watchdog");
    expect(watchPlan.commands.map((command) => command.name)).toEqual(["watchdog-install"]);
    installRun = await replay(watchPlan, { privateKey: vps!.privateKey });
    expectAllSucceeded(installRun, watchPlan);
    durations["install watchdog"] = Date.now() - started;
    expect(installRun[0].stdout).toContain("dropit: watchdog installed (dropit-watchdog.timer, every minute: api-health,web-health,");
    expect(vps!.execOk("stat -c '%a %U' /etc/dropit/watchdog.secrets.env /etc/dropit/watchdog.env /usr/local/sbin/dropit-watchdog")).toBe("600 root\n644 root\n755 root");
    expect(vps!.execOk("readlink /etc/systemd/system/timers.target.wants/dropit-watchdog.timer")).toBe("/etc/systemd/system/dropit-watchdog.timer");
    expect(vps!.execOk("cat /etc/dropit/watchdog.secrets.env")).toContain(ALERT_TOKEN);
    const logged = installRun.map((run) => run.stdout + run.stderr).join("");
    expect(logged).not.toContain(ALERT_TOKEN);
    expect(watchPlan.commands[0].create).not.toContain(ALERT_TOKEN);
    // A second run changes nothing.
    const again = await replay(watchPlan, { privateKey: vps!.privateKey });
    expect(again[0].stdout.trim().split("\n")).toEqual([expect.stringMatching(/^dropit: watchdog installed/)]);
});

test("on a healthy host every check passes, nothing alerts, and every run pings the heartbeat", async () => {
    startTimer(vps!);
    await waitUntil("two heartbeats", 60_000, () => heartbeats.hits.length >= 2);
    const states = watchdogStates(vps!);
    expect(Object.keys(states).sort()).toEqual(
        ["api-health", "web-health", "disk-root", "inodes-root", "disk-docker", "inodes-docker", "docker", "service-dropit-postgres", "service-dropit-api", "service-dropit-web", "postgres", "memory", "backup"].sort(),
    );
    expect(Object.entries(states).filter(([, state]) => state !== "ok")).toEqual([]);
    expect(alerts.hits).toEqual([]);
    expect(heartbeats.hits.map((hit) => hit.path)).toEqual(heartbeats.hits.map(() => `/ping/${HEARTBEAT_TOKEN}`));
    expect(heartbeats.hits[0].body).toBe("all 13 checks ok");
});

test("(a) the API's task killed again and again: one firing alert after forSeconds, one resolved after recovery, nothing in between", async () => {
    const started = Date.now();
    const fired = () => alerts.hits.some((hit) => hit.title.endsWith("service-dropit-api FIRING"));
    // Killed every 4 s until the alert arrives (bounded: 90 s); Swarm restarts it each time.
    let kills = 0;
    while (!fired() && Date.now() - started < 90_000) {
        vps!.exec("docker ps -q --filter label=com.docker.swarm.service.name=dropit-api --filter status=running | xargs -r docker kill >/dev/null");
        kills += 1;
        await sleep(4_000);
    }
    expect(fired()).toBe(true);
    // Resolved once the restarts leave the window (RESTART_WINDOW_SECONDS after the last ones) and the API answers.
    await waitUntil("the resolved alert", (RESTART_WINDOW_SECONDS + 60) * 1000, () => alerts.hits.some((hit) => hit.title.endsWith("service-dropit-api RESOLVED")));
    await sleep(2 * TIMER_SECONDS * 1000);
    const analysed = analyse(alerts.hits, started);
    report.alerts = { ...report.alerts, ...analysed };
    report.details.apiKills = kills;
    durations["(a) API killed"] = Date.now() - started;
    expect(analysed["service-dropit-api"]).toMatchObject({ resolved: true, duplicates: 0 });
    expect(analysed["service-dropit-api"].firedAfterSeconds).toBeGreaterThanOrEqual(FOR_SECONDS);
    // Only the API's checks may have changed state, each exactly once each way.
    for (const [check, entry] of Object.entries(analysed)) {
        expect([check, ["service-dropit-api", "api-health"].includes(check)]).toEqual([check, true]);
        expect([check, entry.resolved, entry.duplicates]).toEqual([check, true, 0]);
    }
    // While it fired, the heartbeat went to /fail.
    expect(heartbeats.hits.some((hit) => hit.path === `/ping/${HEARTBEAT_TOKEN}/fail` && hit.body.includes("FIRING service-dropit-api"))).toBe(true);
    expect(heartbeats.hits.at(-1)?.path).toBe(`/ping/${HEARTBEAT_TOKEN}`);
});

test("(b) disk use over the threshold: alert, then resolved, through a configuration change; the re-install keeps the state", async () => {
    const started = Date.now();
    const used = Number(vps!.execOk("df -P / | awk 'NR == 2 { sub(/%/, \"\", $5); print $5 }'"));
    const before = alerts.hits.length;
    // The threshold lowered to the use of / (a check fails at or above it), through the program's plan and install step.
    const lowered = planForReplay(stackConfig(installerUrl, { diskPercent: Math.max(1, used) }), "watchdog");
    expectAllSucceeded(await replay(lowered, { privateKey: vps!.privateKey }), lowered);
    await waitUntil("the disk alert", 60_000, () => alerts.hits.slice(before).some((hit) => hit.title.endsWith("disk-root FIRING")));
    await sleep(2 * TIMER_SECONDS * 1000);
    const raised = planForReplay(stackConfig(installerUrl, { diskPercent: 100 }), "watchdog");
    expectAllSucceeded(await replay(raised, { privateKey: vps!.privateKey }), raised);
    await waitUntil("the disk resolved alert", 60_000, () => alerts.hits.slice(before).some((hit) => hit.title.endsWith("disk-root RESOLVED")));
    await sleep(2 * TIMER_SECONDS * 1000);
    const analysed = analyse(alerts.hits.slice(before), started);
    durations["(b) disk"] = Date.now() - started;
    report.details.diskUsedPercent = used;
    for (const [check, entry] of Object.entries(analysed)) {
        report.alerts[check] = entry;
        // The Docker data root lives on the same disk as / here, so its own check may change state as well.
        expect([check, ["disk-root", "disk-docker"].includes(check), entry.resolved, entry.duplicates]).toEqual([check, true, true, 0]);
    }
    expect(analysed["disk-root"]).toBeDefined();
});

test("(d) one run's peak memory and CPU, measured on the host", async () => {
    await stopTimer(vps!);
    // GNU time (this machine's, Debian bookworm like the VPS): the peak RSS of the largest process of the run (bash, curl,
    // the docker CLI) and the CPU time of all of them.
    vps!.execOk("install -D -m 0755 /dev/stdin /usr/local/lib/dropit-watch/time", { input: fs.readFileSync("/usr/bin/time") });
    const runs: { rssKb: number; cpuMs: number; wallMs: number }[] = [];
    for (let i = 0; i < 5; i += 1) {
        const { stdout } = await execOnVps("/usr/local/lib/dropit-watch/time -f 'MEASURE %M %U %S %e' /usr/local/sbin/dropit-watchdog 2>&1 >/dev/null | grep '^MEASURE'");
        const out = stdout.trim();
        const [, rss, user, system, wall] = out.split(" ");
        runs.push({ rssKb: Number(rss), cpuMs: Math.round((Number(user) + Number(system)) * 1000), wallMs: Math.round(Number(wall) * 1000) });
    }
    report.watchdogRssKb = Math.max(...runs.map((run) => run.rssKb));
    report.watchdogCpuMsPerRun = Math.round(runs.reduce((sum, run) => sum + run.cpuMs, 0) / runs.length);
    report.details.measuredRuns = runs;
    expect(report.watchdogRssKb).toBeLessThanOrEqual(32 * 1024);
    expect(report.watchdogCpuMsPerRun).toBeGreaterThan(0);
    // Every run above was healthy: still nothing new.
    expect(Object.values(watchdogStates(vps!)).filter((state) => state !== "ok")).toEqual([]);
    expect(runs.every((run) => run.wallMs < 10_000)).toBe(true);
});

test("(c) the watchdog's host frozen: the heartbeat receiver sees pings stop, then start again", async () => {
    startTimer(vps!);
    const pauseSeconds = 4 * TIMER_SECONDS;
    await waitUntil("a heartbeat", 30_000, () => heartbeats.hits.length > 0 && Date.now() - heartbeats.hits.at(-1)!.at < TIMER_SECONDS * 1000);
    dockerOk(["pause", VPS_NAME]);
    const pausedAt = Date.now();
    await sleep(pauseSeconds * 1000);
    const duringPause = heartbeats.hits.filter((hit) => hit.at > pausedAt + 1000);
    const lastBefore = heartbeats.hits.filter((hit) => hit.at <= pausedAt + 1000).at(-1)!.at;
    dockerOk(["unpause", VPS_NAME]);
    const resumedAt = await waitUntil("a heartbeat after the host is back", 30_000, () => heartbeats.hits.some((hit) => hit.at > pausedAt + pauseSeconds * 1000));
    // A healthchecks.io-style service with period TIMER_SECONDS and grace TIMER_SECONDS: late = no ping for period + grace.
    const silence = (resumedAt - lastBefore) / 1000;
    report.heartbeatStopsDetected = duringPause.length === 0 && silence > 2 * TIMER_SECONDS;
    report.details.heartbeatSilenceSeconds = Math.round(silence * 10) / 10;
    expect(duringPause).toEqual([]);
    expect(report.heartbeatStopsDetected).toBe(true);
});

test("no URL appears in the process list or the watchdog's log", async () => {
    const log = vps!.execOk("cat /var/log/dropit-watchdog.log");
    expect(log).toContain("dropit-watchdog: 13 checks, 0 firing");
    expect(log).not.toContain(ALERT_TOKEN);
    expect(log).not.toContain(HEARTBEAT_TOKEN);
    const samples = await execOnVps("for i in $(seq 1 40); do ps -eo args; sleep 0.05; done & /usr/local/sbin/dropit-watchdog >/dev/null; wait");
    expect(samples.stdout).toContain("curl");
    expect(samples.stdout).not.toContain(ALERT_TOKEN);
    expect(samples.stdout).not.toContain(HEARTBEAT_TOKEN);
});

test("removing the resource (monitoring.enabled false, or destroy) removes the watchdog, its secrets and its state", async () => {
    await stopTimer(vps!);
    const install = watchPlan.commands[0];
    const removed = await runOverSsh(install, install.delete!, { privateKey: vps!.privateKey });
    expect(removed.status).toBe(0);
    expect(removed.stdout).toContain("dropit: watchdog removed");
    expect(
        vps!.exec(
            "ls /usr/local/sbin/dropit-watchdog /etc/dropit/watchdog.env /etc/dropit/watchdog.secrets.env /etc/systemd/system/dropit-watchdog.timer /etc/systemd/system/timers.target.wants/dropit-watchdog.timer /var/lib/dropit/watchdog 2>/dev/null",
        ).stdout,
    ).toBe("");
});
