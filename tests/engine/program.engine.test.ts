/**
 * The whole program under the real engine: `pulumi preview`, `up`, `refresh`, `destroy`, a
 * killed `up` and a second checkout, run by the real CLI (file backend, passphrase secrets, the
 * configuration set with `pulumi config set` / `--secret` as the README says) with the real
 * command, docker and random plugins, against a bare Debian bookworm VPS (tests/support/testHost.ts:
 * sshd, a sudo user, its own Docker engine) and the stand-in Dokploy installer with the real
 * Traefik. Images that cannot be pulled are stand-ins built here (tests/engine/standins/) and
 * tagged inside the VPS under the names the program runs; the app is tests/engine/app laid over
 * the fixture checkout. DNS answers from a server on 127.0.0.1 (dns.nameservers).
 *
 * Two things differ from a production VPS, both because of this machine's kernel and container:
 * - no IPVS, so no Swarm virtual IP: the stack runs with swarm.endpointMode=dnsrr (the
 *   program then has Traefik list the tasks every 2 s and retry a refused request), where
 *   production routes through the VIP;
 * - no systemd: `systemctl` is a recorder, so the timers the program installs are not run.
 *
 * Writes .tmp/engine-report.json. Bounded: every CLI command has a timeout, every wait a limit;
 * afterAll removes the VPS, the temp backend, the app copy and the stack file.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { POSTGRES_VOLUME } from "../../config/names";
import { LOCAL_REGISTRY_CONTAINER, LOCAL_REGISTRY_IMAGE } from "../../lib/appImage";
import { docker, dockerOk, ensureDockerEngine, waitFor } from "../support/dockerd";
import { startFakeDnsServer, type FakeDnsServer } from "../support/fakeDnsServer";
import { EngineApp, exportedResources, secretsFound, finishedLogs, plannedChanges, routed as routedOn, setBaseStackConfig, sql as sqlOn, startRouterLoad } from "../support/engineStack";
import { failureSummary, findPulumi, PulumiCli, type CliResult } from "../support/pulumiCli";
import { ensureStandInImages } from "../support/engineStandIns";
import {
    curlOnVps,
    firewallAfterReboot,
    firewallRules,
    hostSnapshot,
    installerRuns,
    runUnitExecStart,
    runUnitExecStartAsync,
    buildTraces,
    statusFromOutside,
    watchdogStates,
} from "../support/hostChecks";
import { startReceiver, type Receiver } from "../support/httpReceiver";
import { startPsSampler } from "../support/psSampler";
import { buildStandInImages, prepareStandIn } from "../support/standInInstaller/images";
import { registryBytesServed, tagLocalRegistryStandIn } from "../support/registry";
import { ensureVpsImage, loadImagesIntoVps, startVps, type TestVps } from "../support/testHost";
import { vpsMemory, type MemoryFigures, type VpsMemory } from "../support/vpsMemory";

jest.setTimeout(900_000);

const ROOT = path.resolve(__dirname, "..", "..");
const STACK = "enginetest";
const STACK_FILE = path.join(ROOT, `Pulumi.${STACK}.yaml`);
/** Inside the project, so the paths the state keeps are the same from any checkout. */
const APP_DIR = path.join(ROOT, ".tmp", "engine-app");
const REPORT = path.join(ROOT, ".tmp", "engine-report.json");
const DEPLOY_REPORT = path.join(ROOT, ".tmp", "deploy-report.json");
const DOMAIN = "example.test";
const API_HOST = `api.${DOMAIN}`;
const HOSTS = [DOMAIN, API_HOST, `traefik.${DOMAIN}`, `dokploy.${DOMAIN}`];
const VERSION = "v0.29.2";
/** The Dokploy version the update test moves to (the stand-in installer's update path). */
const NEXT_VERSION = "v0.30.0";
const SERVICES = ["dropit-postgres", "dropit-api", "dropit-web"];
/** A long CLI step (the first up builds both images and waits for every service). */
const LONG = { timeoutMs: 840_000 };
const MIN_REQUESTS = 1000;
const MIN_PAGE_LOADS = 300;
const PAGE_LOADS = "/usr/local/bin/dropit-page-loads";
/** The production VPS's RAM: the suite's VPS runs under this limit, its containers included. */
const VPS_MEMORY_MB = 2048;
/** What a deploy may add on top of the running services besides the one new task: the image pull (dockerd, sshd), measured well under it. */
const DEPLOY_OVERHEAD_MB = 160;

const SECRETS = {
    passphrase: "engineProgram-PASSPHRASE-91c4",
    brevoApiKey: "engineProgramBREVO7e21d0",
    /** The last path segment of the watchdog's URLs: what makes a webhook or a ping URL a credential. */
    alertToken: "engineALERTtoken3f9d",
    heartbeatToken: "engineHEARTBEATuuid8c2e",
};
/** The watchdog's forSeconds in this suite (production default: 180). */
const WATCH_FOR_SECONDS = 10;

let cli: PulumiCli;
let vps: TestVps;
let dns: FakeDnsServer;
let alerts: Receiver;
let heartbeats: Receiver;
let engine: { release(): Promise<void> } | undefined;
let memory: VpsMemory;
/** Every distinct command line seen on the VPS during the first up (sampled every 50 ms). */
let processLists = "";
/** When the suite started, in the VPS's clock (Unix seconds): its engine's events since then. */
let suiteStarted = 0;
/** Per deploy: image bytes the VPS pulled (by repository), every byte it received, its memory. */
const deploys: Record<string, DeployFigures> = {};
/** Secret values to search for, by name (generated ones are added once they exist). */
const canaries = new Map<string, string>();
const report: Record<string, unknown> = {};
const durations: Record<string, number> = {};
const app = new EngineApp(APP_DIR);
const release = (file: string, from: string, to: string) => app.release(file, from, to);
const webRelease = (from: string, to: string) => app.webRelease(from, to);
const routed = (host: string, urlPath: string) => routedOn(vps, host, urlPath);
const sql = (script: string) => sqlOn(vps, script);

/** Running tasks of our services, and when PostgreSQL's container started: what a no-op must not touch. */
function runningTasks(): string {
    return vps.execOk(
        `for s in ${SERVICES.join(" ")}; do echo "$s $(docker service ps -q --filter desired-state=running "$s" | sort | tr '\\n' ' ') v$(docker service inspect -f '{{.Version.Index}}' "$s")"; done
docker ps --filter label=com.docker.swarm.service.name=dropit-postgres --format '{{.ID}}' | xargs -r docker inspect -f 'postgres started {{.State.StartedAt}}'`,
    );
}

interface PageFigures {
    total: number;
    broken: number;
    /** Every request the page loads made (index.html and each asset), and those not answered 200. */
    requests: number;
    failedRequests: number;
    releases: Record<string, number>;
    brokenSamples: string[];
}

interface PageLoads {
    stop(): PageFigures;
}

/** One page load's log line (tests/engine/page-loads.sh): its requests and its failed ones. */
function pageLoadRequests(line: string): { requests: number; failed: number } {
    const [kind, , assets, ...failures] = line.split(" ");
    if (kind === "noindex") return { requests: 1, failed: 1 };
    return { requests: 1 + Number(assets), failed: kind === "ok" ? 0 : failures.length };
}

