/**
 * The nodes lifecycle under the real engine (docs/nodes.md): two bare Debian bookworm VPS
 * (tests/support/testHost.ts) on a Docker network of the suite's own, a real registry on it
 * (Debian's docker-registry, TLS, htpasswd), and the real CLI and plugins driving the whole program
 * with `dropit:nodes`, exactly as a user runs it: a first `up` converges both machines into one
 * Swarm, then the configuration removes the node, adds it back, and goes back to one node, one
 * `pulumi up` each, with requests going through the router the whole time.
 *
 * Images: the default with nodes. They are built where `pulumi up` runs and pushed to the registry,
 * and every node pulls them by digest with the registry login. "Where `pulumi up` runs" is a third
 * machine of the suite's network, standing in for a CI runner: its own Docker engine (DOCKER_HOST
 * of the CLI) trusts the registry's CA as a runner trusts a real registry, so this machine's
 * engine, shared by every suite, is left alone. Neither server ever builds.
 *
 * Same kernel limits as tests/engine/program.engine.test.ts (no IPVS: dnsrr; no systemd).
 * Writes .tmp/engine-nodes-report.json. Bounded: every CLI command has a timeout, every wait a
 * limit; afterAll removes the hosts, the registry, the network, the backend and the stack file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FIRST_NODE_NAME } from "../../config/names";
import { docker, dockerOk, ensureDockerEngine, waitFor } from "../support/dockerd";
import { startFakeDnsServer, type FakeDnsServer } from "../support/fakeDnsServer";
import { EngineApp, exportedResources, secretsFound, plannedChanges, routed as routedOn, setBaseStackConfig, sql as sqlOn, startRouterLoad, type LoadFigures } from "../support/engineStack";
import { ensureStandInImages } from "../support/engineStandIns";
import { buildTraces } from "../support/hostChecks";
import { findPulumi, PulumiCli } from "../support/pulumiCli";
import { startPsSampler } from "../support/psSampler";
import { startRegistry, type TestRegistry } from "../support/registry";
import { buildStandInImages, prepareStandIn } from "../support/standInInstaller/images";
import { ensureVpsImage, loadImagesIntoVps, startVps, type TestVps } from "../support/testHost";

jest.setTimeout(900_000);

const ROOT = path.resolve(__dirname, "..", "..");
const STACK = "enginenodes";
const STACK_FILE = path.join(ROOT, `Pulumi.${STACK}.yaml`);
const PREFIX = "dropit-enodes";
const NETWORK = `${PREFIX}-net`;
const REPORT = path.join(ROOT, ".tmp", "engine-nodes-report.json");
const DOMAIN = "example.test";
const API_HOST = `api.${DOMAIN}`;
const HOSTS = [DOMAIN, API_HOST, `traefik.${DOMAIN}`, `dokploy.${DOMAIN}`];
const VERSION = "v0.29.2";
const WORKER = "node-2";
const LONG = { timeoutMs: 840_000 };
/** Requests each lifecycle event must carry through the router (web and API together). */
const MIN_REQUESTS = 300;

const SECRETS = {
    passphrase: "engineNodes-PASSPHRASE-5a7e",
    brevoApiKey: "engineNodesBREVO0c93ab",
    registryPassword: "engineNodes-REGISTRY-e1f4",
};

let cli: PulumiCli;
let main: TestVps;
let worker: TestVps;
/** The machine whose engine builds and pushes (the CLI's DOCKER_HOST). */
let runner: TestVps;
let registry: TestRegistry;
let dns: FakeDnsServer;
let engine: { release(): Promise<void> } | undefined;
const address = new Map<TestVps, string>();
let vpsImage: string;
/** When the machines started, in the first server's clock (Unix seconds): its engine's events since then. */
let suiteStarted = 0;
/** Every distinct command line on each machine during the first up (sampled every 50 ms). */
const processLists = new Map<TestVps, string>();
const app = new EngineApp(path.join(ROOT, ".tmp", "engine-nodes-app"));
const canaries = new Map<string, string>();
const report: Record<string, unknown> = {};

