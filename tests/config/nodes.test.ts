/** `dropit:nodes`: what a usable Swarm needs, refused with the key and the fix, never a stack trace. */
import { parseConfig } from "../../config/load";
import { clusterMembers } from "../../config/nodes";
import { configProblems } from "../support/configProblems";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ0ZXN0aG9zdGtleXRlc3Rob3N0a2V5dGVzdGhvc3Q=";

type Node = Record<string, unknown>;
const node = (name: string, host: string, extra: Node = {}): Node => ({ name, host, hostKey: HOST_KEY, ...extra });

function raw(nodes: Node[], extra: Record<string, string> = {}): Record<string, string> {
    return {
        "dropit:domain": "dropit-app.fr",
        "dropit:acmeEmail": "admin@dropit-app.fr",
        "dropit:server": JSON.stringify({ host: "203.0.113.10", hostKey: HOST_KEY }),
        "dropit:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
        "dropit:app": JSON.stringify({ source: "../dropit" }),
        "dropit:registry": JSON.stringify({ username: "dropitbot" }),
        "dropit:registryPassword": "token",
        "dropit:nodes": JSON.stringify(nodes),
        ...extra,
    };
}

function withoutRegistry(config: Record<string, string>): Record<string, string> {
    const { "dropit:registry": _registry, "dropit:registryPassword": _password, ...rest } = config;
    return rest;
}

const problems = configProblems;

test("no nodes: the defaults, and nothing else is asked (no registry needed)", () => {
    const config = parseConfig(withoutRegistry(raw([])), "dev");
    expect(config.nodes).toEqual([]);
    expect(config.cluster).toEqual({ enabled: false, maxReplicasPerNode: 1 });
});

test("two workers: defaults filled, members listed with their Swarm addresses", () => {
    const config = parseConfig(
        raw([node("worker-1", "203.0.113.11", { privateAddress: "10.0.0.11" }), node("worker-2", "203.0.113.12")]),
        "dev",
    );
    expect(config.nodes[0]).toMatchObject({ user: "deploy", port: 22, role: "worker", labels: {} });
    expect(clusterMembers(config).map((member) => `${member.name} ${member.address} ${member.role}`)).toEqual([
        "main 203.0.113.10 manager",
        "worker-1 10.0.0.11 worker",
        "worker-2 203.0.113.12 worker",
    ]);
});

test.each([
    ["a duplicate name", [node("w", "203.0.113.11"), node("w", "203.0.113.12")], "two nodes are named w"],
    ["the first server's name", [node("main", "203.0.113.11")], "`main` is the first server's name"],
    ["the first server's SSH address", [node("w", "203.0.113.10")], "main and w are reached at the same SSH address 203.0.113.10:22"],
    [
        "a shared Swarm address",
        [node("w1", "203.0.113.11", { privateAddress: "10.0.0.5" }), node("w2", "203.0.113.12", { privateAddress: "10.0.0.5" })],
        "w1 and w2 share the Swarm address 10.0.0.5",
    ],
    ["two managers", [node("m2", "203.0.113.11", { role: "manager" })], "2 managers"],
    ["a root user", [node("w", "203.0.113.11", { user: "root" })], "dropit:nodes.0.user: must be a non-root sudo user"],
    ["a bad host key", [node("w", "203.0.113.11", { hostKey: "nope" })], "dropit:nodes.0.hostKey: must be `<algorithm> <base64>`"],
    ["a label in our namespace", [node("w", "203.0.113.11", { labels: { "dropit.data": "true" } })], "not under dropit."],
    ["a label value with a space", [node("w", "203.0.113.11", { labels: { zone: "eu 1" } })], "label values are plain words"],
    ["an unknown role", [node("w", "203.0.113.11", { role: "leader" })], "must be `worker` or `manager`"],
])("refused: %s", (_what, nodes, expected) => {
    const found = problems(raw(nodes));
    expect(found.join("\n")).toContain(expected);
    for (const problem of found) expect(problem).toMatch(/^dropit:[a-zA-Z.0-9]+: /);
});

test("nodes without a registry login: refused, saying why and how to set one", () => {
    const found = problems(withoutRegistry(raw([node("w", "203.0.113.11")])));
    expect(found.join("\n")).toContain("dropit:registry.username: with nodes, the API and web images are pushed to a registry");
});

test("replicas that cannot fit the nodes at maxReplicasPerNode: refused with the capacity", () => {
    const found = problems({ ...raw([node("w", "203.0.113.11")]), "dropit:api": JSON.stringify({ replicas: 3 }) });
    expect(found).toEqual([expect.stringContaining("dropit:api.replicas: 3 tasks do not fit 2 nodes at 1 per node")]);
    expect(
        problems({
            ...raw([node("w", "203.0.113.11")]),
            "dropit:api": JSON.stringify({ replicas: 3 }),
            "dropit:cluster": JSON.stringify({ maxReplicasPerNode: 2 }),
        }),
    ).toEqual([]);
});

test("replicas that fill every slot are refused: a start-first update needs one more", () => {
    // Seen on the engine: two web tasks on two nodes at one per node, the update's new task pending "max replicas per node limit exceed".
    const full = problems({ ...raw([node("w", "203.0.113.11")]), "dropit:web": JSON.stringify({ replicas: 2 }) });
    expect(full).toEqual([
        expect.stringContaining(
            "dropit:web.replicas: 2 tasks fill 2 nodes at 1 per node (dropit:cluster.maxReplicasPerNode), leaving no room for the task a rolling update starts",
        ),
    ]);
    expect(full[0]).toContain("Fix: at most 1 replicas, or raise dropit:cluster.maxReplicasPerNode to 2, or add nodes.");
    const roomy = {
        ...raw([node("w", "203.0.113.11")]),
        "dropit:web": JSON.stringify({ replicas: 2 }),
        "dropit:cluster": JSON.stringify({ maxReplicasPerNode: 2 }),
    };
    expect(problems(roomy)).toEqual([]);
});

test("going back to one node: the first server alone must hold every task plus the one an update starts", () => {
    const leaving = {
        ...raw([]),
        "dropit:cluster": JSON.stringify({ enabled: true, maxReplicasPerNode: 2 }),
        "dropit:api": JSON.stringify({ replicas: 2 }),
    };
    const found = problems(leaving);
    expect(found).toEqual([expect.stringContaining("dropit:api.replicas: 2 tasks fill 1 node at 2 per node")]);
    expect(found[0]).toContain("raise dropit:cluster.maxReplicasPerNode to 3");
    const single = problems({ ...raw([]), "dropit:cluster": JSON.stringify({ enabled: true }) });
    expect(single).toHaveLength(2);
    expect(single.join("\n")).not.toContain("at most 0 replicas");
    expect(problems({ ...leaving, "dropit:cluster": JSON.stringify({ enabled: true, maxReplicasPerNode: 3 }) })).toEqual([]);
});

test("three managers in all are accepted", () => {
    expect(problems(raw([node("m2", "203.0.113.11", { role: "manager" }), node("m3", "203.0.113.12", { role: "manager" })]))).toEqual([]);
});