/** Three browser-like clients (tests/engine/page-loads.sh) loading the apex page through the router. */
function startPageLoads(label: string): PageLoads {
    const dir = `/var/tmp/dropit-engine-pages-${label}`;
    const loops = [1, 2, 3];
    vps.execOk(`rm -rf ${dir} && mkdir -p ${dir} && touch ${dir}/run`);
    for (const loop of loops) dockerOk(["exec", "-d", vps.container, PAGE_LOADS, DOMAIN, `${dir}/run`, `${dir}/log-${loop}`, "20000"]);
    return {
        stop() {
            vps.execOk(`rm -f ${dir}/run`);
            const lines = finishedLogs(vps, dir, loops);
            const broken = lines.filter((line) => !line.startsWith("ok "));
            const releases: Record<string, number> = {};
            let requests = 0;
            let failedRequests = 0;
            for (const line of lines) {
                const name = line.startsWith("noindex") ? "none" : (line.split(" ")[1] ?? "?");
                releases[name] = (releases[name] ?? 0) + 1;
                const counted = pageLoadRequests(line);
                requests += counted.requests;
                failedRequests += counted.failed;
            }
            return { total: lines.length, broken: broken.length, requests, failedRequests, releases, brokenSamples: [...new Set(broken)].slice(0, 5) };
        },
    };
}

interface DeployFigures {
    /** Bytes of image content the VPS pulled from the builder's registry, by repository. */
    imageBytes: Record<string, number>;
    imageBytesTotal: number;
    /** Every byte the VPS's network interface received during the deploy (SSH: commands, the Docker API, the tunnel). */
    vpsReceivedBytes: number;
    memory: MemoryFigures;
}

function vpsReceivedBytes(): number {
    return Number(vps.execOk("cat /sys/class/net/eth0/statistics/rx_bytes"));
}

/** Runs one deploy while counting what reaches the VPS and sampling its memory every second. */
async function measuredDeploy<T>(label: string, deploy: () => Promise<T>): Promise<T> {
    const pulledBefore = registryBytesServed(LOCAL_REGISTRY_CONTAINER);
    const receivedBefore = vpsReceivedBytes();
    const stop = memory.sample();
    try {
        return await deploy();
    } finally {
        const figures = stop();
        const pulled = registryBytesServed(LOCAL_REGISTRY_CONTAINER);
        const imageBytes = Object.fromEntries(
            Object.entries(pulled)
                .map(([repository, bytes]) => [repository, bytes - (pulledBefore[repository] ?? 0)] as const)
                .filter(([, bytes]) => bytes > 0),
        );
        deploys[label] = {
            imageBytes,
            imageBytesTotal: Object.values(imageBytes).reduce((sum, bytes) => sum + bytes, 0),
            vpsReceivedBytes: vpsReceivedBytes() - receivedBefore,
            memory: figures,
        };
    }
}

/** Containers of the VPS's engine the kernel killed for memory (exited ones included). */
function oomKilledContainers(): string[] {
    return vps
        .execOk("docker ps -aq | xargs -r docker inspect -f '{{.Name}} {{.State.OOMKilled}}'")
        .split("\n")
        .filter((line) => line.endsWith(" true"));
}

interface Traffic {
    /** Plain requests to one URL; an answer counts as the app's when its body holds `marker` (either release's). */
    requests?: { host: string; urlPath: string; marker: string };
    /** Browser-like page loads of the apex (index.html, then its assets at once). */
    pageLoads?: boolean;
}

/** A rollout under load: the planned changes, then `up` with traffic going through the router the whole time. */
async function rolloutUnderLoad(label: string, traffic: Traffic): Promise<Record<string, unknown>> {
    const changedResources = plannedChanges((await cli.ok(["preview", "--json"], LONG)).stdout);
    const load = traffic.requests && startRouterLoad(vps, label, traffic.requests);
    const pages = traffic.pageLoads ? startPageLoads(label) : undefined;
    const started = Date.now();
    let up: CliResult;
    try {
        up = await measuredDeploy(label, () => cli.ok(["up", "--yes", "--skip-preview"], LONG));
    } finally {
        const plain = load?.stop();
        const pageLoads = pages?.stop();
        // Every request through the router counts, the page loads' own included.
        const figures = {
            requests: (plain?.requests ?? 0) + (pageLoads?.requests ?? 0),
            failed: (plain?.failed ?? 0) + (pageLoads?.failedRequests ?? 0),
            ...(plain ? { plainRequests: plain } : {}),
            ...(pageLoads ? { pageLoads } : {}),
        };
        report[label] = { changedResources, ...figures, upSeconds: Math.round((Date.now() - started) / 100) / 10 };
    }
    durations[label] = up.seconds;
    return report[label] as Record<string, unknown>;
}

/** Each service's task memory limit, from the stack output `memory` (the budget the configuration was checked against). */
const taskLimitsMb: Record<string, number> = {};

async function readMemoryOutput(): Promise<void> {
    const budget = JSON.parse((await cli.ok(["stack", "output", "memory", "--json"])).stdout) as { rows: { key: string; limitMb: number }[] };
    for (const row of budget.rows) taskLimitsMb[row.key] = row.limitMb;
}

async function readSecretOutputs(): Promise<void> {
    const outputs = JSON.parse((await cli.ok(["stack", "output", "--json", "--show-secrets"], { unrecorded: true })).stdout) as Record<
        string,
        unknown
    >;
    for (const name of ["postgresPassword", "betterAuthSecret", "dokployAdminPassword", "traefikDashboardPassword"]) {
        if (typeof outputs[name] === "string") canaries.set(name, outputs[name]);
    }
}

/** Copies the project as `git clone` would give it (tracked and new files, never .tmp or the stack's state). */
function secondCheckout(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-engine-checkout-"));
    const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: ROOT, encoding: "utf8" })
        .split("\0")
        .filter((file) => file && fs.existsSync(path.join(ROOT, file)));
    for (const file of files) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    fs.cpSync(APP_DIR, path.join(dir, ".tmp", "engine-app"), { recursive: true });
    fs.copyFileSync(STACK_FILE, path.join(dir, path.basename(STACK_FILE)));
    return dir;
}

/** What a fresh CI runner lacks: the SSH identity files earlier runs of the program wrote (lib/sshIdentity.ts). */
function forgetSshIdentities(): void {
    for (const entry of fs.readdirSync(os.tmpdir())) {
        if (entry.startsWith("dropit-ssh-")) fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
    }
}

const pageFigures = (label: string) => (report[label] as { pageLoads?: PageFigures } | undefined)?.pageLoads;