const routed = (host: string, urlPath: string) => routedOn(main, host, urlPath);
const set = (key: string, value: string) => cli.ok(["config", "set", "--path", key, value]);

async function listWorker(): Promise<void> {
    await set("dropit:nodes[0].name", WORKER);
    await set("dropit:nodes[0].host", "127.0.0.1");
    await set("dropit:nodes[0].port", String(worker.sshPort));
    await set("dropit:nodes[0].hostKey", worker.hostKey);
    await set("dropit:nodes[0].privateAddress", address.get(worker)!);
    // sshd listens on 22 inside the VPS; the suite reaches it through Docker's port-forward.
    await set("dropit:nodes[0].firewallSshPort", "22");
    await set("dropit:nodes[0].labels.zone", "z2");
}

/** The Swarm's nodes as `<host name> <status> <availability>` (the VPS host names are the configured node names). */
function swarmNodes(): string[] {
    return main.execOk("docker node ls --format '{{.Hostname}} {{.Status}} {{.Availability}}' | sort").split("\n");
}

/** The node of every running task of a service, sorted. */
function placementOf(service: string): string[] {
    return main
        .execOk(`docker service ps ${service} --filter desired-state=running --format '{{.CurrentState}} {{.Node}}' | awk '$1 == "Running" { print $NF }' | sort`)
        .split("\n")
        .filter(Boolean);
}

function placement(): Record<string, string[]> {
    return Object.fromEntries(["dropit-postgres", "dropit-api", "dropit-web"].map((service) => [service, placementOf(service)]));
}

