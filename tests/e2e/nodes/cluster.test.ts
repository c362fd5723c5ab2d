/**
 * The multi-node proof (docs/nodes.md, "How it is proven"): three bare Debian bookworm "VPS"
 * (tests/support/testHost.ts: debootstrap root, sshd, sudo, each its own Docker engine and
 * network namespace) on a Docker network of this suite's own, converged into one Swarm by
 * replaying, over real SSH, the remote commands the program registers for a stack with
 * `dropit:nodes` (tests/support/hostReplay.ts): the first server's DokployHost (stand-in
 * installer), then the SwarmCluster and SwarmNode steps, the join token going from the first
 * manager's stdout to the node's stdin as Pulumi would pass it.
 *
 * What is not replayed: the Docker provider's resources (services, images). The services are
 * created with the Docker CLI from the plan's own replicas, placement, update settings and labels,
 * on stand-in images loaded into every engine. The node lifecycle as users run it (real `pulumi
 * up`s: join, removal, adding back, back to one node) is tests/engine/nodes.engine.test.ts. This
 * replay stays for what that run does not reach: three nodes, a node lost to a network cut,
 * every acknowledged write looked up afterwards, and asset bridging with both releases on
 * different nodes. (The join token sampled in process lists and the Swarm ports probed from a
 * stranger run under the engine.)
 * Requests go over HTTPS through the real Traefik (the version Dokploy runs, built from its Go
 * module by tests/support/traefik/build.sh) as `dokploy-traefik` on the first server: it reads
 * Dokploy's static config, the dynamic files the plan writes (the retry middleware and the
 * upstream transport among them) and the services' labels. This kernel has no IPVS, so the
 * services use `--endpoint-mode dnsrr`, their one label changed is `traefik.swarm.lbswarm=false`,
 * and Traefik balances over the tasks itself rather than through the service VIP used in
 * production.
 *
 * Writes .tmp/nodes-report.json. Bounded: every wait has a limit; afterAll removes what the
 * suite created (containers and network prefixed dropit-nodes-).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FIRST_NODE_NAME } from "../../../config/names";
import { ASSET_BRIDGE_SCRIPT, assetBridgeEnvironment, renderNginxConf, swarmAssetBridge, WEB_ROOT } from "../../../renderers/nginx";
import { ROUTER_RETRY_FILE } from "../../../renderers/routerRetry";
import { docker, dockerOk, ensureDockerEngine, waitFor } from "../../support/dockerd";
import { describeRuns, planForReplay, replay, runPlanned, type CommandRun, type RunOutputs } from "../../support/hostReplay";
import { plannedService, type PlannedService, type ReplayPlan } from "../../support/planCommands";
import { ensurePostgresImage } from "../../support/backupTargets";
import { ensureStandInImages } from "../../support/engineStandIns";
import { startRegistry, type TestRegistry } from "../../support/registry";
import { buildStandInImages, prepareStandIn, type StandInImages } from "../../support/standInInstaller/images";
import { ensureVpsImage, loadImagesIntoVps, startVps, type TestVps } from "../../support/testHost";

jest.setTimeout(600_000);

const PREFIX = "dropit-nodes";
const NETWORK = `${PREFIX}-net`;
const DOMAIN = "example.test";
/** The web app's host: the planned web service's Traefik rule. */
const ROUTED_HOST = DOMAIN;
/** The API's host: the planned API service's Traefik rule. */
const API_HOST = `api.${DOMAIN}`;
const VERSION = "v0.29.2";
const NEXT_VERSION = "v0.30.0";
const REGISTRY_PASSWORD = "e2e-NODES-registry-4d2b";
const REPORT = path.resolve(__dirname, "../../../.tmp/nodes-report.json");
/** Rows in PostgreSQL before the first event; each event adds the writes its load makes through the API. */
const SEEDED_ROWS = 200;

interface Failure {
    at: number;
    status: string;
    seconds: number;
}

interface LoadFigures {
    requests: number;
    failed: number;
    slowestSeconds: number;
    failures: Failure[];
}

interface EventFigures {
    requests: number;
    failed: number;
    seconds: number;
    /** Requests answered by a task on each node (each answer names its container). */
    servedBy?: Record<string, number>;
    /** The slowest request, in seconds (a retried one waits for the dial timeout first). */
    slowestSeconds?: number;
    /** The writes through the API during the event (one row each). */
    writes?: LoadFigures;
    /** Each failed request: when it started (seconds since the epoch), its status (000: no answer), how long it took. */
    failures?: Failure[];
    /** For a lost node: which, and seconds from the cut to Swarm marking it down. */
    lostNode?: string;
    /** When the node's network cut began (seconds since the epoch), and how long the cut took. */
    cutAt?: number;
    cutSeconds?: number;
    lostNodeDetectedAfterSeconds?: number;
}
const report = {
    nodes: [] as { name: string; role: string; address: string }[],
    convergeSeconds: 0,
    placement: {} as Record<string, string[]>,
    events: {} as Record<string, EventFigures>,
    rowsLost: -1,
    /** Writes the API acknowledged (seeded rows included), and rows stored twice. */
    rowsAcknowledged: 0,
    rowsDuplicated: -1,
    /** What each task of the asset-bridging service served, during its rollout and after. */
    assetBridge: undefined as undefined | Record<string, { node: string; release: string; a: string; b: string }[]>,
};
const durations: Record<string, number> = {};
const suiteStarted = Date.now();