/** The build and page-load figures of the deploys (.tmp/deploy-report.json). */
function deployReport(): Record<string, unknown> {
    const bridged = ["webChange", "webChangeTwoReplicas"].map(pageFigures).filter((figures): figures is PageFigures => Boolean(figures));
    const old = pageFigures("webChangeOldBehaviour");
    const measured = Object.values(deploys);
    const traces = vps ? buildTraces(vps, suiteStarted) : undefined;
    return {
        buildsOnVps: traces ? traces.buildCacheRecords > 0 || traces.imageEvents.length > 0 : undefined,
        vpsBuildTraces: traces,
        bytesToVps: {
            first: deploys.first?.imageBytesTotal,
            unchanged: deploys.unchanged?.imageBytesTotal,
            webOnly: deploys.webChange?.imageBytesTotal,
            apiOnly: deploys.apiChange?.imageBytesTotal,
        },
        vpsReceivedBytes: Object.fromEntries(Object.entries(deploys).map(([label, figures]) => [label, figures.vpsReceivedBytes])),
        vpsMemoryLimitMb: memory ? memory.limitMb() : undefined,
        vpsPeakMemoryMb: measured.length ? Math.max(...measured.map((figures) => figures.memory.peakMb)) : undefined,
        oomKills: measured.reduce((sum, figures) => sum + figures.memory.oomKills, 0),
        oomKilledContainers: vps ? oomKilledContainers() : undefined,
        deploys,
        pageLoads: { total: bridged.reduce((sum, f) => sum + f.total, 0), broken: bridged.reduce((sum, f) => sum + f.broken, 0) },
        pageLoadsByRollout: { oneReplica: pageFigures("webChange"), twoReplicas: pageFigures("webChangeTwoReplicas") },
        pageLoadsOldBehaviour: old ? { total: old.total, broken: old.broken, brokenSamples: old.brokenSamples } : undefined,
    };
}

beforeAll(async () => {
    const binary = findPulumi();
    if (!binary) throw new Error("no pulumi CLI: run `bash scripts/setup.sh` (it installs the engine and its plugins)");
    let started = Date.now();
    engine = await ensureDockerEngine();
    const vpsImage = ensureVpsImage().image;
    const standIns = ensureStandInImages();
    durations["stand-in images (0 = cached)"] = standIns.builtMs;
    const installerImages = buildStandInImages([VERSION, NEXT_VERSION], HOSTS, { router: "traefik" });
    durations["images ready"] = Date.now() - started;
    started = Date.now();
    vps = await startVps(vpsImage, "dropit-engine-vps", { memoryMb: VPS_MEMORY_MB });
    memory = vpsMemory(vps.container);
    const installerUrl = prepareStandIn(vps, installerImages);
    // The VPS runs PostgreSQL's image; the app images' bases are the builder's (this machine's engine), under the names their Dockerfiles use.
    loadImagesIntoVps(vps, [standIns.images.postgres]);
    vps.execOk(`docker tag ${standIns.images.postgres} postgres:15-alpine`);
    dockerOk(["tag", standIns.images.nginx, "nginx:1.27-alpine"]);
    dockerOk(["tag", standIns.images.node, "node:20-alpine"]);
    tagLocalRegistryStandIn(vpsImage, LOCAL_REGISTRY_IMAGE);
    // A registry left by an earlier run would hold this run's layers already.
    docker(["rm", "-f", LOCAL_REGISTRY_CONTAINER]);
    vps.execOk(`install -m 0755 /dev/stdin ${PAGE_LOADS}`, { input: fs.readFileSync(path.join(__dirname, "page-loads.sh"), "utf8") });
    vps.execOk("install -m 0755 /dev/stdin /usr/local/bin/systemctl", {
        input: '#!/bin/sh\necho "systemctl $*" >> /var/log/dropit-systemctl.log\n',
    });
    durations["VPS started, images loaded"] = Date.now() - started;
    // From here on, only the program acts on the VPS's engine (the loads and tags above are the suite's).
    suiteStarted = Number(vps.execOk("sleep 1; date +%s"));
    dns = await startFakeDnsServer({}, () => ({ kind: "answer", address: "127.0.0.1" }));
    app.write();
    cli = new PulumiCli(binary, ROOT, SECRETS.passphrase);
    canaries.set("passphrase", SECRETS.passphrase);
    canaries.set("brevoApiKey", SECRETS.brevoApiKey);
    // A line from the middle of the key: its armour lines are the same for every key.
    const keyLines = vps.privateKey.trim().split("\n");
    canaries.set("sshPrivateKey", keyLines[Math.floor(keyLines.length / 2)]);
    report.pulumiVersion = (await cli.ok(["version"])).stdout.trim();
    const plugins = JSON.parse((await cli.ok(["plugin", "ls", "--json"])).stdout || "[]") as { name: string; kind: string; version: string }[];
    report.plugins = Object.fromEntries(plugins.filter((plugin) => plugin.kind === "resource").map((plugin) => [plugin.name, plugin.version]));

    await cli.ok(["stack", "init", STACK]);
    await setBaseStackConfig(cli, {
        domain: DOMAIN,
        vps,
        app,
        dokployVersion: VERSION,
        installerUrl,
        nameserver: dns.address,
        brevoApiKey: SECRETS.brevoApiKey,
    });
    // The watchdog's receivers listen on the VPS network's gateway: only the test containers reach it.
    const gateway = dockerOk(["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.Gateway}}{{end}}", vps.container]);
    alerts = await startReceiver(gateway, "/alerts");
    heartbeats = await startReceiver(gateway, "/ping");
    await cli.ok(["config", "set", "--secret", "--path", "dropit:monitoring.alertUrl"], { input: `${alerts.url}/${SECRETS.alertToken}` });
    await cli.ok(["config", "set", "--secret", "--path", "dropit:monitoring.heartbeatUrl"], { input: `${heartbeats.url}/${SECRETS.heartbeatToken}` });
    await cli.ok(["config", "set", "--path", "dropit:monitoring.forSeconds", String(WATCH_FOR_SECONDS)]);
    canaries.set("alertToken", SECRETS.alertToken);
    canaries.set("heartbeatToken", SECRETS.heartbeatToken);
});

afterAll(async () => {
    fs.mkdirSync(path.dirname(REPORT), { recursive: true });
    fs.writeFileSync(REPORT, `${JSON.stringify({ ...report, durationsSeconds: durations }, null, 2)}\n`);
    fs.writeFileSync(DEPLOY_REPORT, `${JSON.stringify(deployReport(), null, 2)}\n`);
    console.log(`engine report: ${JSON.stringify(report)}`);
    if (process.env.DROPIT_E2E_KEEP !== "1") {
        vps?.remove();
        docker(["rm", "-f", LOCAL_REGISTRY_CONTAINER]);
        await engine?.release();
        cli?.remove();
        fs.rmSync(STACK_FILE, { force: true });
        app.remove();
    }
    await dns?.close();
    await alerts?.close();
    await heartbeats?.close();
});

test("the stack file holds the secrets only encrypted", () => {
    const stackFile = fs.readFileSync(STACK_FILE, "utf8");
    expect(stackFile).toContain("secure: v1:");
    expect([...canaries.values()].filter((value) => stackFile.includes(value))).toEqual([]);
});

