/**
 * Zero-downtime rollout and automatic rollback on a real Docker Swarm, with exactly the
 * settings the components deploy (renderers/swarmUpdate.ts → `docker service` flags).
 *
 * The service is a tiny image built here FROM scratch with Debian's static busybox (httpd, sh,
 * wget): no registry. Nothing is published: this VM's kernel has no IPVS, so neither Swarm's
 * VIP nor its ingress port works here, and a published port would listen beyond loopback.
 * Requests instead go the way Traefik's Swarm provider sends them in production (default
 * lbswarm=false): straight to the task IPs of tasks whose desired state is `running` and whose
 * state is `running` (which, with a healthcheck, Swarm reaches only once healthy). A router in
 * this test refreshes that list every 200 ms into a client container on the service's overlay
 * network, which streams requests round-robin to it and logs each result.
 *
 * The image drains for 2 s after SIGTERM (keeps serving), because a router only learns that a
 * task is shutting down at its next refresh. Production must do the same with a drain at least
 * as long as Traefik's refresh interval (providers.swarm.refreshSeconds, 15 s by default), or
 * route through the service VIP (traefik.swarm.lbswarm=true), which Swarm updates before
 * stopping a task.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderRolloutSettled, rolloutCliFlags, rolloutSettings } from "../../renderers/swarmUpdate";
import { DockerEngine, docker, dockerOk, ensureSwarm } from "../support/dockerd";
import { sleep } from "../support/loopback";

jest.setTimeout(240_000);

const PREFIX = "dropit-rollout-e2e";
const SERVICE = PREFIX;
const NETWORK = `${PREFIX}-net`;
const CLIENT = `${PREFIX}-client`;
const IMAGE = `local/${PREFIX}`;
const BB = "/bin/busybox";

/** Short timings so the proof is quick; the shape (start-first, rollback, health gate) is production's. */
const SETTINGS = rolloutSettings({
    healthTest: ["CMD", BB, "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"],
    startPeriodSeconds: 2,
    intervalSeconds: 1,
    timeoutSeconds: 1,
    retries: 2,
    monitorSeconds: 3,
    delaySeconds: 1,
});

const SERVER_SCRIPT = `#!/bin/sh
${BB} httpd -f -p 8080 -h /www &
pid=$!
# Drain: keep serving 2 s after SIGTERM so routers can drop this task first.
trap '${BB} sleep 2; ${BB} kill $pid; exit 0' TERM
wait $pid
`;

/**
 * Round-robin over the IPs in /targets; one line per request: ok IP BODY | fail IP | none.
 * HTTP by hand over nc: Debian's static busybox wget crashes (SIGSEGV) on any address but
 * 127.0.0.1 inside a scratch container, so the healthcheck (loopback) uses wget, the client nc.
 */
const CLIENT_SCRIPT = `#!/bin/sh
i=0
while true; do
  set -- $(${BB} cat /targets 2>/dev/null)
  if [ $# -eq 0 ]; then
    echo none
  else
    n=$(( i % $# + 1 ))
    eval ip=\\\${$n}
    resp=$(printf 'GET / HTTP/1.0\\r\\n\\r\\n' | ${BB} nc -w 2 "$ip" 8080 2>/dev/null)
    case "$resp" in
      "HTTP/1.1 200 OK"*) echo "ok $ip $(printf '%s\\n' "$resp" | ${BB} tail -n 1)" ;;
      *) echo "fail $ip" ;;
    esac
  fi
  i=$((i + 1))
  ${BB} usleep 20000
done
`;

let engine: DockerEngine | undefined;
let context: string;
let sudoStandIn: string;
let routing = false;
let router: Promise<void> = Promise.resolve();

async function removeLeftovers(): Promise<void> {
    docker(["rm", "-f", CLIENT]);
    docker(["service", "rm", SERVICE]);
    // The network is busy until the service's tasks are gone; bounded retry.
    for (let i = 0; i < 40 && docker(["network", "inspect", NETWORK]).status === 0; i += 1) {
        if (docker(["network", "rm", NETWORK]).status === 0) break;
        await sleep(250);
    }
    // Task history (stopped containers of earlier versions) outlives `service rm` when the swarm is left right after.
    const tasks = docker(["ps", "-aq", "--filter", `label=com.docker.swarm.service.name=${SERVICE}`])
        .stdout.split("\n")
        .filter(Boolean);
    if (tasks.length > 0) docker(["rm", "-f", ...tasks]);
}