let engine: { release(): Promise<void> } | undefined;
let vpsImage: string;
let registry: TestRegistry;
let installerUrl: string;
let images: StandInImages;
const hosts: TestVps[] = [];
let main: TestVps;
let workers: TestVps[];
const address = new Map<TestVps, string>();
const outputs: RunOutputs = new Map();
let plan: ReplayPlan;

const nodeName = (index: number) => `node-${index + 2}`;
/** The worker removed and added back by the lifecycle events. */
let removed = 1;

/** The worker running the most web tasks (Swarm decides where they land): the one whose loss or removal the load feels. */
function busiestWorker(): number {
    const web = placementOf("dropit-web");
    const count = (index: number) => web.filter((name) => name === nodeName(index)).length;
    const busiest = count(0) >= count(1) ? 0 : 1;
    if (count(busiest) === 0) throw new Error(`no web task on a worker: ${web.join(", ")}`);
    return busiest;
}

/** The app images as the services name them: `<repository>@sha256:<digest>`. */
const pinned = { api: "", web: "" };

/** Pushes `source` as `target` from the first server (root's client, logged in by the plan's registry-login step); its digest reference. */
function pushAs(source: string, target: string): string {
    main.execOk(`docker tag ${source} ${target} && docker push -q ${target} >/dev/null`, { timeoutMs: 120_000 });
    const repository = target.replace(/:[^:/]+$/, "");
    const digests = main.execOk(`docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' ${target}`).split("\n");
    const reference = digests.find((digest) => digest.startsWith(`${repository}@sha256:`));
    if (!reference) throw new Error(`no digest of ${repository} after the push: ${digests.join(", ")}`);
    return reference;
}

function stackConfig(nodes: readonly TestVps[]): Record<string, unknown> {
    return {
        "dropit:domain": DOMAIN,
        "dropit:acmeEmail": "ops@example.test",
        "dropit:server": {
            host: "127.0.0.1",
            port: main.sshPort,
            user: "deploy",
            hostKey: main.hostKey,
            privateAddress: address.get(main),
        },
        "dropit:sshPrivateKey": main.privateKey,
        "dropit:app": { source: "tests/fixtures/dropit-app" },
        "dropit:dokploy": { version: VERSION, installerUrl },
        // sshd listens on 22 inside each VPS; the suite reaches it through Docker's port-forward.
        "dropit:firewall": { sshPort: 22 },
        "dropit:registry": { server: registry.server, username: "dropitbot" },
        "dropit:registryPassword": REGISTRY_PASSWORD,
        "dropit:api": { replicas: 2 },
        "dropit:web": { replicas: 3 },
        "dropit:cluster": { maxReplicasPerNode: 2 },
        "dropit:nodes": nodes.map((vps) => ({
            name: nodeName(workers.indexOf(vps)),
            host: "127.0.0.1",
            port: vps.sshPort,
            hostKey: vps.hostKey,
            privateAddress: address.get(vps),
            firewallSshPort: 22,
            labels: { zone: `z${workers.indexOf(vps) + 2}` },
        })),
    };
}

const COMPONENTS = (nodes: readonly TestVps[]) => ["dokploy", "swarm", ...nodes.map((vps) => `node-${nodeName(workers.indexOf(vps))}`)];

/** The same stack with no node listed and the cluster settings gone: the one-node deployment. */
function oneNodeConfig(): Record<string, unknown> {
    const { "dropit:nodes": _nodes, "dropit:cluster": _cluster, ...rest } = stackConfig([]);
    return rest;
}

function planFor(nodes: readonly TestVps[]): ReplayPlan {
    return planForReplay(stackConfig(nodes), COMPONENTS(nodes), "nodes");
}

function expectAllSucceeded(runs: readonly CommandRun[], expected: number): void {
    if (runs.length !== expected || runs.some((run) => run.status !== 0))
        throw new Error(`replay did not complete:\n${describeRuns(runs)}`);
}

/** Every node's configured name (its dropit.node label) by Swarm node ID, nodes removed since included. */
const knownNodes = new Map<string, string>();
function nodeNamesById(): Map<string, string> {
    const lines = main.execOk(`docker node ls -q | xargs docker node inspect --format '{{.ID}} {{index .Spec.Labels "dropit.node"}}'`);
    for (const line of lines.split("\n")) {
        const [id, name] = line.split(" ");
        knownNodes.set(id, name);
    }
    return knownNodes;
}

/** The node of every web task's container (its host name is the container ID's first 12 characters), past tasks included. */
function webTaskNodes(): Map<string, string> {
    const names = nodeNamesById();
    const lines = main.execOk(`docker service ps dropit-web -q | xargs -r docker inspect --format '{{.NodeID}} {{json .Status}}'`);
    const byContainer = new Map<string, string>();
    for (const line of lines.split("\n").filter(Boolean)) {
        const [nodeId, status] = [line.slice(0, line.indexOf(" ")), line.slice(line.indexOf(" ") + 1)];
        // A task that never started has no container.
        const container = (JSON.parse(status) as { ContainerStatus?: { ContainerID?: string } }).ContainerStatus?.ContainerID;
        if (container) byContainer.set(container.slice(0, 12), names.get(nodeId) ?? nodeId);
    }
    return byContainer;
}

/** Where the running tasks of a service are, by configured node name (sorted, repeated per task). */
function placementOf(service: string): string[] {
    const names = nodeNamesById();
    const ids = main.execOk(
        `docker service ps ${service} --filter desired-state=running --format '{{.CurrentState}} {{.ID}}' | awk '$1 == "Running" { print $NF }' | xargs -r docker inspect --format '{{.NodeID}}'`,
    );
    return ids
        .split("\n")
        .filter(Boolean)
        .map((id) => names.get(id) ?? id)
        .sort();
}