test("preview then up converge the bare VPS: services healthy, reachable through the router by host name", async () => {
    const preview = await cli.ok(["preview"], LONG);
    expect(preview.stdout).toMatch(/\+ \d+ to create/);
    durations.firstPreview = preview.seconds;
    const { result: up, commandLines } = await withCommandLines(() => measuredDeploy("first", () => cli.ok(["up", "--yes", "--skip-preview"], LONG)));
    processLists = commandLines;
    report.up = { seconds: up.seconds, resources: (await exportedResources(cli)).length };
    await readSecretOutputs();
    await readMemoryOutput();

    for (const service of SERVICES) {
        expect(vps.execOk(`docker service ls --filter name=${service} --format '{{.Name}} {{.Replicas}}'`)).toBe(`${service} 1/1`);
    }
    const attached = vps.execOk(`docker network inspect dokploy-network -f '{{range .Containers}}{{.Name}} {{end}}'`);
    for (const service of SERVICES) expect(attached).toContain(`${service}.1.`);
    // dnsrr: the program has Traefik list the tasks every 2 s (Dokploy's default is 15 s).
    expect(vps.execOk("grep -A1 '^  swarm:' /etc/dokploy/traefik/traefik.yml")).toContain("refreshSeconds: 2s");
    await waitFor("the web app through the router", 60_000, () => routed(DOMAIN, "/").body.includes("web-1"), 1000);
    expect(routed(DOMAIN, "/")).toMatchObject({ status: "200" });
    expect(routed(DOMAIN, "/").body).toContain(`content="https://${API_HOST}"`);
    const health = routed(API_HOST, "/api/health");
    expect(health.status).toBe("200");
    expect(JSON.parse(health.body)).toMatchObject({ release: "api-1" });
    // Built here, sent over SSH: the VPS's engine never built anything, and ran both images pinned by digest.
    expect(buildTraces(vps, suiteStarted)).toEqual({ buildCacheRecords: 0, imageEvents: [] });
    for (const service of ["dropit-api", "dropit-web"]) {
        expect(vps.execOk(`docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' ${service}`)).toMatch(
            new RegExp(`^127\\.0\\.0\\.1:5555/${service}@sha256:[0-9a-f]{64}$`),
        );
    }
    expect(Object.keys(deploys.first.imageBytes).sort()).toEqual(["dropit-api", "dropit-web"]);
    sql("CREATE TABLE engine_rows (id serial PRIMARY KEY, note text NOT NULL); INSERT INTO engine_rows (note) SELECT 'row-' || g FROM generate_series(1, 100) g;");
});

test("the host steps of that up: Dokploy installed once, the panel only at its domain over HTTPS, the dashboard behind a password, port 3000 closed", () => {
    const runs = installerRuns(vps);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(new RegExp(`^run install version=${VERSION} `));
    expect(vps.execOk("docker info --format '{{.Swarm.LocalNodeState}}'")).toBe("active");
    expect(vps.execOk("docker network inspect -f '{{.Driver}} {{.Attachable}}' dokploy-network")).toBe("overlay true");
    expect(vps.execOk("grep -E '^ +email:' /etc/dokploy/traefik/traefik.yml")).toMatch(new RegExp(`email: ops@${DOMAIN.replace(".", "\\.")}$`));
    expect(vps.execOk("id -nG deploy").split(" ")).toContain("docker");
    expect(vps.execOk("docker service inspect -f '{{json .Spec.EndpointSpec.Ports}}' dokploy")).toMatch(/^(null|\[\])$/);
    expect(vps.exec("curl -sS --max-time 5 http://127.0.0.1:3000/api/health").status).not.toBe(0);
    expect(curlOnVps(vps, `https://dokploy.${DOMAIN}/api/health`)).toEqual({ status: "200", body: '{"status":"ok"}' });
    // Traefik's permanent redirectScheme answers a GET with 301 (the replay's stand-in router says 308).
    const redirect = vps.execOk(`curl -s --max-time 10 -o /dev/null -w '%{http_code} %{redirect_url}' --resolve dokploy.${DOMAIN}:80:127.0.0.1 http://dokploy.${DOMAIN}/`);
    expect(redirect).toBe(`301 https://dokploy.${DOMAIN}/`);
    // Dokploy's own rule, which let a Host header on :80 reach the panel, is gone.
    expect(curlOnVps(vps, "http://dokploy.docker.localhost/").status).toBe("404");
    // Traefik's own API behind the dashboard's route (`/` itself is a 404 on api@internal).
    expect(curlOnVps(vps, `https://traefik.${DOMAIN}/api/version`).status).toBe("401");
    expect(curlOnVps(vps, `https://traefik.${DOMAIN}/api/version`, `-u admin:${canaries.get("traefikDashboardPassword")}`).status).toBe("200");
    expect(vps.execOk("stat -c '%a %U' /etc/dokploy/traefik/dynamic/dropit-traefik-dashboard.yml")).toBe("600 root");
});

test("the firewall of that up admits only SSH, 80 and 443 from outside, published ports included, and is restored at boot", () => {
    expect(vps.execOk("iptables -S INPUT | sed -n 2p")).toBe("-A INPUT -j DROPIT-INPUT");
    expect(vps.execOk("iptables -S DOCKER-USER | sed -n 2p")).toBe("-A DOCKER-USER -j DROPIT-DOCKER");
    const input = vps.execOk("iptables -S DROPIT-INPUT");
    for (const port of [22, 80, 443]) expect(input).toContain(`--dport ${port} -j ACCEPT`);
    expect(input.split("\n").pop()).toBe("-A DROPIT-INPUT -j DROP");
    // A port Docker publishes (8081) is dropped from outside, 80 is not; both answer on loopback.
    vps.execOk(`docker run -d --name dropit-engine-published -p 8081:3000 dropit-standin/dokploy:${VERSION}`);
    try {
        expect(statusFromOutside(vps, 80)).toBe("404");
        expect(statusFromOutside(vps, 8081, "/api/health")).toBe("000");
        expect(statusFromOutside(vps, 5000)).toBe("000");
        expect(vps.execOk("curl -s --max-time 5 http://127.0.0.1:8081/api/health")).toBe('{"status":"ok"}');
    } finally {
        vps.exec("docker rm -f dropit-engine-published");
    }
    const before = firewallRules(vps);
    expect(firewallAfterReboot(vps)).toBe(before);
});

test("no secret appears in the VPS's process lists during that up", () => {
    // The sampler saw the program's scripts: their text is bash's argv, and holds no secret.
    expect(processLists.split("\n").length).toBeGreaterThan(100);
    expect(processLists).toContain("dropit: Dokploy is already installed");
    const found = [...canaries].filter(([, value]) => processLists.includes(value)).map(([name]) => name);
    report.processListSecretsFound = found;
    expect(found).toEqual([]);
});

test("a second preview and up change nothing, also after a refresh: no service updated, no task restarted", async () => {
    const before = runningTasks();
    const hostBefore = hostSnapshot(vps);
    const noop = await cli.run(["preview", "--expect-no-changes"], LONG);
    const changes = plannedChanges((await cli.ok(["preview", "--json"], LONG)).stdout);
    report.noopPreview = { seconds: noop.seconds, changes: changes.length, ...(changes.length ? { changed: changes } : {}) };
    expect(changes).toEqual([]);
    expect(noop.status).toBe(0);
    await cli.ok(["refresh", "--yes"], LONG);
    expect((await cli.run(["preview", "--expect-no-changes"], LONG)).status).toBe(0);
    const second = await measuredDeploy("unchanged", () => cli.ok(["up", "--yes"], LONG));
    // An unchanged deploy sends no image byte.
    expect(deploys.unchanged.imageBytesTotal).toBe(0);
    expect(second.stdout).not.toMatch(/[~+-] +(docker|command|random):/);
    durations.secondUp = second.seconds;
    expect(runningTasks()).toBe(before);
    expect(hostSnapshot(vps)).toBe(hostBefore);
    expect(installerRuns(vps)).toHaveLength(1);
    expect(sql("SELECT count(*) FROM engine_rows")).toEqual(["100"]);
});

