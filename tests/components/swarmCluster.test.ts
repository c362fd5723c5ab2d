/**
 * The plan of a stack with nodes (mock runtime): each node converged by the same steps as the
 * first server, joined after both firewalls admit it, labelled by the first manager; stateful
 * services pinned to the data node, the API and web spread and pinned by digest.
 */
import { isSecretValue, plannedStdout, type Plan } from "../../scripts/plan/harness";
import { fullStack, HOST_KEY, planStack, resource, reveal } from "../support/plan";

let plan: Plan;
const names = () => plan.resources.map((candidate) => candidate.name);
const create = (name: string) => String(reveal(resource(plan, name).inputs.create));
const dependsOn = (name: string, other: string) => resource(plan, name).dependencies.includes(resource(plan, other).urn);

beforeAll(async () => {
    plan = await planStack({
        ...fullStack(),
        "dropit:server": { host: "198.51.100.7", user: "deploy", port: 2222, hostKey: HOST_KEY, privateAddress: "10.0.0.7" },
        "dropit:nodes": [
            { name: "worker-1", host: "198.51.100.8", hostKey: HOST_KEY, privateAddress: "10.0.0.8", labels: { zone: "b" } },
            { name: "worker-2", host: "198.51.100.9", port: 2200, hostKey: HOST_KEY, firewallSshPort: 22 },
        ],
        "dropit:web": { replicas: 2 },
    });
}, 120_000);

test("a node gets the first server's convergence steps, with the same scripts", () => {
    for (const step of ["system-update", "docker-engine", "registry-login", "firewall"]) {
        expect(names()).toContain(`node-worker-1-${step}`);
        if (step !== "firewall") expect(create(`node-worker-1-${step}`)).toBe(create(`dokploy-${step}`));
    }
    // Same firewall script, the node's own SSH port.
    expect(create("node-worker-2-firewall")).toContain("TCP_PORTS=22,80,443");
    expect(reveal(resource(plan, "node-worker-2-join").inputs.connection)).toMatchObject({ host: "198.51.100.9", port: 2200 });
    // The Dokploy install itself only on the first server, which advertises its private address.
    expect(names().filter((name) => name.endsWith("-dokploy"))).toEqual(["dokploy-dokploy"]);
    expect(create("dokploy-dokploy")).toContain("ADVERTISE_ADDR=10.0.0.7");
});

test("the Swarm ports are opened between the nodes' addresses only, 2377 on managers", () => {
    expect(create("swarm-swarm-firewall")).toContain("PEERS=10.0.0.8,198.51.100.9");
    expect(create("swarm-swarm-firewall")).toContain("MANAGER=1");
    expect(create("node-worker-1-swarm-firewall")).toContain("PEERS=10.0.0.7,198.51.100.9");
    expect(create("node-worker-1-swarm-firewall")).toContain("MANAGER=0");
});

test("the join token is read on the first manager and reaches the node on stdin, secret, never logged", () => {
    const reader = resource(plan, "swarm-worker-token");
    expect(reader.inputs.logging).toBe("stderr");
    // Rotated when read: the token `docker swarm init` printed into the install's logged output is worthless.
    expect(create("swarm-worker-token")).toContain('docker swarm join-token --rotate -q "$ROLE"');
    expect(reveal(reader.inputs.connection)).toMatchObject({ host: "198.51.100.7" });
    const join = resource(plan, "node-worker-1-join");
    expect(isSecretValue(join.inputs.stdin)).toBe(true);
    expect(reveal(join.inputs.stdin)).toBe(plannedStdout("swarm-worker-token"));
    expect(create("node-worker-1-join")).not.toContain(plannedStdout("swarm-worker-token"));
    expect(create("node-worker-1-join")).toContain("MANAGER_ADDR=10.0.0.7");
    expect(create("node-worker-1-join")).toContain("ADVERTISE_ADDR=10.0.0.8");
    expect(names()).not.toContain("swarm-manager-token");
    // After its own firewall and the manager's.
    expect(dependsOn("node-worker-1-join", "node-worker-1-swarm-firewall")).toBe(true);
    expect(dependsOn("node-worker-1-join", "swarm-swarm-firewall")).toBe(true);
});

