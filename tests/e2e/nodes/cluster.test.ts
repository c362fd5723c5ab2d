/**
 * The multi-node proof (docs/nodes.md, "How it is proven"): three bare Debian bookworm "VPS"
 * (tests/support/testHost.ts: debootstrap root, sshd, sudo, each its own Docker engine and
 * network namespace) on a Docker network of this suite's own, converged into one Swarm by
 * replaying, over real SSH, the remote commands the program registers for a stack with
 * `dropit:nodes` (tests/support/hostReplay.ts): the first server's DokployHost (stand-in
 * installer), then the SwarmCluster and SwarmNode steps, the join token going from the first
 * manager's stdout to the node's stdin as Pulumi would pass it.
 *
 * What is not replayed: the Docker provider's resources (services, images) cannot run here (its
 * plugin is not available), so the services are created with the Docker CLI from the plan's own
 * replicas, placement and update settings, on stand-in images loaded into every engine. Requests
 * go through the stand-in router (the dokploy-traefik stand-in on the first server) to the tasks
 * over the overlay network: this kernel has no IPVS, so the route names the tasks' DNS
 * (`tasks.dropit-web`) rather than the service VIP that Traefik uses in production.
 *
 * Writes .tmp/nodes-report.json. Bounded: every wait has a limit; afterAll removes what the
 * suite created (containers and network prefixed dropit-nodes-).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FIRST_NODE_NAME } from "../../../config/names";
import { docker, dockerOk, ensureDockerEngine, waitFor } from "../../support/dockerd";
import { describeRuns, planForReplay, replay, runPlanned, type CommandRun, type RunOutputs } from "../../support/hostReplay";
import type { PlannedService, ReplayPlan } from "../../support/planCommands";
import { startRegistry, type TestRegistry } from "../../support/registry";
import { buildStandInImages, prepareStandIn, type StandInImages } from "../../support/standInInstaller/images";
import { startPsSampler } from "../../support/psSampler";
import { ensureVpsImage, startVps, type TestVps } from "../../support/testHost";

jest.setTimeout(600_000);

const PREFIX = "dropit-nodes";
const NETWORK = `${PREFIX}-net`;
const DOMAIN = "example.test";
const ROUTED_HOST = `nodes.${DOMAIN}`;
const VERSION = "v0.29.2";
const NEXT_VERSION = "v0.30.0";
const REGISTRY_PASSWORD = "e2e-NODES-registry-4d2b";
const REPORT = path.resolve(__dirname, "../../../.tmp/nodes-report.json");
/** The suite's own stand-in for the stateful service: rows appended to a file in its volume. */
const ROWS = 200;