test("an up whose firewall would close the SSH port it arrives on is refused and changes nothing; with the port set back, nothing is left to do", async () => {
    const tasksBefore = runningTasks();
    const hostBefore = hostSnapshot(vps);
    await cli.ok(["config", "set", "--path", "dropit:firewall.sshPort", "2222"]);
    let refused: CliResult;
    let changedResources: string[];
    try {
        changedResources = plannedChanges((await cli.ok(["preview", "--json"], LONG)).stdout);
        refused = await cli.run(["up", "--yes", "--skip-preview"], LONG);
    } finally {
        await cli.ok(["config", "set", "--path", "dropit:firewall.sshPort", "22"]);
    }
    const refusal = /refusing the firewall: [^\n]*/.exec(refused.stdout + refused.stderr)?.[0];
    const hostAfterRefusal = hostSnapshot(vps);
    // The failed update must have kept the old inputs: with the port set back, nothing is planned.
    const plannedAfterRestore = plannedChanges((await cli.ok(["preview", "--json"], LONG)).stdout);
    const settled = await cli.run(["preview", "--expect-no-changes"], LONG);
    report.firewallLockout = { changedResources, upStatus: refused.status, refusal, plannedAfterRestore, settled: settled.status === 0 };
    expect(changedResources).toEqual(["update dokploy-firewall"]);
    expect(refused.status).not.toBe(0);
    expect(refusal).toMatch(/^refusing the firewall: this SSH session arrives on port 22, which it would close .*; set dropit:firewall\.sshPort$/);
    expect(hostAfterRefusal).toBe(hostBefore);
    expect(plannedAfterRestore).toEqual([]);
    expect(settled.status).toBe(0);
    expect(hostSnapshot(vps)).toBe(hostBefore);
    expect(runningTasks()).toBe(tasksBefore);
});

/** A key pair nobody authorised: its private half as a wrong login key, its public half as a wrong host key. */
function strangerKeyPair(): { privateKey: string; publicKey: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-engine-stranger-"));
    try {
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "stranger", "-f", path.join(dir, "id")]);
        const publicKey = fs.readFileSync(path.join(dir, "id.pub"), "utf8").split(" ").slice(0, 2).join(" ");
        return { privateKey: fs.readFileSync(path.join(dir, "id"), "utf8"), publicKey };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

interface WrongSettingAttempt {
    status: number | null;
    seconds: number;
    /** The first line matching the error the attempt must stop with. */
    error?: string;
}

/**
 * With one setting wrong, an `up` (the remote commands: pulumi-command's SSH client) and a `refresh`
 * (the Docker provider: OpenSSH with the identity files the program wrote); then the setting back.
 */
async function withWrongSetting(wrong: () => Promise<unknown>, restore: () => Promise<unknown>, errors: { up: RegExp; refresh: RegExp }) {
    const attempt = async (args: string[], error: RegExp): Promise<WrongSettingAttempt> => {
        const result = await cli.run(args, LONG);
        return { status: result.status, seconds: result.seconds, error: error.exec(result.stdout + result.stderr)?.[0] };
    };
    await wrong();
    let planned: string[];
    let up: WrongSettingAttempt;
    let refresh: WrongSettingAttempt;
    try {
        planned = plannedChanges((await cli.ok(["preview", "--json"], LONG)).stdout);
        up = await attempt(["up", "--yes", "--skip-preview"], errors.up);
        refresh = await attempt(["refresh", "--yes", "--skip-preview"], errors.refresh);
    } finally {
        await restore();
    }
    const hostAfter = hostSnapshot(vps);
    const plannedAfterRestore = plannedChanges((await cli.ok(["preview", "--json"], LONG)).stdout);
    return { figures: { planned: planned.length, up, refresh, plannedAfterRestore }, hostAfter };
}

test("a wrong SSH key, then a wrong host key: up and refresh each stop with the SSH error and change nothing; set back, nothing is left to do", async () => {
    const tasksBefore = runningTasks();
    const hostBefore = hostSnapshot(vps);
    const stranger = strangerKeyPair();
    const setKey = (key: string) => cli.ok(["config", "set", "--secret", "dropit:sshPrivateKey"], { input: key });
    const setHostKey = (hostKey: string) => cli.ok(["config", "set", "--path", "dropit:server.hostKey", hostKey]);
    const wrongKey = await withWrongSetting(() => setKey(stranger.privateKey), () => setKey(vps.privateKey), {
        up: /ssh: handshake failed: ssh: unable to authenticate[^\n]*/,
        refresh: /Permission denied \(publickey\)[^\n]*/,
    });
    const wrongHostKey = await withWrongSetting(() => setHostKey(stranger.publicKey), () => setHostKey(vps.hostKey), {
        up: /ssh: handshake failed: [^\n]*host key[^\n]*/,
        refresh: /(REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed)[^\n]*/,
    });
    report.wrongSsh = { wrongKey: wrongKey.figures, wrongHostKey: wrongHostKey.figures };
    for (const { figures } of [wrongKey, wrongHostKey]) {
        for (const attempt of [figures.up, figures.refresh]) {
            expect(attempt.status).not.toBe(0);
            expect(attempt.error).toBeDefined();
        }
        expect(figures.plannedAfterRestore).toEqual([]);
    }
    expect(wrongKey.hostAfter).toBe(hostBefore);
    expect(wrongHostKey.hostAfter).toBe(hostBefore);
    expect((await cli.run(["preview", "--expect-no-changes"], LONG)).status).toBe(0);
    expect(runningTasks()).toBe(tasksBefore);
});

test("a change to the web app's source rolls out the web resources only, with no failed request", async () => {
    const apiBefore = vps.execOk("docker service ps -q --filter desired-state=running dropit-api dropit-postgres | sort");
    webRelease("web-1", "web-2");
    // The page loads are the web's requests: index.html (checked for the app's release) and each asset.
    const figures = await rolloutUnderLoad("webChange", { pageLoads: true });
    expect((figures.changedResources as string[]).every((change) => / web-/.test(change))).toBe(true);
    expect(figures.changedResources).toEqual(expect.arrayContaining([expect.stringMatching(/ web-service$/)]));
    expect(routed(DOMAIN, "/").body).toContain("web-2");
    expect(vps.execOk("docker service ps -q --filter desired-state=running dropit-api dropit-postgres | sort")).toBe(apiBefore);
    expect(figures).toMatchObject({ failed: 0 });
    expect(figures.requests as number).toBeGreaterThanOrEqual(MIN_REQUESTS);
    expectNoBrokenPage(figures.pageLoads as PageFigures);
    // Only the web image's new layers: no API byte, and under 1 % of what the first deploy sent
    // (both images share their base layers, which the first deploy sent once).
    expect(Object.keys(deploys.webChange.imageBytes)).toEqual(["dropit-web"]);
    expect(deploys.webChange.imageBytesTotal).toBeLessThan(deploys.first.imageBytesTotal / 100);
    expectWithinMemory(deploys.webChange, "web");
});