async function waitForReplicas(service: string, replicas: number, timeoutMs = 180_000): Promise<void> {
    await waitFor(
        `${replicas} healthy tasks of ${service}`,
        timeoutMs,
        () => placementOf(service).length === replicas && healthy(service) >= replicas,
        1000,
    );
}

/** Tasks of the service whose container reports healthy (on any node: asked through each engine). */
function healthy(service: string): number {
    let count = 0;
    for (const vps of hosts) {
        const out = vps.exec(`docker ps --filter label=com.docker.swarm.service.name=${service} --filter health=healthy -q | wc -l`);
        if (out.status === 0) count += Number(out.stdout.trim());
    }
    return count;
}

/** The port Traefik sends the service's requests to (its planned label). */
function routedPort(planned: PlannedService): number {
    return Number(planned.labels[`traefik.http.services.${planned.name}.loadbalancer.server.port`] ?? 3000);
}

interface RunAs {
    /** Replaces the image's entry point. */
    entrypoint?: string;
    /** The container's command (default: the busybox stand-in answering on the routed port). */
    command?: string[];
    /** Its health check (default: GET /api/health on the routed port). */
    healthCmd?: string;
    /** `--mount` values. */
    mounts?: string[];
}

/**
 * The planned labels, but for one: without IPVS the services run in dnsrr mode, where Traefik
 * (v3.6, pswarm.go) silently skips a service labelled lbswarm=true (it has no VIP to send to):
 * here Traefik balances over the tasks.
 */
function suiteLabels(planned: PlannedService): Record<string, string> {
    return { ...planned.labels, ...(planned.labels["traefik.swarm.lbswarm"] ? { "traefik.swarm.lbswarm": "false" } : {}) };
}

/** What `pulumi up` changes when a service's planned labels go from `before` to `after` (its tasks keep running). */
function relabel(before: PlannedService, after: PlannedService): void {
    const [from, to] = [suiteLabels(before), suiteLabels(after)];
    const lines = [
        ...Object.keys(from)
            .filter((label) => !(label in to))
            .map((label) => `rm ${label}`),
        ...Object.entries(to)
            .filter(([label, value]) => from[label] !== value)
            .map(([label, value]) => `add ${label}=${value}`),
    ];
    main.execOk(
        `changes=(); while IFS= read -r line; do case $line in "rm "*) changes+=(--label-rm "\${line#rm }") ;; "add "*) changes+=(--label-add "\${line#add }") ;; esac; done; docker service update --quiet "\${changes[@]}" ${after.name} >/dev/null`,
        { input: `${lines.join("\n")}\n` },
    );
}

/**
 * `docker service create` from the plan's own replicas, placement, update settings, environment
 * and labels (Traefik's routing among them). Labels, environment and the container's command
 * reach the shell as stdin lines, never spliced into its text.
 */
function createService(planned: PlannedService, image: string, runAs: RunAs = {}): void {
    const port = routedPort(planned);
    const healthCmd = runAs.healthCmd ?? `busybox wget -q -O /dev/null http://127.0.0.1:${port}/api/health`;
    const args = [
        "docker service create -d --no-resolve-image --with-registry-auth",
        `--name ${planned.name} --replicas ${planned.replicas}`,
        "--network dokploy-network --endpoint-mode dnsrr",
        ...(planned.placement?.constraints ?? []).map((constraint) => `--constraint '${constraint}'`),
        planned.placement?.maxReplicas !== undefined ? `--replicas-max-per-node ${planned.placement.maxReplicas}` : "",
        planned.updateConfig?.order ? `--update-order ${planned.updateConfig.order}` : "",
        planned.updateConfig?.parallelism !== undefined ? `--update-parallelism ${planned.updateConfig.parallelism}` : "",
        planned.updateConfig?.failureAction ? `--update-failure-action ${planned.updateConfig.failureAction}` : "",
        `--health-cmd '${healthCmd}' --health-interval 1s --health-timeout 2s --health-retries 2 --health-start-period 1s`,
        ...(runAs.mounts ?? []).map((mount) => `--mount ${mount}`),
        runAs.entrypoint ? `--entrypoint ${runAs.entrypoint}` : "",
        '"${options[@]}"',
        image,
        '"${command[@]}"',
    ];
    const lines = [
        ...Object.entries(suiteLabels(planned)).map(([label, value]) => `label ${label}=${value}`),
        ...Object.entries(planned.env).map(([name, value]) => `env ${name}=${value}`),
        ...(runAs.command ?? ["/bin/nc", "-ll", "-p", String(port), "-e", "/standin/api.sh"]).map((arg) => `arg ${arg}`),
    ];
    main.execOk(
        `options=(); command=(); while IFS= read -r line; do case $line in "label "*) options+=(--label "\${line#label }") ;; "env "*) options+=(--env "\${line#env }") ;; "arg "*) command+=("\${line#arg }") ;; esac; done; ${args.filter(Boolean).join(" ")}`,
        { input: `${lines.join("\n")}\n` },
    );
}

/** What one request of the load saw. */
interface LoadRequest {
    at: number;
    /** For a write: `<event>-<index>`, the row's key. */
    key: string;
    status: string;
    seconds: number;
    /** A read: the answering task's container (its host name); a write: the new row's id. */
    answer: string;
}

type LoadKind = "read" | "write";