/** The app repositories the runner's engine holds, pushed to the registry. */
function runnerImages(): string[] {
    const prefix = `${registry.server}/dropitbot/`;
    const repositories = runner.execOk("docker images --format '{{.Repository}}'").split("\n");
    return [...new Set(repositories.filter((name) => name.startsWith(prefix)).map((name) => name.slice(prefix.length)))].sort();
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The image a service runs, as its spec names it. */
const serviceImage = (service: string) => main.execOk(`docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' ${service}`);

interface EventFigures {
    changedResources: string[];
    upSeconds: number;
    web: LoadFigures;
    api: LoadFigures;
    placement: Record<string, string[]>;
    nodes: string[];
}

/** One `pulumi up` of a configuration change, with web pages and API calls going through the router on the first server. */
async function lifecycleEvent(label: string): Promise<EventFigures> {
    const changedResources = plannedChanges((await cli.ok(["preview", "--json"], LONG)).stdout);
    const web = startRouterLoad(main, `${label}-web`, { host: DOMAIN, urlPath: "/", marker: 'content="web-' });
    const api = startRouterLoad(main, `${label}-api`, { host: API_HOST, urlPath: "/api/health", marker: '"release":"api-' });
    let up: { seconds: number } | undefined;
    try {
        up = await cli.ok(["up", "--yes", "--skip-preview"], LONG);
    } finally {
        const figures = { changedResources, upSeconds: up?.seconds ?? -1, web: web.stop(), api: api.stop(), placement: placement(), nodes: swarmNodes() };
        (report.events as Record<string, EventFigures>)[label] = figures;
    }
    return (report.events as Record<string, EventFigures>)[label];
}

function expectNoFailedRequest(figures: EventFigures): void {
    expect({ web: figures.web.failures, api: figures.api.failures }).toEqual({ web: [], api: [] });
    expect(figures.web.requests + figures.api.requests).toBeGreaterThanOrEqual(MIN_REQUESTS);
}

beforeAll(async () => {
    const binary = findPulumi();
    if (!binary) throw new Error("no pulumi CLI: run `bash scripts/setup.sh` (it installs the engine and its plugins)");
    const started = Date.now();
    engine = await ensureDockerEngine();
    vpsImage = ensureVpsImage().image;
    const standIns = ensureStandInImages();
    const installerImages = buildStandInImages([VERSION], HOSTS, { router: "traefik" });
    docker(["network", "rm", NETWORK]);
    dockerOk(["network", "create", NETWORK]);
    [main, worker, runner] = await Promise.all([
        ...[FIRST_NODE_NAME, WORKER].map((hostname, index) => startVps(vpsImage, `${PREFIX}-${index + 1}`, { network: NETWORK, hostname })),
        startVps(vpsImage, `${PREFIX}-runner`, { network: NETWORK, hostname: "ci-runner", dockerApi: true }),
    ]);
    // One SSH key logs in everywhere (dropit:sshPrivateKey), as on real servers.
    worker.execOk("cat >> /home/deploy/.ssh/authorized_keys", { input: fs.readFileSync(`${main.privateKeyFile}.pub`) });
    let installerUrl = "";
    for (const vps of [main, worker]) {
        installerUrl = prepareStandIn(vps, installerImages);
        address.set(vps, dockerOk(["inspect", "-f", `{{(index .NetworkSettings.Networks "${NETWORK}").IPAddress}}`, vps.container]));
        vps.execOk("install -m 0755 /dev/stdin /usr/local/bin/systemctl", { input: '#!/bin/sh\necho "systemctl $*" >> /var/log/dropit-systemctl.log\n' });
    }
    // The runner builds: the app images' bases, under the names their Dockerfiles use. The first server runs PostgreSQL.
    loadImagesIntoVps(runner, [standIns.images.node, standIns.images.nginx]);
    runner.execOk(`docker tag ${standIns.images.node} node:20-alpine && docker tag ${standIns.images.nginx} nginx:1.27-alpine`);
    loadImagesIntoVps(main, [standIns.images.postgres]);
    main.execOk(`docker tag ${standIns.images.postgres} postgres:15-alpine`);
    registry = await startRegistry({
        vpsImage,
        network: NETWORK,
        container: `${PREFIX}-registry`,
        hostname: `registry.${DOMAIN}`,
        username: "dropitbot",
        password: SECRETS.registryPassword,
    });
    for (const vps of [main, worker, runner]) registry.trustFrom(vps);
    suiteStarted = Number(main.execOk("sleep 1; date +%s"));
    report.setUpSeconds = Math.round((Date.now() - started) / 100) / 10;

    dns = await startFakeDnsServer({}, () => ({ kind: "answer", address: "127.0.0.1" }));
    app.write();
    cli = new PulumiCli(binary, ROOT, SECRETS.passphrase, { env: { DOCKER_HOST: runner.dockerHost } });
    for (const [name, value] of Object.entries(SECRETS)) canaries.set(name, value);
    const keyLines = main.privateKey.trim().split("\n");
    canaries.set("sshPrivateKey", keyLines[Math.floor(keyLines.length / 2)]);
    await cli.ok(["stack", "init", STACK]);
    await setBaseStackConfig(cli, {
        domain: DOMAIN,
        vps: main,
        app,
        dokployVersion: VERSION,
        installerUrl,
        nameserver: dns.address,
        brevoApiKey: SECRETS.brevoApiKey,
    });
    await set("dropit:server.privateAddress", address.get(main)!);
    await set("dropit:registry.server", registry.server);
    await set("dropit:registry.username", "dropitbot");
    await cli.ok(["config", "set", "--secret", "dropit:registryPassword"], { input: SECRETS.registryPassword });
    await set("dropit:api.replicas", "2");
    await set("dropit:web.replicas", "2");
    // Room for the task a start-first update adds beside the two (config/nodes.ts refuses less).
    await set("dropit:cluster.maxReplicasPerNode", "2");
    await listWorker();
    report.events = {};
});

afterAll(async () => {
    fs.mkdirSync(path.dirname(REPORT), { recursive: true });
    fs.writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`engine nodes report: ${JSON.stringify(report)}`);
    if (process.env.DROPIT_E2E_KEEP !== "1") {
        main?.remove();
        worker?.remove();
        runner?.remove();
        registry?.remove();
        docker(["network", "rm", NETWORK]);
        await engine?.release();
        cli?.remove();
        fs.rmSync(STACK_FILE, { force: true });
        app.remove();
    }
    await dns?.close();
});