/** The VPS stayed under its RAM with nothing killed, and grew by at most one new task (plus the pull's own share). */
function expectWithinMemory(figures: DeployFigures, service: "api" | "web"): void {
    const taskLimitMb = taskLimitsMb[service];
    expect(taskLimitMb).toBeGreaterThan(0);
    expect(figures.memory.oomKills).toBe(0);
    expect(oomKilledContainers()).toEqual([]);
    expect(figures.memory.peakMb).toBeLessThan(VPS_MEMORY_MB);
    expect(figures.memory.peakMb - figures.memory.startMb).toBeLessThanOrEqual(taskLimitMb + DEPLOY_OVERHEAD_MB);
}

/** Every page load of the rollout found all its assets, and the loads saw both releases. */
function expectNoBrokenPage(pages: PageFigures): void {
    expect(pages).toMatchObject({ broken: 0, brokenSamples: [] });
    expect(pages.total).toBeGreaterThanOrEqual(MIN_PAGE_LOADS);
    expect(Object.keys(pages.releases).length).toBeGreaterThanOrEqual(2);
}

test("a change to the API's source rolls out the API resources only, with no failed request", async () => {
    const webBefore = vps.execOk("docker service ps -q --filter desired-state=running dropit-web dropit-postgres | sort");
    release("apps/api/server.js", "api-1", "api-2");
    const figures = await rolloutUnderLoad("apiChange", { requests: { host: API_HOST, urlPath: "/api/health", marker: '"release":"api-' } });
    expect((figures.changedResources as string[]).every((change) => / api-/.test(change))).toBe(true);
    expect(figures.changedResources).toEqual(expect.arrayContaining([expect.stringMatching(/ api-service$/)]));
    expect(JSON.parse(routed(API_HOST, "/api/health").body)).toMatchObject({ release: "api-2" });
    expect(vps.execOk("docker service ps -q --filter desired-state=running dropit-web dropit-postgres | sort")).toBe(webBefore);
    expect(figures).toMatchObject({ failed: 0 });
    expect(figures.requests as number).toBeGreaterThanOrEqual(MIN_REQUESTS);
    expect(sql("SELECT count(*) FROM engine_rows")).toEqual(["100"]);
    expect(Object.keys(deploys.apiChange.imageBytes)).toEqual(["dropit-api"]);
    expect(deploys.apiChange.imageBytesTotal).toBeLessThan(deploys.first.imageBytesTotal / 100);
    expectWithinMemory(deploys.apiChange, "api");
    expect(buildTraces(vps, suiteStarted)).toEqual({ buildCacheRecords: 0, imageEvents: [] });
});

/** How long `up` took over one resource, from the CLI's progress line (`… api-image updated (12s)`). */
function stepSeconds(output: string, name: string): number {
    const matches = [...output.matchAll(new RegExp(`docker:index:Image ${name} (?:created|updated|replaced) \\((\\d+(?:\\.\\d+)?)s\\)`, "g"))];
    if (matches.length === 0) throw new Error(`no duration for ${name} in the output of up`);
    return Number(matches[matches.length - 1][1]);
}

/** What a new CI runner has: no build cache and no app image in the builder's engine. */
function emptyBuilder(): void {
    dockerOk(["builder", "prune", "-af"], { timeoutMs: 120_000 });
    const images = dockerOk(["images", "-q", "--filter", "reference=127.0.0.1:5555/dropit-*"]).split("\n").filter(Boolean);
    if (images.length > 0) docker(["rmi", "-f", ...new Set(images)], { timeoutMs: 120_000 });
}

/**
 * An `up` on an emptied builder, its api-image step's seconds. In one CI run of four, the `up`
 * after the emptying (prune and rmi on the engine every suite shares) failed, and so did every
 * later `up` of the suite; CI's output cut the error. A failed attempt is kept in the report with
 * its error, and the emptying and `up` run once more; a second failure fails the test.
 */
async function apiBuildOnEmptiedRunner(label: string, empty: () => void): Promise<number> {
    empty();
    const first = await cli.run(["up", "--yes", "--skip-preview"], LONG);
    if (first.status === 0) return stepSeconds(first.stdout, "api-image");
    const failures = (report.buildCacheFailedAttempts ??= []) as { label: string; failure: string }[];
    failures.push({ label, failure: failureSummary(first).slice(0, 4000) });
    console.log(`build-cache ${label}: the first up failed, emptying again:\n${failures[failures.length - 1].failure}`);
    empty();
    return stepSeconds((await cli.ok(["up", "--yes", "--skip-preview"], LONG)).stdout, "api-image");
}

test("a runner that starts empty rebuilds the API from the cache in the builder's registry; without that cache the dependency step runs again", async () => {
    // With the registry's storage (what the workflow's cache restores), then without it.
    release("apps/api/server.js", "api-2", "api-3");
    const cached = await apiBuildOnEmptiedRunner("withRegistryCache", emptyBuilder);
    release("apps/api/server.js", "api-3", "api-4");
    const cold = await apiBuildOnEmptiedRunner("withoutCache", () => {
        emptyBuilder();
        docker(["rm", "-f", LOCAL_REGISTRY_CONTAINER]);
    });
    report.buildCache = { apiRebuildOnEmptyRunnerSeconds: { withRegistryCache: cached, withoutCache: cold } };
    expect(JSON.parse(routed(API_HOST, "/api/health").body)).toMatchObject({ release: "api-4" });
    // The 15 s dependency step of tests/engine/app/apps/api/Dockerfile is what the cache saves.
    expect(cold - cached).toBeGreaterThanOrEqual(10);
});

test("with two web tasks, a web rollout breaks no page load either: every task serves both releases' assets", async () => {
    await cli.ok(["config", "set", "--path", "dropit:web.replicas", "2"]);
    webRelease("web-2", "web-3");
    const figures = await rolloutUnderLoad("webChangeTwoReplicas", { pageLoads: true });
    expect((figures.changedResources as string[]).every((change) => / web-/.test(change))).toBe(true);
    expect(vps.execOk("docker service ls --filter name=dropit-web --format '{{.Replicas}}'")).toBe("2/2");
    expectNoBrokenPage(figures.pageLoads as PageFigures);
});

test("control: the same client breaks page loads when the rollout runs without asset bridging", async () => {
    await cli.ok(["config", "set", "--path", "dropit:web.assetBridge", "false"]);
    webRelease("web-3", "web-4");
    const figures = await rolloutUnderLoad("webChangeOldBehaviour", { pageLoads: true });
    const pages = figures.pageLoads as PageFigures;
    expect(pages.total).toBeGreaterThanOrEqual(MIN_PAGE_LOADS);
    expect(pages.broken).toBeGreaterThan(0);
    expect(routed(DOMAIN, "/").body).toContain("web-4");
});