/** One image per version; `bad` has no index.html, so its healthcheck never passes. */
function buildImage(tag: string, body: string | undefined): void {
    const dir = path.join(context, tag);
    fs.mkdirSync(path.join(dir, "www"), { recursive: true });
    fs.copyFileSync(BB, path.join(dir, "busybox"));
    if (body !== undefined) fs.writeFileSync(path.join(dir, "www/index.html"), body);
    fs.writeFileSync(path.join(dir, "server.sh"), SERVER_SCRIPT, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "client.sh"), CLIENT_SCRIPT, { mode: 0o755 });
    fs.writeFileSync(
        path.join(dir, "Dockerfile"),
        `FROM scratch
COPY busybox /bin/busybox
COPY busybox /bin/sh
COPY www /www
COPY server.sh /server.sh
COPY client.sh /client.sh
CMD ["/bin/sh", "/server.sh"]
`,
    );
    const result = spawnSyncDocker(["build", "-q", "-t", `${IMAGE}:${tag}`, dir]);
    if (result.status !== 0) throw new Error(`docker build ${tag}: ${result.stderr}`);
}

function spawnSyncDocker(args: string[]) {
    // The legacy builder needs no buildx plugin and handles FROM scratch offline.
    return spawnSync("docker", args, { encoding: "utf8", timeout: 60000, env: { ...process.env, DOCKER_BUILDKIT: "0" } });
}

/** Task IPs a Traefik Swarm provider would route to right now. */
function routableTargets(): string[] {
    const ids = docker(["service", "ps", "-q", "--filter", "desired-state=running", SERVICE], { timeoutMs: 10000 })
        .stdout.split("\n")
        .filter(Boolean);
    if (ids.length === 0) return [];
    const format = `{{.Status.State}} {{range .NetworksAttachments}}{{if eq .Network.Spec.Name "${NETWORK}"}}{{range .Addresses}}{{.}}{{end}}{{end}}{{end}}`;
    const lines = docker(["inspect", "--type", "task", "--format", format, ...ids], { timeoutMs: 10000 }).stdout.split("\n");
    return lines
        .map((line) => line.trim().split(" "))
        .filter(([state, address]) => state === "running" && address)
        .map(([, address]) => address.split("/")[0]);
}

function writeTargets(targets: readonly string[]): void {
    docker(["exec", "-i", CLIENT, BB, "sh", "-c", `${BB} cat > /targets.tmp && ${BB} mv /targets.tmp /targets`], {
        input: targets.map((t) => `${t}\n`).join(""),
        timeoutMs: 10000,
    });
}

/** The longest stretch, in ms, during which the router had no task to send to (reset by each test that reads it). */
let longestWithoutTargetMs = 0;

async function routeContinuously(): Promise<void> {
    let emptySince: number | undefined;
    while (routing) {
        const targets = routableTargets();
        writeTargets(targets);
        if (targets.length > 0) emptySince = undefined;
        else {
            emptySince ??= Date.now();
            longestWithoutTargetMs = Math.max(longestWithoutTargetMs, Date.now() - emptySince);
        }
        await sleep(200);
    }
}

function clientLog(): string[] {
    return docker(["logs", CLIENT], { timeoutMs: 20000 }).stdout.split("\n").filter(Boolean);
}