test("up converges two bare machines into one Swarm: the data on the first server, API and web tasks on both, images pulled by digest", async () => {
    expect((await cli.ok(["preview"], LONG)).stdout).toMatch(/\+ \d+ to create/);
    const sampling = [main, worker].map((vps) => [vps, startPsSampler(vps, { distinct: true })] as const);
    let up;
    try {
        up = await cli.ok(["up", "--yes", "--skip-preview"], LONG);
    } finally {
        for (const [vps, stop] of sampling) processLists.set(vps, stop());
    }
    report.up = { seconds: up.seconds, resources: (await exportedResources(cli)).length };
    expect(swarmNodes()).toEqual([`${FIRST_NODE_NAME} Ready Active`, `${WORKER} Ready Active`]);
    const labels = main.execOk(`docker node inspect --format '{{.Spec.Role}} {{json .Spec.Labels}}' ${WORKER}`);
    expect(labels).toBe(`worker {"dropit.node":"${WORKER}","zone":"z2"}`);
    report.placement = placement();
    expect(report.placement).toEqual({
        "dropit-postgres": [FIRST_NODE_NAME],
        "dropit-api": [FIRST_NODE_NAME, WORKER],
        "dropit-web": [FIRST_NODE_NAME, WORKER],
    });
    for (const service of ["dropit-api", "dropit-web"]) expect(serviceImage(service)).toMatch(new RegExp(`^${escapeRegExp(registry.server)}/\\S+/${service}@sha256:[0-9a-f]{64}$`));
    // Built by the runner's engine; neither server built anything, both only pulled.
    report.builtOn = { runner: runnerImages(), servers: Object.fromEntries([main, worker].map((vps) => [vps.container, buildTraces(vps, suiteStarted)])) };
    expect(report.builtOn).toEqual({
        runner: ["dropit-api", "dropit-web"],
        servers: Object.fromEntries([main, worker].map((vps) => [vps.container, { buildCacheRecords: 0, imageEvents: [] }])),
    });
    await waitFor("the web app through the router", 60_000, () => routed(DOMAIN, "/").body.includes("web-1"), 1000);
    expect(JSON.parse(routed(API_HOST, "/api/health").body)).toMatchObject({ release: "api-1" });
    sqlOn(main, "CREATE TABLE engine_rows (id serial PRIMARY KEY, note text NOT NULL); INSERT INTO engine_rows (note) SELECT 'row-' || g FROM generate_series(1, 50) g;");
    canaries.set("joinToken", main.execOk("docker swarm join-token -q worker"));
});

test("the join token and the registry password never reached a process list on either machine", () => {
    const token = canaries.get("joinToken")!;
    expect(token).toMatch(/^SWMTKN-1-/);
    // The join step ran while sampling: its script and curl's request to the worker's engine.
    expect(processLists.get(worker)).toContain("/swarm/join");
    const leaks = [...processLists].flatMap(([vps, lines]) =>
        [token.slice(-25), SECRETS.registryPassword].filter((secret) => lines.includes(secret)).map(() => vps.container),
    );
    expect(leaks).toEqual([]);
});

test("Swarm's ports answer the nodes and nobody else", () => {
    const probe = (from: string, to: string, port: number) =>
        docker(["exec", from, "bash", "-c", `timeout 3 bash -c '</dev/tcp/${to}/${port}' 2>/dev/null && echo open || echo closed`]).stdout.trim();
    expect(probe(worker.container, address.get(main)!, 2377)).toBe("open");
    expect(probe(main.container, address.get(worker)!, 7946)).toBe("open");
    // A stranger on the same network: a third container, no node of the Swarm.
    const stranger = `${PREFIX}-stranger`;
    docker(["rm", "-f", stranger]);
    dockerOk(["run", "-d", "--name", stranger, "--network", NETWORK, "--entrypoint", "sleep", vpsImage, "300"]);
    try {
        report.swarmPortsFromStranger = { manager2377: probe(stranger, address.get(main)!, 2377), worker7946: probe(stranger, address.get(worker)!, 7946) };
        expect(report.swarmPortsFromStranger).toEqual({ manager2377: "closed", worker7946: "closed" });
    } finally {
        docker(["rm", "-f", stranger]);
    }
});