test("a new dokploy.version goes through the installer's update path, not a reinstall, and leaves the app's services alone", async () => {
    const tasksBefore = runningTasks();
    await cli.ok(["config", "set", "--path", "dropit:dokploy.version", NEXT_VERSION]);
    const changedResources = plannedChanges((await cli.ok(["preview", "--json"], LONG)).stdout);
    const up = await cli.ok(["up", "--yes", "--skip-preview"], LONG);
    report.dokployUpdate = { changedResources, upSeconds: up.seconds, installerRuns: installerRuns(vps) };
    // Only the install step: a lookup keyed on its output made the preview replace every service on the network.
    expect(changedResources).toEqual(["update dokploy-dokploy"]);
    expect(vps.execOk("docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' dokploy")).toBe(`dropit-standin/dokploy:${NEXT_VERSION}`);
    expect(installerRuns(vps).slice(1)).toEqual([`run update version=${NEXT_VERSION}`]);
    await waitFor("the panel after its update", 60_000, () => curlOnVps(vps, `https://dokploy.${DOMAIN}/api/health`).status === "200", 1000);
    expect(runningTasks()).toBe(tasksBefore);
    expect(routed(DOMAIN, "/").body).toContain("web-4");
    expect((await cli.run(["preview", "--expect-no-changes"], LONG)).status).toBe(0);
});

test("an up killed with SIGKILL midway is recovered with cancel, refresh and up, and converges", async () => {
    webRelease("web-4", "web-5");
    const running = cli.start(["up", "--yes", "--skip-preview"]);
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline && !/web-service +updating/.test(running.output.stdout()) && running.child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const killedMidway = running.child.exitCode === null;
    process.kill(-running.child.pid!, "SIGKILL");
    await new Promise((resolve) => running.child.once("close", resolve));
    const leftovers = cli.killLeftovers();
    expect(killedMidway).toBe(true);

    const blocked = await cli.run(["up", "--yes"], LONG);
    const nextUp = blocked.status === 0 ? "succeeded" : (/error: .*/.exec(blocked.stderr + blocked.stdout)?.[0] ?? "failed");
    await cli.run(["cancel", "--yes"]);
    await cli.ok(["refresh", "--yes", "--clear-pending-creates"], LONG);
    await cli.ok(["up", "--yes"], LONG);
    const check = await cli.run(["preview", "--expect-no-changes", "--diff"], LONG);
    const served = routed(DOMAIN, "/");
    const recovered = check.status === 0 && served.body.includes("web-5");
    report.killedUp = {
        nextUpBeforeRecovery: nextUp,
        pluginProcessesLeftByTheKill: leftovers,
        recovered,
        ...(recovered ? {} : { previewAfter: check.stdout.slice(-3000), served: `${served.status} ${served.body.slice(0, 300)}` }),
    };
    expect(recovered).toBe(true);
});