/** Polls the update status until one of `states`; bounded. */
async function waitForUpdate(states: readonly string[], timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let state = "";
    while (Date.now() < deadline) {
        state = docker(["service", "inspect", "--format", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", SERVICE]).stdout.trim();
        if (states.includes(state)) return state;
        await sleep(300);
    }
    throw new Error(`service update still "${state}" after ${timeoutMs} ms (waiting for ${states.join("/")})`);
}

async function waitForTargets(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (routableTargets().length === count) return;
        await sleep(300);
    }
    throw new Error(`service never had ${count} routable task(s) within ${timeoutMs} ms`);
}

interface Tally {
    ok: number;
    fail: number;
    none: number;
    bodies: string[];
}

function tally(lines: readonly string[]): Tally {
    const result: Tally = { ok: 0, fail: 0, none: 0, bodies: [] };
    for (const line of lines) {
        const [kind, , body] = line.split(" ");
        if (kind === "ok") {
            result.ok += 1;
            if (result.bodies[result.bodies.length - 1] !== body) result.bodies.push(body);
        } else if (kind === "fail") result.fail += 1;
        else if (kind === "none") result.none += 1;
    }
    return result;
}

interface SettleRun {
    status: number | null;
    output: string;
    seconds: number;
    /** The update status when the check exited. */
    stateAtExit: string;
}

/**
 * The deployed settle check (renderers/swarmUpdate.ts renderRolloutSettled → host/rollout-settled.sh,
 * host/common.sh included), run by bash here against the local dockerd; the `sudo` on PATH
 * only execs its arguments (the test runs as root).
 */
function runSettleCheck(): Promise<SettleRun> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn("bash", ["-c", renderRolloutSettled(SERVICE, SETTINGS, 1)], {
            env: { ...process.env, PATH: `${sudoStandIn}:${process.env.PATH ?? ""}` },
        });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), 200_000);
        child.on("error", reject);
        child.on("close", (status) => {
            clearTimeout(timer);
            const stateAtExit = docker([
                "service",
                "inspect",
                "--format",
                "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}",
                SERVICE,
            ]).stdout.trim();
            resolve({ status, output, seconds: (Date.now() - started) / 1000, stateAtExit });
        });
    });
}

/**
 * Runs `update` while requests stream; returns what the client saw during it (plus 2 s after),
 * and how the settle check, started as soon as the update was issued, ended.
 */
async function duringUpdate(args: string[], expected: readonly string[]): Promise<{ state: string; seen: Tally; settle: SettleRun }> {
    const before = clientLog().length;
    dockerOk(["service", "update", "--detach", ...args, SERVICE]);
    const settle = runSettleCheck();
    const state = await waitForUpdate(expected, 120_000);
    await sleep(2000);
    return { state, seen: tally(clientLog().slice(before)), settle: await settle };
}

/** The tasks Swarm wants running now. */
const runningTaskIds = () => dockerOk(["service", "ps", "-q", "--filter", "desired-state=running", SERVICE]).split("\n").filter(Boolean);

const image = () => dockerOk(["service", "inspect", "--format", "{{.Spec.TaskTemplate.ContainerSpec.Image}}", SERVICE]);

beforeAll(async () => {
    engine = await ensureSwarm();
    await removeLeftovers();
    context = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-rollout-"));
    sudoStandIn = path.join(context, "bin");
    fs.mkdirSync(sudoStandIn);
    fs.writeFileSync(path.join(sudoStandIn, "sudo"), '#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n', { mode: 0o755 });
    buildImage("v1", "v1");
    buildImage("v2", "v2");
    buildImage("v3", "v3");
    buildImage("bad", undefined);
    dockerOk(["network", "create", "--driver", "overlay", "--attachable", NETWORK]);
    dockerOk([
        "service",
        "create",
        "--detach",
        "--name",
        SERVICE,
        "--network",
        NETWORK,
        "--replicas",
        "1",
        ...rolloutCliFlags(SETTINGS),
        `${IMAGE}:v1`,
    ]);
    await waitForTargets(1, 60_000);
    dockerOk(["run", "-d", "--name", CLIENT, "--network", NETWORK, `${IMAGE}:v1`, "/bin/sh", "/client.sh"]);
    routing = true;
    router = routeContinuously();
    // Bounded wait for the first successful request through the router.
    for (let i = 0; i < 50 && tally(clientLog()).ok === 0; i += 1) await sleep(200);
});

afterAll(async () => {
    routing = false;
    await router;
    await removeLeftovers();
    for (const tag of ["v1", "v2", "v3", "bad"]) docker(["rmi", "-f", `${IMAGE}:${tag}`]);
    if (context) fs.rmSync(context, { recursive: true, force: true });
    await engine?.release();
});