test("the first manager labels each node by the ID its join printed, and drains it before removal", () => {
    const membership = resource(plan, "node-worker-1-membership");
    expect(reveal(membership.inputs.connection)).toMatchObject({ host: "198.51.100.7" });
    expect(create("node-worker-1-membership")).toContain(`NODE_ID=${plannedStdout("node-worker-1-join")}`);
    expect(create("node-worker-1-membership")).toContain("LABELS=zone=b");
    expect(String(reveal(membership.inputs.delete))).toContain("docker node update --availability drain");
    expect(String(reveal(resource(plan, "node-worker-1-join").inputs.delete))).toContain("docker swarm leave");
    expect(create("swarm-main-membership")).toContain("DATA=true");
    // A node removed from the configuration is moved off before any firewall stops admitting it.
    expect(create("swarm-departures")).toContain("KEEP=main,worker-1,worker-2");
    expect(resource(plan, "swarm-departures").inputs.triggers).toEqual(["worker-1", "worker-2"]);
    expect(dependsOn("swarm-swarm-firewall", "swarm-departures")).toBe(true);
    expect(dependsOn("node-worker-1-swarm-firewall", "swarm-swarm-firewall")).toBe(true);
});

test("stateful services stay on the data node; API and web spread at most one per node, pulled by digest", () => {
    const placement = (name: string) => (reveal(resource(plan, name).inputs.taskSpec) as { placement?: unknown }).placement;
    for (const service of ["postgres-service", "redis-service", "typesense-service"]) {
        expect(placement(service)).toEqual({ constraints: ["node.labels.dropit.data==true"] });
        expect(dependsOn(service, "swarm-main-membership")).toBe(true);
    }
    for (const [service, image] of [
        ["api-service", "api-image"],
        ["web-service", "web-image"],
    ]) {
        expect(placement(service)).toEqual({ maxReplicas: 1 });
        expect(dependsOn(service, "node-worker-2-membership")).toBe(true);
        const built = resource(plan, image).inputs;
        expect(built.skipPush).toBe(false);
        expect(String(built.imageName)).toMatch(/^docker\.io\/dropitbot\/dropit-(api|web):[0-9a-f]+$/);
        expect(reveal(built.registry)).toMatchObject({ server: "docker.io", username: "dropitbot" });
        // The mock's repoDigest is empty: the service takes the digest, not the tag.
        const spec = reveal(resource(plan, service).inputs.taskSpec) as { containerSpec: { image: string } };
        expect(spec.containerSpec.image).not.toBe(built.imageName);
        expect(resource(plan, service).inputs.auth).toBeDefined();
    }
    expect(dependsOn("swarm-rebalance", "web-service")).toBe(true);
    expect(resource(plan, "swarm-rebalance").inputs.triggers).toEqual(["worker-1", "worker-2"]);
});

test("the router retries a task it cannot reach: the file is written on the first server before the labels naming it", () => {
    const step = resource(plan, "swarm-router-retry");
    expect(create("swarm-router-retry")).toContain("TARGET_FILE=/etc/dokploy/traefik/dynamic/dropit-upstreams.yml");
    expect(String(reveal(step.inputs.stdin))).toContain("dropit-upstream:");
    // Deleted (back to one node) only once no service label names what it defines.
    const removal = String(reveal(step.inputs.delete));
    expect(removal).toContain("TARGET_FILE=/etc/dokploy/traefik/dynamic/dropit-upstreams.yml");
    expect(removal).toContain("REFERENCES=dropit-retry@file,dropit-upstream@file");
    expect(reveal(step.inputs.connection)).toMatchObject({ host: "198.51.100.7" });
    for (const [service, route] of [
        ["api-service", "dropit-api"],
        ["web-service", "dropit-web"],
    ]) {
        const labels = new Map(
            (reveal(resource(plan, service).inputs.labels) as { label: string; value: string }[]).map((l) => [l.label, l.value]),
        );
        expect(labels.get(`traefik.http.routers.${route}-websecure.middlewares`)).toBe(`${route}-hsts@swarm,dropit-retry@file`);
        expect(labels.get(`traefik.http.services.${route}.loadbalancer.serverstransport`)).toBe("dropit-upstream@file");
        expect(dependsOn(service, "swarm-router-retry")).toBe(true);
    }
});

test("the nodes output lists every machine, its role, the router and the data node", () => {
    expect(reveal(plan.outputs.nodes)).toEqual([
        { name: "main", host: "198.51.100.7", address: "10.0.0.7", role: "manager", router: true, data: true },
        { name: "worker-1", host: "198.51.100.8", address: "10.0.0.8", role: "worker", router: false, data: false },
        { name: "worker-2", host: "198.51.100.9", address: "198.51.100.9", role: "worker", router: false, data: false },
    ]);
});