test("the backup command the up installed dumps the real database; the restore command brings deleted rows back", async () => {
    const backupDir = "/var/backups/dropit/postgres";
    const dumpsBefore = vps.execOk(`ls ${backupDir}`).split("\n").filter(Boolean);
    runUnitExecStart(vps, "/etc/systemd/system/dropit-pg-backup.service", 120_000);
    const dumps = vps.execOk(`ls ${backupDir}`).split("\n").filter(Boolean);
    const newest = dumps.filter((dump) => !dumpsBefore.includes(dump)).pop();
    expect(newest).toMatch(/^dropit-\d{8}T\d{6}Z\.dump$/);
    sql("DELETE FROM engine_rows WHERE id > 10");
    expect(sql("SELECT count(*) FROM engine_rows")).toEqual(["10"]);
    const started = Date.now();
    vps.execOk(`/usr/local/sbin/dropit-pg-restore ${backupDir}/${newest} --yes`, { timeoutMs: 300_000 });
    report.backupRestore = {
        dumpsBefore: dumpsBefore.length,
        dumpBytes: Number(vps.execOk(`stat -c %s ${backupDir}/${newest}`)),
        restoreSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
    expect(sql("SELECT count(*) FROM engine_rows")).toEqual(["100"]);
    await waitFor("the API after the restore", 90_000, () => routed(API_HOST, "/api/health").status === "200", 1000);
    // The restore scaled the API down and back: the stack is as the program declares it.
    expect((await cli.run(["preview", "--expect-no-changes"], LONG)).status).toBe(0);
});

/** One run of the watchdog as its timer starts it (asynchronous: it calls back the receivers in this process). */
const runWatchdog = () => runUnitExecStartAsync(vps, "/etc/systemd/system/dropit-watchdog.service");

/** Runs `watching` with the VPS's command lines sampled every 50 ms; returns what it returned and every distinct line seen. */
async function withCommandLines<T>(watching: () => Promise<T>): Promise<{ result: T; commandLines: string }> {
    const stopSampling = startPsSampler(vps, { distinct: true });
    let result: T;
    try {
        result = await watching();
    } catch (error) {
        stopSampling();
        throw error;
    }
    return { result, commandLines: stopSampling() };
}

/** The watchdog ran while sampled, and its webhook and heartbeat tokens were on none of the lines. */
function expectUrlsOffCommandLines(commandLines: string): void {
    expect(commandLines).toContain("dropit-watchdog");
    expect([SECRETS.alertToken, SECRETS.heartbeatToken].filter((token) => commandLines.includes(token))).toEqual([]);
}

test("the watchdog the up installed checks the deployed stack: every check passes after all the deploys above, the heartbeat is pinged, nothing alerts", async () => {
    expect(vps.execOk("stat -c '%a %U' /etc/dropit/watchdog.secrets.env /usr/local/sbin/dropit-watchdog")).toBe("600 root\n755 root");
    expect(vps.execOk("readlink /etc/systemd/system/timers.target.wants/dropit-watchdog.timer")).toBe("/etc/systemd/system/dropit-watchdog.timer");
    const { result: output, commandLines } = await withCommandLines(runWatchdog);
    const states = watchdogStates(vps);
    report.watchdog = { healthyRun: output.split("\n").pop(), states, alerts: alerts.hits.length, heartbeats: heartbeats.hits.map((hit) => hit.body) };
    expect(Object.entries(states).filter(([, state]) => state !== "ok")).toEqual([]);
    expect(Object.keys(states)).toEqual(expect.arrayContaining(["api-health", "web-health", "postgres", "backup", "service-dropit-api", "service-dropit-web"]));
    expect(output).toContain(`${Object.keys(states).length} checks, 0 firing`);
    expect(output).not.toContain("failed");
    expect(alerts.hits).toEqual([]);
    expect(heartbeats.hits.map((hit) => hit.path)).toEqual([`/ping/${SECRETS.heartbeatToken}`]);
    expect(heartbeats.hits[0].body).toBe(`all ${Object.keys(states).length} checks ok`);
    expectUrlsOffCommandLines(commandLines);
});

test("with the API down, the watchdog alerts once after forSeconds, and once resolved when it is back; its URLs never reach a command line", async () => {
    vps.execOk("docker service scale -d dropit-api=0 >/dev/null");
    const started = Date.now();
    const titled = (suffix: string) => alerts.hits.filter((hit) => hit.title.endsWith(suffix));
    const { commandLines } = await withCommandLines(async () => {
        try {
            await waitFor("the api-health alert", 90_000, async () => (await runWatchdog(), titled("api-health FIRING").length > 0), 2000);
        } finally {
            vps.execOk("docker service scale -d dropit-api=1 >/dev/null");
        }
        await waitFor("the API back through the router", 90_000, () => routed(API_HOST, "/api/health").status === "200", 1000);
        await waitFor("the api-health recovery", 60_000, async () => (await runWatchdog(), titled("api-health RESOLVED").length > 0), 2000);
    });
    const firedAfterSeconds = Math.round((titled("api-health FIRING")[0].at - started) / 100) / 10;
    (report.watchdog as Record<string, unknown>).apiDown = { firedAfterSeconds, alerts: alerts.hits.map((hit) => hit.title) };
    expect(firedAfterSeconds).toBeGreaterThanOrEqual(WATCH_FOR_SECONDS);
    expect(titled("api-health FIRING")).toHaveLength(1);
    expect(titled("api-health RESOLVED")).toHaveLength(1);
    expect(alerts.hits.map((hit) => hit.path)).toEqual(alerts.hits.map(() => `/alerts/${SECRETS.alertToken}`));
    expectUrlsOffCommandLines(commandLines);
    expect((await cli.run(["preview", "--expect-no-changes"], LONG)).status).toBe(0);
});

test("destroy removes the services and keeps the volume, its rows and Dokploy; up brings the services back on the same data", async () => {
    await cli.ok(["destroy", "--yes"], LONG);
    const services = vps.execOk("docker service ls --format '{{.Name}}'").split("\n");
    expect(services.filter((name) => name.startsWith("dropit-"))).toEqual([]);
    const volumeKept = vps.exec(`docker volume inspect ${POSTGRES_VOLUME}`).status === 0;
    const dokployKept = services.includes("dokploy") && vps.execOk("docker inspect -f '{{.State.Running}}' dokploy-traefik") === "true";
    // The Docker provider's Image has no delete: the built images stay on the VPS.
    report.appImagesLeftAfterDestroy = Number(vps.execOk("docker images --format '{{.Repository}}' | grep -cE '/dropit-(api|web)$' || true"));
    await cli.ok(["up", "--yes"], LONG);
    await waitFor("the web app back through the router", 60_000, () => routed(DOMAIN, "/").body.includes("web-5"), 1000);
    const rowsKept = sql("SELECT count(*) FROM engine_rows")[0] === "100";
    report.destroy = { volumeKept, rowsKept, dokployKept };
    expect(report.destroy).toEqual({ volumeKept: true, rowsKept: true, dokployKept: true });
    await readSecretOutputs();
});

test("uninstallOnDestroy set on a running stack: the up updates only the install step, which leaves the running Dokploy alone", async () => {
    const tasksBefore = runningTasks();
    const runsBefore = installerRuns(vps);
    await cli.ok(["config", "set", "--path", "dropit:dokploy.uninstallOnDestroy", "true"]);
    const changedResources = plannedChanges((await cli.ok(["preview", "--json"], LONG)).stdout);
    const up = await cli.ok(["up", "--yes", "--skip-preview"], LONG);
    // pulumi-command runs a step's update on any change of its inputs, the delete command included:
    // the update script finds the pinned version running (the step's stdout, as the state keeps it).
    const installStep = (await exportedResources(cli)).find((resource) => resource.urn.endsWith("::dokploy-dokploy"));
    const stdout = installStep?.outputs?.stdout;
    const updateSaid = (typeof stdout === "string" ? stdout : "").trim();
    report.uninstallFlag = { changedResources, upSeconds: up.seconds, updateSaid };
    expect(changedResources).toEqual(["update dokploy-dokploy"]);
    expect(updateSaid).toMatch(/^dropit: Dokploy already runs \S+ \(\S+\); not updated$/);
    expect(installerRuns(vps)).toEqual(runsBefore);
    expect(runningTasks()).toBe(tasksBefore);
    expect((await cli.run(["preview", "--expect-no-changes"], LONG)).status).toBe(0);
});

test("refresh, preview and destroy work from a second checkout that never ran up, as the CI workflow runs them; that destroy uninstalls Dokploy and keeps the database volume", async () => {
    const checkout = secondCheckout();
    forgetSshIdentities();
    const second = new PulumiCli(cli.binary, checkout, SECRETS.passphrase, { stateDir: cli.stateDir });
    // As the workflow sets it: refresh and destroy run the program, which writes the SSH files the
    // Docker provider's stored options point at (docs/troubleshooting.md).
    const withProgram = new PulumiCli(cli.binary, checkout, SECRETS.passphrase, { stateDir: cli.stateDir, env: { PULUMI_RUN_PROGRAM: "true" } });
    // Each CLI has its own Pulumi home, so no stack is selected there: every command names it.
    const onStack = ["--stack", STACK];
    try {
        const bare = await second.run(["refresh", "--yes", ...onStack], LONG);
        const withoutProgram = bare.status === 0 ? "succeeded" : (/error: .*/.exec(bare.stdout + bare.stderr)?.[0] ?? "failed");
        forgetSshIdentities();
        const refreshRun = await withProgram.run(["refresh", "--yes", ...onStack], LONG);
        const refresh = refreshRun.status === 0;
        forgetSshIdentities();
        const previewRun = await withProgram.run(["preview", "--expect-no-changes", "--diff", ...onStack], LONG);
        const preview = previewRun.status === 0;
        forgetSshIdentities();
        const destroyRun = await withProgram.run(["destroy", "--yes", ...onStack], LONG);
        const destroy = destroyRun.status === 0;
        const failed = [refreshRun, previewRun, destroyRun].find((run) => run.status !== 0);
        report.freshCheckout = {
            refresh,
            preview,
            destroy,
            refreshWithoutRunProgram: withoutProgram,
            ...(failed ? { firstFailure: (failed.stdout + failed.stderr).slice(-4000) } : {}),
        };
        cli.transcript.push(...second.transcript, ...withProgram.transcript);
        expect(report.freshCheckout).toMatchObject({ refresh: true, preview: true, destroy: true });
        report.uninstalled = {
            swarm: vps.execOk("docker info --format '{{.Swarm.LocalNodeState}}'"),
            etcDokploy: vps.exec("test -e /etc/dokploy").status === 0,
            traefik: vps.execOk("docker ps -aq --filter name=dokploy-traefik"),
            dokployVolume: vps.exec("docker volume inspect dokploy-postgres").status === 0,
            databaseVolumeKept: vps.exec(`docker volume inspect ${POSTGRES_VOLUME}`).status === 0,
        };
        expect(report.uninstalled).toEqual({ swarm: "inactive", etcDokploy: false, traefik: "", dokployVolume: false, databaseVolumeKept: true });
    } finally {
        second.remove();
        withProgram.remove();
        fs.rmSync(checkout, { recursive: true, force: true });
    }
});

test("no secret value appears in the state, the backend's files or anything the CLI printed", async () => {
    const found = await secretsFound(cli, STACK_FILE, canaries);
    // The command provider's previous-output variables, which Debian's sshd refuses with a warning (they are off).
    report.previousOutputWarnings = cli.transcript.join("\n").split("PULUMI_COMMAND_STDOUT").length - 1;
    report.secretsFound = found;
    report.secretsSearched = [...canaries.keys()];
    expect(canaries.size).toBeGreaterThanOrEqual(7);
    expect(report.secretsFound).toEqual([]);
});