interface EventFigures {
    requests: number;
    failed: number;
    seconds: number;
    /** Requests the router sent to a task on each node (from the router's log and the tasks' addresses). */
    servedBy?: Record<string, number>;
    /** When each failed request started (seconds since the epoch). */
    failedAt?: number[];
    /** For a lost node: which, and seconds from the cut to Swarm marking it down. */
    lostNode?: string;
    lostNodeDetectedAfterSeconds?: number;
}
const report = {
    nodes: [] as { name: string; role: string; address: string }[],
    convergeSeconds: 0,
    placement: {} as Record<string, string[]>,
    events: {} as Record<string, EventFigures>,
    rowsLost: -1,
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

/** The node of every web task's overlay address, past tasks included. */
function webTaskNodes(): Map<string, string> {
    const names = nodeNamesById();
    const lines = main.execOk(
        `docker service ps dropit-web -q | xargs -r docker inspect --format '{{.NodeID}} {{range .NetworksAttachments}}{{range .Addresses}}{{.}} {{end}}{{end}}'`,
    );
    const byAddress = new Map<string, string>();
    for (const line of lines.split("\n").filter(Boolean)) {
        const [nodeId, ...addresses] = line.trim().split(" ");
        for (const cidr of addresses) byAddress.set(cidr.split("/")[0], names.get(nodeId) ?? nodeId);
    }
    return byAddress;
}

/** The upstream addresses the router has chosen so far, one per request (route.sh logs them). */
function routerUpstreams(): string[] {
    return main
        .execOk("docker exec dokploy-traefik cat /tmp/access.log")
        .split("\n")
        .filter((line) => line.startsWith("upstream "))
        .map((line) => line.slice("upstream ".length));
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

/** `docker service create` from the plan's own replicas, placement and update settings. */
function createService(planned: PlannedService, image: string, extra: string[] = []): void {
    const args = [
        "docker service create -d --no-resolve-image --with-registry-auth",
        `--name ${planned.name} --replicas ${planned.replicas}`,
        "--network dokploy-network --endpoint-mode dnsrr",
        ...(planned.placement?.constraints ?? []).map((constraint) => `--constraint '${constraint}'`),
        planned.placement?.maxReplicas !== undefined ? `--replicas-max-per-node ${planned.placement.maxReplicas}` : "",
        planned.updateConfig?.order ? `--update-order ${planned.updateConfig.order}` : "",
        planned.updateConfig?.parallelism !== undefined ? `--update-parallelism ${planned.updateConfig.parallelism}` : "",
        planned.updateConfig?.failureAction ? `--update-failure-action ${planned.updateConfig.failureAction}` : "",
        "--health-cmd '/bin/wget -q -O /dev/null http://127.0.0.1:3000/api/health' --health-interval 1s --health-timeout 1s --health-retries 2 --health-start-period 1s",
        ...extra,
        image,
    ];
    main.execOk(args.filter(Boolean).join(" "));
}

/** A steady stream of requests through the router on the first server, each logged with its status. */
function startLoad(label: string): () => EventFigures {
    const slug = label.replace(/[^a-z0-9]+/g, "-");
    const log = `/var/tmp/${PREFIX}-load-${slug}.log`;
    const stop = `/run/${PREFIX}-load-${slug}`;
    main.execOk(`touch ${stop} && rm -f ${log}`);
    // Bounded: at most 20 000 requests (about 15 min at this pace).
    dockerOk([
        "exec",
        "-d",
        main.container,
        "bash",
        "-c",
        `for i in $(seq 1 20000); do [ -e ${stop} ] || break; t=$(date +%s.%N); code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Host: ${ROUTED_HOST}' http://127.0.0.1/api/health); echo "$t $code" >> ${log}; sleep 0.02; done; echo done >> ${log}`,
    ]);
    const started = Date.now();
    return () => {
        const seconds = (Date.now() - started) / 1000;
        main.execOk(`rm -f ${stop}`);
        // The loop finishes its request in flight (at most 5 s), then writes `done`.
        const deadline = Date.now() + 15_000;
        let lines: string[] = [];
        while (Date.now() < deadline) {
            lines = main.execOk(`cat ${log} 2>/dev/null || true`).split("\n").filter(Boolean);
            if (lines[lines.length - 1] === "done") break;
            spinWait(200);
        }
        const results = lines.filter((line) => line !== "done").map((line) => line.split(" "));
        const failedAt = results.filter(([, code]) => code !== "200").map(([at]) => Number(at));
        return { requests: results.length, failed: failedAt.length, seconds: Math.round(seconds * 10) / 10, failedAt };
    };
}

function spinWait(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `action` under load, with a steady stretch before and after so the load sees the whole change. */
async function underLoad(name: string, action: () => Promise<void> | void): Promise<EventFigures> {
    const nodesBefore = webTaskNodes();
    const routedBefore = routerUpstreams().length;
    const stopLoad = startLoad(name);
    await sleep(3000);
    try {
        await action();
        await sleep(3000);
    } finally {
        const figures = stopLoad();
        const nodes = new Map([...nodesBefore, ...webTaskNodes()]);
        const servedBy: Record<string, number> = {};
        for (const upstream of routerUpstreams().slice(routedBefore)) {
            const node = nodes.get(upstream) ?? `unknown ${upstream}`;
            servedBy[node] = (servedBy[node] ?? 0) + 1;
        }
        report.events[name] = { ...figures, servedBy };
    }
    return report.events[name];
}

/** Rows in the data service's volume, read through its task on the data node. */
function rows(): number {
    return Number(
        main.execOk(
            `docker exec $(docker ps -q --filter label=com.docker.swarm.service.name=dropit-postgres | head -n 1) sh -c 'cat /data/rows 2>/dev/null | wc -l'`,
        ),
    );
}

beforeAll(async () => {
    engine = await ensureDockerEngine();
    let started = Date.now();
    vpsImage = ensureVpsImage().image;
    images = buildStandInImages([VERSION, NEXT_VERSION], [`dokploy.${DOMAIN}`, `traefik.${DOMAIN}`]);
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
    let runs: CommandRun[] = [];
    let psOnWorker = "";

    test("the replayed plan converges the first server and joins the two nodes", async () => {
        const started = Date.now();
        const stopSampling = startPsSampler(workers[0]);
        try {
            runs = await replay(plan, { privateKey: main.privateKey }, undefined, outputs);
        } finally {
            psOnWorker = stopSampling();
        }
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

    test("the join token travelled only on stdout and stdin: never in a process list or a logged output", () => {
        const token = outputs.get("swarm-worker-token")!.trim();
        expect(token).toMatch(/^SWMTKN-1-/);
        // `docker swarm init` printed a worker token into the installer's logged output: it was rotated away.
        const printed = /SWMTKN-1-[A-Za-z0-9-]+/.exec(runs.find((run) => run.name === "dokploy-dokploy")!.stdout)?.[0];
        expect(printed).toBeDefined();
        expect(printed).not.toBe(token);
        expect(main.execOk("docker swarm join-token -q worker")).toBe(token);
        expect(psOnWorker.length).toBeGreaterThan(1000);
        // The join step ran while sampling: its script (bash -c) and curl's request to the engine.
        expect(psOnWorker).toContain("/swarm/join");
        expect(psOnWorker).not.toContain(token.slice(-25));
        for (const run of runs) {
            // The reading command's stdout is the secret output itself (marked secret, logging: stderr).
            if (run.name === "swarm-worker-token") continue;
            expect({ run: run.name, leaked: (run.stdout + run.stderr).includes(token.slice(-25)) }).toEqual({
                run: run.name,
                leaked: false,
            });
        }
    });

    test("Swarm's ports answer the nodes and nobody else", () => {
        const probe = (from: string, to: string, port: number) =>
            docker([
                "exec",
                from,
                "bash",
                "-c",
                `timeout 3 bash -c '</dev/tcp/${to}/${port}' 2>/dev/null && echo open || echo closed`,
            ]).stdout.trim();
        expect(probe(workers[0].container, address.get(main)!, 2377)).toBe("open");
        expect(probe(workers[1].container, address.get(workers[0])!, 7946)).toBe("open");
        // A stranger on the same network: a fourth container, no node of the Swarm.
        const stranger = `${PREFIX}-stranger`;
        docker(["rm", "-f", stranger]);
        dockerOk(["run", "-d", "--name", stranger, "--network", NETWORK, "--entrypoint", "sleep", vpsImage, "300"]);
        try {
            expect(probe(stranger, address.get(main)!, 2377)).toBe("closed");
            expect(probe(stranger, address.get(workers[0])!, 7946)).toBe("closed");
            expect(main.execOk("iptables -S INPUT | sed -n 2p")).toBe("-A INPUT -j DROPIT-SWARM");
        } finally {
            docker(["rm", "-f", stranger]);
        }
    });
});

describe("placement and node lifecycle under load", () => {
    beforeAll(async () => {
        const byName = new Map(plan.services.map((service) => [service.name, service]));
        const data = byName.get("dropit-postgres")!;
        // PostgreSQL's image is a public one (never pushed): the stand-in, already in the first server's engine.
        createService(data, `dropit-standin/dokploy:${VERSION}`, ["--mount type=volume,source=dropit-postgres-data,target=/data"]);
        // The nodes have no copy of the app images: they pull them from the registry, by digest.
        for (const vps of workers)
            vps.execOk(`docker rmi dropit-standin/dokploy:${VERSION} dropit-standin/dokploy:${NEXT_VERSION} >/dev/null`);
        pinned.api = pushAs(`dropit-standin/dokploy:${VERSION}`, plan.images["api-image"]);
        pinned.web = pushAs(`dropit-standin/dokploy:${VERSION}`, plan.images["web-image"]);
        createService(byName.get("dropit-api")!, pinned.api);
        createService(byName.get("dropit-web")!, pinned.web);
        await waitForReplicas("dropit-postgres", 1);
        await waitForReplicas("dropit-api", 2);
        await waitForReplicas("dropit-web", 3);
        // The router: the first server's Traefik stand-in, a file route to the web tasks over the overlay.
        main.execOk("install -m 0644 /dev/stdin /etc/dokploy/traefik/dynamic/dropit-nodes-e2e.yml", {
            input: `http:\n  routers:\n    dropit-nodes-web:\n      rule: Host(\`${ROUTED_HOST}\`)\n      entryPoints:\n        - web\n      service: dropit-nodes-web\n  services:\n    dropit-nodes-web:\n      loadBalancer:\n        servers:\n          - url: http://tasks.dropit-web:3000\n`,
        });
        main.execOk(
            `docker exec $(docker ps -q --filter label=com.docker.swarm.service.name=dropit-postgres) sh -c 'for i in $(seq 1 ${ROWS}); do echo "row $i" >> /data/rows; done'`,
        );
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
        expect(rows()).toBe(ROWS);
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
    });

    test("a worker lost (its network cut): its tasks start on the others, requests keep succeeding, no row is lost", async () => {
        const index = busiestWorker();
        const lost = nodeName(index);
        let cutAt = 0;
        let downAt = 0;
        const figures = await underLoad("worker killed", async () => {
            cutAt = Date.now() / 1000;
            dockerOk(["network", "disconnect", "--force", NETWORK, workers[index].container]);
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
        expect(placementOf("dropit-web")).not.toContain(lost);
        expect(placementOf("dropit-postgres")).toEqual([FIRST_NODE_NAME]);
        report.rowsLost = ROWS - rows();
        expect(report.rowsLost).toBe(0);
        // The load reached the node that was cut (before the cut), so it was exercised.
        expect(figures.servedBy?.[lost]).toBeGreaterThan(0);
        expect(figures.requests).toBeGreaterThan(50);
        // Requests already routed to the lost node's tasks fail (the router has no retry) until Swarm
        // notices: none fails once the node is marked down. The count is reported, not hidden.
        report.events["worker killed"] = {
            ...figures,
            lostNode: lost,
            lostNodeDetectedAfterSeconds: Math.round((downAt - cutAt) * 10) / 10,
        };
        expect((figures.failedAt ?? []).filter((at) => at >= downAt)).toEqual([]);
        expect((figures.failedAt ?? []).every((at) => at >= cutAt - 5)).toBe(true);
    });
});
