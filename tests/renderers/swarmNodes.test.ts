/** The multi-node host steps' parameters: data only, checked before they reach a script. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HOST_DIR } from "../../renderers/shellParams";
import { renderDepartures, renderNodeMembership, renderSwarmFirewallEnv } from "../../renderers/swarmNodes";

test("the Swarm firewall's parameters: the peers sorted, 2377 only on managers, an address or nothing", () => {
    expect(renderSwarmFirewallEnv({ peers: ["10.0.0.9", "10.0.0.2", "2001:db8::3"], role: "manager" })).toContain(
        "PEERS=10.0.0.2,10.0.0.9,2001:db8::3\nMANAGER=1\n",
    );
    expect(renderSwarmFirewallEnv({ peers: ["10.0.0.2"], role: "worker" })).toContain("MANAGER=0");
    expect(() => renderSwarmFirewallEnv({ peers: ["10.0.0.2 -j ACCEPT"], role: "worker" })).toThrow("is not an address");
});

test("node labels outside the schema's shapes are refused before any script", () => {
    const node = { nodeId: "abc", name: "w", role: "worker" as const, data: false };
    expect(renderNodeMembership({ ...node, labels: { zone: "eu-1", "team.ops": "a_b" } })).toContain("LABELS=team.ops=a_b,zone=eu-1");
    expect(() => renderNodeMembership({ ...node, labels: { "dropit.data": "true" } })).toThrow("is refused");
    expect(() => renderNodeMembership({ ...node, labels: { zone: "a,b=c" } })).toThrow("is refused");
});

test("departures keep the configured names, sorted, and carry the configured per-node limit", () => {
    expect(renderDepartures(["worker-2", "main", "worker-1"], 2)).toContain("NODE_IDS=''\nKEEP=main,worker-1,worker-2\n");
    expect(renderDepartures(["main"], 2)).toContain("MAX_REPLICAS_PER_NODE=2\n");
});

/**
 * The departures step against a stand-in `docker` (each call logged): a Swarm of main and
 * node-2, which the configuration no longer lists, running one task of dropit-api and
 * limited to one task per node. Its tasks are gone once a forced update ran.
 */
describe("departures (host/swarm-node-remove.sh)", () => {
    let dir: string;
    const run = (maxReplicasPerNode: number) => {
        const result = spawnSync("bash", ["-c", renderDepartures(["main"], maxReplicasPerNode)], {
            encoding: "utf8",
            env: { PATH: `${dir}:/usr/bin:/bin` },
            timeout: 30_000,
        });
        return { status: result.status, output: result.stdout + result.stderr, calls: fs.readFileSync(path.join(dir, "calls"), "utf8") };
    };
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-departures-"));
        fs.writeFileSync(path.join(dir, "calls"), "");
        fs.writeFileSync(path.join(dir, "sudo"), '#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n', { mode: 0o755 });
        fs.writeFileSync(
            path.join(dir, "docker"),
            `#!/bin/bash
echo "docker $*" >> "${dir}/calls"
case "$1 $2" in
  "node ls") printf 'id-main\\nid-2\\n' ;;
  "node inspect")
    case "$*" in
      *dropit.node*id-main) echo main ;;
      *dropit.node*id-2) echo node-2 ;;
      *Spec.Role*) echo worker ;;
    esac ;;
  "node ps") grep -q "^docker service update" "${dir}/calls" || echo dropit-api.2 ;;
  "service inspect") echo 1 ;;
esac
exit 0
`,
            { mode: 0o755 },
        );
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("a service limited below the configured per-node limit gets it in the update that moves it", () => {
        const result = run(2);
        expect(result.status).toBe(0);
        expect(result.calls).toContain("docker service update --force --quiet --replicas-max-per-node 2 dropit-api");
        expect(result.output).toContain("dropit-api may now run 2 tasks per node (was 1)");
        expect(result.calls.indexOf("docker node update --availability pause id-2")).toBeLessThan(
            result.calls.indexOf("docker service update"),
        );
        expect(result.calls).toContain("docker node rm --force id-2");
    });

    test("a service whose limit is the configured one is only forced", () => {
        const result = run(1);
        expect(result.status).toBe(0);
        expect(result.calls).toContain("docker service update --force --quiet dropit-api");
        expect(result.calls).not.toContain("--replicas-max-per-node");
    });
});