describe("rolling updates on a real Swarm with the rendered settings", () => {
    it("serves v1 through the router before any update", () => {
        const seen = tally(clientLog());
        expect(seen.ok).toBeGreaterThan(0);
        expect(seen.bodies).toEqual(["v1"]);
    });

    it("updates v1 → v2 (one replica, start-first) with zero failed requests", async () => {
        const { state, seen, settle } = await duringUpdate(["--image", `${IMAGE}:v2`], ["completed", "paused", "rollback_completed"]);
        console.log(`rollout v1→v2: ${seen.ok} requests ok, ${seen.fail} failed, ${seen.none} with no routable task`);
        console.log(
            `settle check after v1→v2: exit ${settle.status} after ${settle.seconds.toFixed(1)} s, state then "${settle.stateAtExit}"\n${settle.output}`,
        );
        expect(state).toBe("completed");
        // It waited for Swarm's verdict (the monitor window included), not just for a running task.
        expect(settle.status).toBe(0);
        expect(settle.stateAtExit).toBe("completed");
        expect(settle.seconds).toBeGreaterThanOrEqual(SETTINGS.timing.monitorSeconds);
        expect(settle.output).toContain(`service ${SERVICE}: update completed`);
        // What Swarm does: `completed` comes a monitor window after the new task was running (healthy).
        const completedAt = Number(dockerOk(["service", "inspect", "--format", "{{.UpdateStatus.CompletedAt.UnixNano}}", SERVICE]));
        const task = dockerOk(["service", "ps", "-q", "--filter", "desired-state=running", SERVICE]).split("\n")[0];
        const runningAt = Number(dockerOk(["inspect", "--type", "task", "--format", "{{.Status.Timestamp.UnixNano}}", task]));
        console.log(`v1→v2: update completed ${((completedAt - runningAt) / 1e9).toFixed(1)} s after the new task was running`);
        expect((completedAt - runningAt) / 1e9).toBeGreaterThanOrEqual(SETTINGS.timing.monitorSeconds);
        expect(seen.fail).toBe(0);
        expect(seen.none).toBe(0);
        // start-first: while both tasks run, the router may answer from either; v1 first, v2 at the end, nothing else.
        expect(seen.bodies[0]).toBe("v1");
        expect(seen.bodies.at(-1)).toBe("v2");
        expect(new Set(seen.bodies)).toEqual(new Set(["v1", "v2"]));
        expect(seen.ok).toBeGreaterThan(50);
    });

    it("rolls back automatically to v2 when the new version never becomes healthy, with no failed request", async () => {
        const servingBefore = runningTaskIds();
        longestWithoutTargetMs = 0;
        const { state, seen, settle } = await duringUpdate(
            ["--image", `${IMAGE}:bad`],
            ["completed", "paused", "rollback_completed", "rollback_paused"],
        );
        console.log(`unhealthy update: ${state}; ${seen.ok} requests ok, ${seen.fail} failed, ${seen.none} with no routable task`);
        console.log(
            `settle check after the unhealthy update: exit ${settle.status} after ${settle.seconds.toFixed(1)} s\n${settle.output}`,
        );
        expect(state).toBe("rollback_completed");
        expect(settle.status).toBe(1);
        expect(settle.output).toMatch(
            new RegExp(`service ${SERVICE}: Swarm rolled the update back \\(update status: rollback_(started|completed)\\)`),
        );
        expect(settle.output).toContain(`docker service ps ${SERVICE}:`);
        expect(settle.output).toContain(`${IMAGE}:bad`);
        expect(image()).toMatch(new RegExp(`^${IMAGE}:v2(@|$)`));
        expect(seen.fail).toBe(0);
        expect(seen.bodies).toEqual(["v2"]);
        // Usually the rollback keeps the healthy v2 task. Now and then Swarm replaces it with a new
        // v2 task instead (moby/moby#43081, still open), and a single replica then has no routable
        // task until the new one is healthy: a gap, bounded here, that only a second replica avoids.
        const keptTask = servingBefore.every((id) => runningTaskIds().includes(id));
        console.log(
            `rollback kept the healthy task: ${keptTask}; ${seen.none} requests found no routable task, for up to ${longestWithoutTargetMs} ms`,
        );
        if (keptTask) expect(seen.none).toBe(0);
        else expect(longestWithoutTargetMs).toBeLessThan(15_000);
    });

    it("control: the same measurement sees downtime with stop-first, so the zero above can fail", async () => {
        const { state, seen } = await duringUpdate(
            ["--image", `${IMAGE}:v3`, "--update-order", "stop-first"],
            ["completed", "paused", "rollback_completed"],
        );
        console.log(`stop-first control: ${seen.ok} ok, ${seen.fail} failed, ${seen.none} with no routable task`);
        expect(state).toBe("completed");
        expect(seen.fail + seen.none).toBeGreaterThan(0);
        expect(seen.bodies).toEqual(["v2", "v3"]);
    });
});