test("a second preview plans no change", async () => {
    const changes = plannedChanges((await cli.ok(["preview", "--json"], LONG)).stdout);
    report.noopChanges = changes;
    expect(changes).toEqual([]);
});

test("the node removed from the configuration is drained and leaves, with no failed request", async () => {
    // docs/nodes.md: the cluster stays on while no node is listed, and one node may then hold every task and an update's extra one.
    await set("dropit:cluster.enabled", "true");
    await set("dropit:cluster.maxReplicasPerNode", "3");
    await cli.ok(["config", "rm", "dropit:nodes"]);
    const figures = await lifecycleEvent("nodeRemoved");
    expect(figures.nodes).toEqual([`${FIRST_NODE_NAME} Ready Active`]);
    expect(worker.execOk("docker info --format '{{.Swarm.LocalNodeState}}'")).toBe("inactive");
    expect(figures.placement).toEqual({
        "dropit-postgres": [FIRST_NODE_NAME],
        "dropit-api": [FIRST_NODE_NAME, FIRST_NODE_NAME],
        "dropit-web": [FIRST_NODE_NAME, FIRST_NODE_NAME],
    });
    expectNoFailedRequest(figures);
});

test("the node listed again joins, and the API and web tasks spread onto it, with no failed request", async () => {
    await listWorker();
    const figures = await lifecycleEvent("nodeAdded");
    expect(figures.nodes).toEqual([`${FIRST_NODE_NAME} Ready Active`, `${WORKER} Ready Active`]);
    expect(figures.placement["dropit-api"]).toContain(WORKER);
    expect(figures.placement["dropit-web"]).toContain(WORKER);
    expectNoFailedRequest(figures);
});

test("back to one node in the two documented ups: the node leaves, then the one-node deployment, on the same data", async () => {
    await cli.ok(["config", "rm", "dropit:nodes"]);
    const leaving = await lifecycleEvent("backToOneNodeLeave");
    expect(leaving.nodes).toEqual([`${FIRST_NODE_NAME} Ready Active`]);
    expectNoFailedRequest(leaving);
    await cli.ok(["config", "rm", "--path", "dropit:cluster.enabled"]);
    // On one server the default is SSH delivery, which needs the building engine on this machine's
    // own 127.0.0.1 (docs/images.md); the runner's is elsewhere, so the stack keeps the registry.
    await set("dropit:app.delivery", "registry");
    const oneNode = await lifecycleEvent("backToOneNode");
    expectNoFailedRequest(oneNode);
    // The same images as before: nothing rebuilt, still pinned by digest from the registry.
    expect(oneNode.changedResources.filter((change) => change.includes("-image"))).toEqual([]);
    for (const service of ["dropit-api", "dropit-web"]) expect(serviceImage(service)).toMatch(new RegExp(`^${escapeRegExp(registry.server)}/\\S+/${service}@sha256:`));
    expect(oneNode.placement["dropit-web"]).toEqual([FIRST_NODE_NAME, FIRST_NODE_NAME]);
    const check = await cli.run(["preview", "--expect-no-changes", "--diff"], LONG);
    expect({ status: check.status, tail: check.status === 0 ? "" : check.stdout.slice(-3000) }).toEqual({ status: 0, tail: "" });
    expect(sqlOn(main, "SELECT count(*) FROM engine_rows")).toEqual(["50"]);
});

test("no secret value (the registry password and the join token among them) appears in the state, the backend's files or the CLI's output", async () => {
    const found = await secretsFound(cli, STACK_FILE, canaries);
    report.secretsSearched = [...canaries.keys()];
    report.secretsFound = found;
    expect(canaries.size).toBe(5);
    expect(report.secretsFound).toEqual([]);
});