/**
 * A steady stream of requests through the router on the first server, each logged: reads of the
 * web app (which task answered), or writes through the API (one row each, with its own key).
 */
function startLoad(label: string, kind: LoadKind): () => LoadRequest[] {
    const slug = `${kind}-${label.replace(/[^a-z0-9]+/g, "-")}`;
    const log = `/var/tmp/${PREFIX}-load-${slug}.log`;
    const stop = `/run/${PREFIX}-load-${slug}`;
    main.execOk(`touch ${stop} && rm -f ${log}`);
    const curl = "curl -s --max-time 10 -w '\\n%{http_code} %{time_total}'";
    const request =
        kind === "read"
            ? `${curl} --resolve ${ROUTED_HOST}:443:127.0.0.1 https://${ROUTED_HOST}/standin/whoami`
            : `${curl} --resolve ${API_HOST}:443:127.0.0.1 -X POST -d '' "https://${API_HOST}/cgi-bin/write?key=${slug}-$i"`;
    // Bounded: at most 20 000 requests. A line per request: start, key, status, seconds, answer.
    dockerOk([
        "exec",
        "-d",
        main.container,
        "bash",
        "-c",
        `for i in $(seq 1 20000); do [ -e ${stop} ] || break; t=$(date +%s.%N); out=$(${request}); echo "$t ${slug}-$i \${out##*$'\\n'} \${out%%$'\\n'*}" >> ${log}; sleep 0.02; done; echo done >> ${log}`,
    ]);
    return () => {
        main.execOk(`rm -f ${stop}`);
        // The loop finishes its request in flight (at most 10 s), then writes `done`.
        const deadline = Date.now() + 20_000;
        let lines: string[] = [];
        while (Date.now() < deadline) {
            lines = main.execOk(`cat ${log} 2>/dev/null || true`).split("\n").filter(Boolean);
            if (lines[lines.length - 1] === "done") break;
            spinWait(200);
        }
        return lines
            .filter((line) => line !== "done")
            .map((line) => {
                const [at, key, status, took, answer = ""] = line.split(" ");
                return { at: Number(at), key, status, seconds: Number(took), answer: answer.trim() };
            });
    };
}

/** Requests, failures and the slowest, from what the load saw. */
function figuresOf(requests: readonly LoadRequest[]): LoadFigures {
    const failures = requests.filter((request) => request.status !== "200").map(({ at, status, seconds }) => ({ at, status, seconds }));
    return {
        requests: requests.length,
        failed: failures.length,
        slowestSeconds: Math.max(0, ...requests.map((request) => request.seconds)),
        failures,
    };
}