/**
 * The Swarm firewall script against stand-in iptables (each call logged): the rules it builds for
 * IPv4 and IPv6 peers, and its refusal of a malformed env file. The real rules are exercised by
 * the nodes e2e suite.
 */
describe("host/files/swarm-firewall.sh", () => {
    let dir: string;
    const run = (env: string) => {
        fs.writeFileSync(path.join(dir, "swarm-firewall.env"), env);
        const result = spawnSync("sh", [path.join(HOST_DIR, "files", "swarm-firewall.sh")], {
            encoding: "utf8",
            env: { PATH: `${dir}:/usr/bin:/bin`, DROPIT_SWARM_FIREWALL_ENV: path.join(dir, "swarm-firewall.env") },
        });
        return { status: result.status, output: result.stdout + result.stderr, calls: fs.readFileSync(path.join(dir, "calls"), "utf8") };
    };
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-swarm-fw-"));
        fs.writeFileSync(path.join(dir, "calls"), "");
        for (const tool of ["iptables", "ip6tables"]) {
            // -N fails (the chain exists), -D fails once there is nothing left to delete.
            fs.writeFileSync(
                path.join(dir, tool),
                `#!/bin/sh\necho "${tool} $*" >> "${dir}/calls"\ncase "$1" in -N|-D) exit 1 ;; esac\nexit 0\n`,
                { mode: 0o755 },
            );
        }
        fs.writeFileSync(path.join(dir, "ip"), "#!/bin/sh\necho 'default via 10.0.0.1 dev eth0 proto static'\n", { mode: 0o755 });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("peers by family; 2377 on a manager; the Swarm ports dropped for everyone else; jumped to first", () => {
        const result = run("PEERS=10.0.0.2,2001:db8::3\nMANAGER=1\n");
        expect(result.status).toBe(0);
        const v4 = result.calls.split("\n").filter((line) => line.startsWith("iptables "));
        expect(v4).toEqual([
            "iptables -N DROPIT-SWARM",
            "iptables -F DROPIT-SWARM",
            "iptables -A DROPIT-SWARM ! -i eth0 -j RETURN",
            "iptables -A DROPIT-SWARM -s 10.0.0.2 -p tcp --dport 2377 -j ACCEPT",
            "iptables -A DROPIT-SWARM -s 10.0.0.2 -p tcp --dport 7946 -j ACCEPT",
            "iptables -A DROPIT-SWARM -s 10.0.0.2 -p udp --dport 7946 -j ACCEPT",
            "iptables -A DROPIT-SWARM -s 10.0.0.2 -p udp --dport 4789 -j ACCEPT",
            "iptables -A DROPIT-SWARM -p tcp --dport 2377 -j DROP",
            "iptables -A DROPIT-SWARM -p tcp --dport 7946 -j DROP",
            "iptables -A DROPIT-SWARM -p udp --dport 7946 -j DROP",
            "iptables -A DROPIT-SWARM -p udp --dport 4789 -j DROP",
            "iptables -D INPUT -j DROPIT-SWARM",
            "iptables -I INPUT 1 -j DROPIT-SWARM",
        ]);
        expect(result.calls).toContain("ip6tables -A DROPIT-SWARM -s 2001:db8::3 -p udp --dport 4789 -j ACCEPT");
        expect(result.calls).not.toContain("ip6tables -A DROPIT-SWARM -s 10.0.0.2");
    });

    test("a worker does not admit 2377; a malformed peer is refused before any rule", () => {
        expect(run("PEERS=10.0.0.2\nMANAGER=0\n").calls).not.toContain("--dport 2377 -j ACCEPT");
        fs.writeFileSync(path.join(dir, "calls"), "");
        const bad = run("PEERS='10.0.0.2;x'\nMANAGER=0\n");
        expect(bad.status).toBe(1);
        expect(bad.output).toContain("not an address");
        expect(bad.calls).toBe("");
    });
});