function spinWait(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `action` under load, with a steady stretch before and after so the load sees the whole change. */
async function underLoad(name: string, action: () => Promise<void> | void): Promise<EventFigures> {
    const nodesBefore = webTaskNodes();
    const started = Date.now();
    const stopReads = startLoad(name, "read");
    const stopWrites = startLoad(name, "write");
    await sleep(3000);
    try {
        await action();
        await sleep(3000);
    } finally {
        const reads = stopReads();
        const writes = stopWrites();
        const seconds = Math.round((Date.now() - started) / 100) / 10;
        const nodes = new Map([...nodesBefore, ...webTaskNodes()]);
        const servedBy: Record<string, number> = {};
        for (const { answer } of reads.filter((request) => request.status === "200")) {
            const node = nodes.get(answer) ?? `unknown ${answer}`;
            servedBy[node] = (servedBy[node] ?? 0) + 1;
        }
        acknowledged.push(...writes.filter((write) => write.status === "200" && /^\d+$/.test(write.answer)).map((write) => write.key));
        report.events[name] = { ...figuresOf(reads), seconds, servedBy, writes: figuresOf(writes) };
    }
    return report.events[name];
}

/** Keys of the writes the API acknowledged (answered with the new row's id), every event together. */
const acknowledged: string[] = [];

/** SQL (on stdin) run by psql in the PostgreSQL task on the data node, as the planned user; its rows, one per line. */
function sql(statement: string): string[] {
    const { POSTGRES_USER: user, POSTGRES_DB: database } = plannedPostgres().env;
    if (!/^\w+$/.test(user) || !/^\w+$/.test(database)) throw new Error(`unexpected planned user or database: ${user} ${database}`);
    const task = "$(docker ps -q --filter label=com.docker.swarm.service.name=dropit-postgres | head -n 1)";
    return main
        .execOk(`docker exec -i ${task} psql -X -q -t -A -v ON_ERROR_STOP=1 -U ${user} -d ${database}`, { input: `${statement}\n` })
        .split("\n")
        .filter(Boolean);
}

const plannedPostgres = () => plannedService(plan, "dropit-postgres");

/**
 * Every write the API acknowledged, through every event so far, is in PostgreSQL, and none twice
 * (Traefik retries only a request it could not send, so a POST never runs twice).
 */
function countRows(): { lost: number; duplicated: number } {
    const stored = new Set(sql("SELECT key FROM e2e_writes"));
    report.rowsLost = acknowledged.filter((key) => !stored.has(key)).length;
    report.rowsAcknowledged = acknowledged.length;
    report.rowsDuplicated = sql("SELECT key FROM e2e_writes GROUP BY key HAVING count(*) > 1").length;
    return { lost: report.rowsLost, duplicated: report.rowsDuplicated };
}

beforeAll(async () => {
    engine = await ensureDockerEngine();
    let started = Date.now();
    vpsImage = ensureVpsImage().image;
    images = buildStandInImages([VERSION, NEXT_VERSION], [DOMAIN, `api.${DOMAIN}`, `dokploy.${DOMAIN}`, `traefik.${DOMAIN}`], {
        router: "traefik",
        traefikTag: `${PREFIX}-standin/traefik:latest`,
    });
    durations["images"] = Date.now() - started;

    started = Date.now();
    docker(["network", "rm", NETWORK]);
    dockerOk(["network", "create", NETWORK]);
    const started3 = await Promise.all(
        [1, 2, 3].map((index) => startVps(vpsImage, `${PREFIX}-${index}`, { network: NETWORK, hostname: `${PREFIX}-${index}` })),
    );
    hosts.push(...started3);
    [main, ...workers] = started3;
    // One SSH key logs in everywhere (dropit:sshPrivateKey), as on real servers.
    for (const vps of workers) {
        vps.execOk("cat >> /home/deploy/.ssh/authorized_keys", { input: fs.readFileSync(`${main.privateKeyFile}.pub`) });
    }
    for (const vps of hosts) {
        installerUrl = prepareStandIn(vps, images);
        address.set(vps, dockerOk(["inspect", "-f", `{{(index .NetworkSettings.Networks "${NETWORK}").IPAddress}}`, vps.container]));
    }
    // A real registry (Debian's docker-registry, TLS, htpasswd) every node logs in to and pulls from.
    registry = await startRegistry({
        vpsImage,
        network: NETWORK,
        container: `${PREFIX}-registry`,
        hostname: `registry.${DOMAIN}`,
        username: "dropitbot",
        password: REGISTRY_PASSWORD,
    });
    for (const vps of hosts) registry.trustFrom(vps);
    durations["three hosts and the registry started"] = Date.now() - started;
    plan = planFor(workers);
});

afterAll(async () => {
    if (process.env.DROPIT_E2E_KEEP !== "1") {
        for (const vps of hosts) vps.remove();
        registry?.remove();
        docker(["network", "rm", NETWORK]);
        await engine?.release();
    }
    durations.suite = Date.now() - suiteStarted;
    fs.mkdirSync(path.dirname(REPORT), { recursive: true });
    fs.writeFileSync(REPORT, `${JSON.stringify({ ...report, durationsMs: durations }, null, 2)}\n`);
    console.log(`nodes report: ${JSON.stringify(report)}`);
});

describe("three bare hosts become one Swarm", () => {
    test("the replayed plan converges the first server and joins the two nodes", async () => {
        const started = Date.now();
        const runs = await replay(plan, { privateKey: main.privateKey }, undefined, outputs);
        report.convergeSeconds = Math.round((Date.now() - started) / 100) / 10;
        expectAllSucceeded(runs, plan.commands.length);
        const nodes = main.execOk("docker node ls --format '{{.Status}} {{.Availability}}'").split("\n");
        expect(nodes).toEqual(["Ready Active", "Ready Active", "Ready Active"]);
    });

    test("each node has its role and labels; the first server holds the data", () => {
        const labels = main.execOk(
            `docker node ls -q | xargs docker node inspect --format '{{index .Spec.Labels "dropit.node"}} {{.Spec.Role}} {{.Status.Addr}} {{json .Spec.Labels}}'`,
        );
        const byName = new Map(labels.split("\n").map((line) => [line.split(" ")[0], line]));
        expect(byName.get(FIRST_NODE_NAME)).toBe(`main manager ${address.get(main)} {"dropit.data":"true","dropit.node":"main"}`);
        expect(byName.get("node-2")).toBe(`node-2 worker ${address.get(workers[0])} {"dropit.node":"node-2","zone":"z2"}`);
        expect(byName.get("node-3")).toBe(`node-3 worker ${address.get(workers[1])} {"dropit.node":"node-3","zone":"z3"}`);
        report.nodes = [...byName.values()].map((line) => {
            const [name, role, addr] = line.split(" ");
            return { name, role, address: addr };
        });
    });
});

describe("asset bridging across nodes", () => {
    // Its own service, so the suite's web stand-in is untouched: the bridge finds the tasks of
    // whichever service it is rendered for.
    const service = `${PREFIX}-bridge`;
    const bridge = swarmAssetBridge(service);
    const assets = { a: "index-bridge-a1.js", b: "index-bridge-b2.js" } as const;
    const configs = { conf: `${service}-nginx`, script: `${service}-script` };
    const refs: Partial<Record<keyof typeof assets, string>> = {};

    /** A release of a web image: the nginx stand-in with an index.html and its one hashed asset. */
    function buildRelease(nginxImage: string, release: keyof typeof assets): string {
        const tag = `${registry.server}/dropitbot/${service}:${release}`;
        const dockerfile = [
            `FROM ${nginxImage}`,
            `RUN mkdir -p ${WEB_ROOT}/assets && echo '<script type="module" src="/assets/${assets[release]}"></script>' > ${WEB_ROOT}/index.html && echo 'console.log("${release}")' > ${WEB_ROOT}/assets/${assets[release]}`,
        ].join("\n");
        main.execOk(`docker build -q -t ${tag} - >/dev/null`, { input: `${dockerfile}\n`, timeoutMs: 120_000 });
        return pushAs(tag, tag);
    }

    /** What each running task of the service serves, asked inside its container on its own node. */
    function servedByEveryTask(): { node: string; release: string; a: string; b: string }[] {
        const served: { node: string; release: string; a: string; b: string }[] = [];
        for (const vps of hosts) {
            const containers = vps.execOk(`docker ps -q --filter status=running --filter label=com.docker.swarm.service.name=${service}`);
            for (const container of containers.split("\n").filter(Boolean)) {
                const image = vps.execOk(`docker inspect -f '{{.Config.Image}}' ${container}`);
                const release = image.endsWith(refs.b!.slice(refs.b!.indexOf("@"))) ? "b" : "a";
                const status = (asset: string) =>
                    vps.exec(`docker exec ${container} wget -q -T 5 -t 1 -O /dev/null http://127.0.0.1/assets/${asset}`).status === 0
                        ? "200"
                        : "missing";
                served.push({ node: vps.container, release, a: status(assets.a), b: status(assets.b) });
            }
        }
        return served;
    }

    const releasesRunning = () =>
        servedByEveryTask()
            .map((task) => task.release)
            .sort()
            .join("");

    beforeAll(async () => {
        const started = Date.now();
        const standIns = ensureStandInImages();
        loadImagesIntoVps(main, [standIns.images.nginx]);
        refs.a = buildRelease(standIns.images.nginx, "a");
        refs.b = buildRelease(standIns.images.nginx, "b");
        main.execOk(`docker config create ${configs.conf} - >/dev/null`, { input: renderNginxConf({ assetBridge: bridge }) });
        main.execOk(`docker config create ${configs.script} - >/dev/null`, { input: fs.readFileSync(ASSET_BRIDGE_SCRIPT.source, "utf8") });
        const env = Object.entries(assetBridgeEnvironment(bridge)).map(([name, value]) => `--env ${name}=${value}`);
        main.execOk(
            [
                `docker service create -d --quiet --no-resolve-image --with-registry-auth --name ${service} --replicas 3`,
                "--network dokploy-network --endpoint-mode dnsrr",
                `--config source=${configs.conf},target=/etc/nginx/conf.d/default.conf`,
                `--config source=${configs.script},target=${ASSET_BRIDGE_SCRIPT.target},mode=0555`,
                ...env,
                // Long enough between tasks to look at a Swarm running both releases on different nodes.
                "--update-order start-first --update-parallelism 1 --update-delay 20s",
                "--health-cmd 'wget -q -t 1 -O /dev/null http://127.0.0.1/' --health-interval 1s --health-timeout 2s --health-retries 2 --health-start-period 1s",
                refs.a,
            ].join(" "),
        );
        await waitForReplicas(service, 3);
        durations["asset bridging: images built, service running"] = Date.now() - started;
    });

    afterAll(() => {
        main.exec(`docker service rm ${service} >/dev/null; sleep 3; docker config rm ${configs.conf} ${configs.script} >/dev/null`);
    });

    test("mid-rollout, tasks of both releases on different nodes each serve both releases' assets; after it, every new task keeps the old release's", async () => {
        // Swarm spreads a service's tasks over the nodes (no per-node limit: start-first needs room for one more).
        expect(new Set(placementOf(service)).size).toBe(3);
        main.execOk(`docker service update -d --quiet --no-resolve-image --with-registry-auth --image ${refs.b} ${service}`);
        await waitFor("one task of the new release beside two of the old", 120_000, () => releasesRunning() === "aab", 500);
        const mixed = servedByEveryTask();
        await waitFor(
            "the rollout to complete",
            300_000,
            () => main.execOk(`docker service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' ${service}`) === "completed",
            1000,
        );
        const after = servedByEveryTask();
        report.assetBridge = { mixed, after };
        // Swarm places the new task where it likes: tasks of both releases on at least two nodes.
        expect(new Set(mixed.map((task) => task.node)).size).toBeGreaterThanOrEqual(2);
        expect(mixed.filter((task) => task.a !== "200" || task.b !== "200")).toEqual([]);
        expect(after.map((task) => task.release)).toEqual(["b", "b", "b"]);
        expect(after.filter((task) => task.a !== "200" || task.b !== "200")).toEqual([]);
    });
});

describe("placement and node lifecycle under load", () => {
    beforeAll(async () => {
        // In production Traefik sends to each service's VIP, which Swarm updates as tasks come and
        // go. Without IPVS it balances over the task list it polls (Dokploy's config: every 15 s),
        // which a rolling update outpaces: polling every 2 s stands in for the VIP's promptness.
        main.execOk(
            "sed -i '/^  swarm:$/a\\    refreshSeconds: 2s' /etc/dokploy/traefik/traefik.yml && docker restart dokploy-traefik >/dev/null",
        );
        expect(main.execOk("grep -A3 '^  swarm:' /etc/dokploy/traefik/traefik.yml")).toContain("refreshSeconds: 2s");
        let started = Date.now();
        // PostgreSQL (Debian's, tests/e2e/backup/postgres) with the planned environment: its image is
        // a public one, never pushed, so it is loaded into the first server's engine only.
        const postgresImage = ensurePostgresImage().image;
        loadImagesIntoVps(main, [postgresImage]);
        durations["PostgreSQL image built and loaded"] = Date.now() - started;
        const postgres = plannedPostgres();
        createService(postgres, postgresImage, {
            mounts: ["type=volume,source=dropit-postgres-data,target=/var/lib/postgresql/data"],
            command: postgres.args.length > 0 ? postgres.args : ["postgres"],
            healthCmd: "pg_isready -q -h 127.0.0.1",
        });
        await waitForReplicas("dropit-postgres", 1);
        sql("CREATE TABLE e2e_writes (id bigserial PRIMARY KEY, key text NOT NULL, at timestamptz NOT NULL DEFAULT now())");
        const seeded = Array.from({ length: SEEDED_ROWS }, (_, index) => `seed-${index + 1}`);
        sql(`INSERT INTO e2e_writes (key) SELECT 'seed-' || g FROM generate_series(1, ${SEEDED_ROWS}) g`);
        acknowledged.push(...seeded);

        // The nodes have no copy of the app images: they pull them from the registry, by digest. The
        // API stand-in writes rows into PostgreSQL, so it runs from the PostgreSQL image (psql).
        started = Date.now();
        for (const vps of workers)
            vps.execOk(`docker rmi dropit-standin/dokploy:${VERSION} dropit-standin/dokploy:${NEXT_VERSION} >/dev/null`);
        pinned.api = pushAs(postgresImage, plan.images["api-image"]);
        pinned.web = pushAs(`dropit-standin/dokploy:${VERSION}`, plan.images["web-image"]);
        durations["app images pushed"] = Date.now() - started;
        const api = plannedService(plan, "dropit-api");
        createService(api, pinned.api, { entrypoint: "/usr/local/bin/api-standin", command: [] });
        createService(plannedService(plan, "dropit-web"), pinned.web);
        await waitForReplicas("dropit-api", 2);
        await waitForReplicas("dropit-web", 3);
        // The router: the real Traefik on the first server, routing by the services' planned labels.
        for (const host of [ROUTED_HOST, API_HOST]) {
            await waitFor(
                `https://${host} through Traefik`,
                60_000,
                () => main.exec(`curl -sf --max-time 3 --resolve ${host}:443:127.0.0.1 https://${host}/api/health`).status === 0,
                1000,
            );
        }
    });

    test("the API and web images were pushed to the registry and every node runs them by digest", () => {
        expect(pinned.web).toMatch(new RegExp(`^${registry.server}/dropitbot/dropit-web@sha256:[0-9a-f]{64}$`));
        for (const [service, reference] of [
            ["dropit-api", pinned.api],
            ["dropit-web", pinned.web],
        ]) {
            expect(main.execOk(`docker service inspect --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}' ${service}`)).toBe(reference);
        }
        for (const vps of workers) {
            expect(vps.execOk("docker image ls --digests --format '{{.Repository}}@{{.Digest}}'").split("\n")).toContain(pinned.web);
        }
    });

    test("PostgreSQL on the data node, API and web spread over the nodes", () => {
        for (const service of ["dropit-postgres", "dropit-api", "dropit-web"]) report.placement[service] = placementOf(service);
        expect(report.placement["dropit-postgres"]).toEqual([FIRST_NODE_NAME]);
        expect(new Set(report.placement["dropit-api"]).size).toBe(2);
        expect(report.placement["dropit-web"]).toEqual(["main", "node-2", "node-3"]);
        expect(sql("SELECT count(*) FROM e2e_writes")).toEqual([String(SEEDED_ROWS)]);
    });

    test("a web rollout: every request through the router succeeds", async () => {
        const figures = await underLoad("web rollout", () => {
            // A new build of the web image (different bytes, so a different digest), pushed, then rolled out by digest.
            const next = plan.images["web-image"].replace(/:[^:/]+$/, ":next");
            main.execOk(`printf 'FROM ${pinned.web}\nLABEL dropit.e2e.build=next\n' | docker build -q -t ${next} - >/dev/null`);
            pinned.web = pushAs(next, next);
            main.execOk(`docker service update --quiet --no-resolve-image --with-registry-auth --image ${pinned.web} dropit-web`, {
                timeoutMs: 300_000,
            });
        });
        expect(figures.requests).toBeGreaterThan(50);
        expect(figures).toMatchObject({ failed: 0 });
        expect(figures.writes).toMatchObject({ failed: 0 });
    });

    test("a worker removed from the configuration is drained (its tasks start elsewhere first), then leaves", async () => {
        // The worker that runs the most web tasks now (Swarm placed them; either may hold none).
        removed = busiestWorker();
        const kept = 1 - removed;
        const name = nodeName(removed);
        const shrunk = planFor([workers[kept]]);
        const figures = await underLoad("worker drained and removed", async () => {
            // What `pulumi up` runs: updates in dependency order (departures first), then the deletes.
            const updates = await replay(
                shrunk,
                { privateKey: main.privateKey },
                (command) => ["swarm-departures", "swarm-swarm-firewall", `node-${nodeName(kept)}-swarm-firewall`].includes(command.name),
                outputs,
            );
            expectAllSucceeded(updates, 3);
            for (const [step, which] of [
                [`node-${name}-membership`, "delete"],
                [`node-${name}-join`, "delete"],
            ] as const) {
                const command = plan.commands.find((candidate) => candidate.name === step)!;
                const run = await runPlanned(command, { privateKey: main.privateKey }, outputs, which);
                if (run.status !== 0) throw new Error(describeRuns([run]));
            }
        });
        expect(main.execOk("docker node ls --format '{{.Hostname}}' | sort").split("\n")).toEqual([`${PREFIX}-1`, `${PREFIX}-${kept + 2}`]);
        expect(workers[removed].execOk("docker info --format '{{.Swarm.LocalNodeState}}'")).toBe("inactive");
        expect(placementOf("dropit-web")).not.toContain(name);
        await waitForReplicas("dropit-web", 3);
        expect(figures.servedBy?.[name]).toBeGreaterThan(0);
        expect(figures.requests).toBeGreaterThan(50);
        expect(figures).toMatchObject({ failed: 0 });
        expect(figures.writes).toMatchObject({ failed: 0 });
    });

    test("a node added to the configuration joins, and the web tasks spread onto it", async () => {
        const name = nodeName(removed);
        const grown = planFor(workers);
        const figures = await underLoad("node added", async () => {
            const runs = await replay(
                grown,
                { privateKey: main.privateKey },
                (command) =>
                    command.component === "swarm" ||
                    command.component === `node-${name}` ||
                    command.name === `node-${nodeName(1 - removed)}-swarm-firewall`,
                outputs,
            );
            // The Swarm steps end with swarm-rebalance (SwarmCluster.rebalance): web ran 2 + 1 on two nodes, the new one none.
            expectAllSucceeded(
                runs,
                grown.commands.filter((command) => command.component === "swarm" || command.component === `node-${name}`).length + 1,
            );
            expect(runs[runs.length - 1].name).toBe("swarm-rebalance");
            expect(runs[runs.length - 1].stdout).toContain("dropit-web runs");
        });
        expect(main.execOk("docker node ls --format '{{.Status}}'").split("\n")).toEqual(["Ready", "Ready", "Ready"]);
        await waitForReplicas("dropit-web", 3);
        report.placement[`dropit-web after ${name} joined again`] = placementOf("dropit-web");
        expect(report.placement[`dropit-web after ${name} joined again`]).toContain(name);
        expect(figures.requests).toBeGreaterThan(50);
        expect(figures).toMatchObject({ failed: 0 });
        expect(figures.writes).toMatchObject({ failed: 0 });
    });

    test("a worker lost (its network cut): its tasks start on the others, every request sent after the cut succeeds, no row is lost", async () => {
        const index = busiestWorker();
        const lost = nodeName(index);
        let cutAt = 0;
        let cutDoneAt = 0;
        let downAt = 0;
        const figures = await underLoad("worker killed", async () => {
            cutAt = Date.now() / 1000;
            dockerOk(["network", "disconnect", "--force", NETWORK, workers[index].container]);
            cutDoneAt = Date.now() / 1000;
            await waitFor(
                `${lost} down on the manager`,
                120_000,
                () => main.execOk("docker node ls --format '{{.Hostname}} {{.Status}}'").includes(`${PREFIX}-${index + 2} Down`),
                500,
            );
            downAt = Date.now() / 1000;
            await waitForReplicas("dropit-web", 3);
            await waitForReplicas("dropit-api", 2);
        });
        report.events["worker killed"] = {
            ...figures,
            lostNode: lost,
            cutAt,
            cutSeconds: Math.round((cutDoneAt - cutAt) * 1000) / 1000,
            lostNodeDetectedAfterSeconds: Math.round((downAt - cutAt) * 10) / 10,
        };
        expect(placementOf("dropit-web")).not.toContain(lost);
        expect(placementOf("dropit-postgres")).toEqual([FIRST_NODE_NAME]);
        expect(countRows()).toEqual({ lost: 0, duplicated: 0 });
        // The load reached the node that was cut (before the cut), so it was exercised. Reads slow
        // down while Traefik still lists the lost tasks (each costs a 1 s dial before the retry).
        expect(figures.servedBy?.[lost]).toBeGreaterThan(0);
        expect(figures.requests).toBeGreaterThan(15);
        expect(figures.writes?.requests).toBeGreaterThan(50);
        // Requests routed to the lost node's tasks find no connection: Traefik retries them on
        // another task, so every request started after the cut succeeds. A request already sent
        // to the node when it went is lost (Traefik never re-sends a request it wrote): at most one
        // per load, which sends one request at a time.
        const inFlightAtCut = (failure: Failure) => failure.at <= cutDoneAt && failure.at + failure.seconds >= cutDoneAt;
        for (const load of [figures, figures.writes!]) {
            expect((load.failures ?? []).filter((failure) => !inFlightAtCut(failure))).toEqual([]);
            expect(load.failed).toBeLessThanOrEqual(1);
        }
    });

    test("the router's retry file stays while a label names it, and goes once the labels no longer do (back to one node)", async () => {
        const routerRetry = plan.commands.find((command) => command.name === "swarm-router-retry")!;
        const fileExists = () => main.exec(`sudo test -e ${ROUTER_RETRY_FILE}`).status === 0;
        // A replaced step's old copy is deleted while the services still name the file: it stays.
        const kept = await runPlanned(routerRetry, { privateKey: main.privateKey }, outputs, "delete");
        if (kept.status !== 0) throw new Error(describeRuns([kept]));
        expect(kept.stdout).toMatch(/kept: dropit-retry@file is still used by dropit-(api|web)/);
        expect(fileExists()).toBe(true);

        // Back to one node: `pulumi up` updates the services to the one-node labels, then deletes the step.
        const oneNode = planForReplay(oneNodeConfig(), "dokploy", "nodes");
        let removal: CommandRun | undefined;
        const figures = await underLoad("retry file removed", async () => {
            for (const service of ["dropit-api", "dropit-web"]) relabel(plannedService(plan, service), plannedService(oneNode, service));
            removal = await runPlanned(routerRetry, { privateKey: main.privateKey }, outputs, "delete");
        });
        if (removal?.status !== 0) throw new Error(describeRuns(removal ? [removal] : []));
        expect(removal.stdout).toContain("removed (no service uses it any more)");
        expect(fileExists()).toBe(false);
        expect(figures.requests).toBeGreaterThan(15);
        expect(figures).toMatchObject({ failed: 0 });
        expect(figures.writes).toMatchObject({ failed: 0 });
        expect(countRows()).toEqual({ lost: 0, duplicated: 0 });
    });
});
