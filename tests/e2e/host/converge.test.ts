/**
 * Issue 4's proof: a bare Debian bookworm "VPS" (debootstrap, sshd, sudo, its own Docker engine;
 * tests/support/testHost.ts) converges to a secured Dokploy when the remote commands the program
 * registers are replayed over real SSH in dependency order (replay.ts), with the stand-in
 * installer (tests/support/standInInstaller/) served from the VPS's own 127.0.0.1.
 *
 * Bounded: every wait has a limit, jest's timeout caps each step, and afterAll removes the
 * containers (with their volumes) even when a test failed. Durations are printed at the end.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureDockerEngine, ensureVpsImage, startVps, type TestVps } from "../../support/testHost";
import { buildStandInImages, prepareStandIn, type StandInImages } from "../../support/standInInstaller/images";
import { describeRuns, planForReplay, replay, runOverSsh, type CommandRun } from "./replay";
import type { ReplayPlan } from "./planCommands";

jest.setTimeout(600_000);

const DOMAIN = "example.test";
const PANEL_HOST = `dokploy.${DOMAIN}`;
const DASHBOARD_HOST = `traefik.${DOMAIN}`;
const VERSION = "v0.29.2";
const NEXT_VERSION = "v0.30.0";

const durations: Record<string, number> = {};
const suiteStarted = Date.now();
let engine: { release(): Promise<void> } | undefined;
let vpsImage: string;
let images: StandInImages;
const hosts: TestVps[] = [];

function stackConfig(vps: TestVps, installerUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        "dropit:domain": DOMAIN,
        "dropit:acmeEmail": "ops@example.test",
        "dropit:server": { host: "127.0.0.1", port: vps.sshPort, user: "deploy", hostKey: vps.hostKey },
        "dropit:sshPrivateKey": vps.privateKey,
        "dropit:app": { source: "tests/fixtures/dropit-app" },
        "dropit:dokploy": { version: VERSION, installerUrl },
        // sshd listens on 22 inside the VPS; the suite reaches it through Docker's port-forward.
        "dropit:firewall": { sshPort: 22 },
        ...extra,
    };
}

async function newHost(name: string): Promise<{ vps: TestVps; installerUrl: string }> {
    const started = Date.now();
    const vps = await startVps(vpsImage, name);
    hosts.push(vps);
    const installerUrl = prepareStandIn(vps, images);
    durations[`start ${name}`] = Date.now() - started;
    return { vps, installerUrl };
}

/** What a re-run must not change: packages, services, containers, networks, files, groups, firewall. */
function snapshot(vps: TestVps): string {
    return vps.execOk(`
echo '## packages'; dpkg-query -W -f '\${Package} \${Version}\\n'
echo '## services'; docker service ls -q | xargs -r docker service inspect -f '{{.Spec.Name}} v{{.Version.Index}} {{.Spec.TaskTemplate.ContainerSpec.Image}} {{json .Endpoint.Ports}}'
echo '## containers'; docker ps -aq | xargs -r docker inspect -f '{{.Name}} {{.Config.Image}} {{.State.Status}} {{.State.StartedAt}} restarts={{.RestartCount}}' | sort
echo '## networks'; docker network ls --format '{{.ID}} {{.Name}} {{.Driver}}' | sort
echo '## files'; find /etc/dokploy /etc/dropit /var/lib/dropit /etc/systemd/system /etc/sudoers.d /root/.docker -type f 2>/dev/null | sort | xargs -r sha256sum
echo '## groups'; getent group docker sudo
echo '## firewall'; iptables-save | grep -v '^#' | sed -E 's/\\[[0-9]+:[0-9]+\\]//'
`);
}

/** A fresh key that no host authorises. */
function generateKey(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-e2e-wrongkey-"));
    try {
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "id")]);
        return fs.readFileSync(path.join(dir, "id"), "utf8");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function installerRuns(vps: TestVps): string[] {
    return vps.execOk("cat /var/log/dropit-standin-installer.log 2>/dev/null || true").split("\n").filter((line) => line.startsWith("run "));
}

function expectAllSucceeded(runs: readonly CommandRun[], plan: ReplayPlan): void {
    const failed = runs.find((run) => run.status !== 0);
    if (failed || runs.length !== plan.commands.length) throw new Error(`replay did not complete:\n${describeRuns(runs)}`);
}

beforeAll(async () => {
    let started = Date.now();
    engine = await ensureDockerEngine();
    const built = ensureVpsImage();
    vpsImage = built.image;
    durations["VPS image build (0 = cached)"] = built.builtMs;
    started = Date.now();
    images = buildStandInImages([VERSION, NEXT_VERSION], [PANEL_HOST, DASHBOARD_HOST]);
    durations["stand-in images"] = Date.now() - started;
});

afterAll(async () => {
    // DROPIT_E2E_KEEP=1 keeps the VPS containers (and dockerd) for a post-mortem: docker rm -f -v <name>.
    if (process.env.DROPIT_E2E_KEEP !== "1") {
        for (const vps of hosts) vps.remove();
        await engine?.release();
    }
    durations.suite = Date.now() - suiteStarted;
    fs.mkdirSync(path.resolve(__dirname, "../../../.tmp"), { recursive: true });
    fs.writeFileSync(path.resolve(__dirname, "../../../.tmp/e2e-host-durations.json"), `${JSON.stringify(durations, null, 2)}\n`);
    console.log(`host e2e durations (ms): ${JSON.stringify(durations)}`);
});

describe("a bare Debian host, converged over SSH", () => {
    let vps: TestVps;
    let plan: ReplayPlan;
    let firstRun: CommandRun[];

    beforeAll(async () => {
        const host = await newHost("dropit-e2e-vps");
        vps = host.vps;
        plan = planForReplay(stackConfig(vps, host.installerUrl));
    });

    test("the first run converges the bare host, running the installer once", async () => {
        const started = Date.now();
        firstRun = await replay(plan, { privateKey: vps.privateKey });
        durations["first run"] = Date.now() - started;
        expectAllSucceeded(firstRun, plan);
        expect(installerRuns(vps)).toEqual([`run install version=${VERSION} advertise=127.0.0.1`]);
        expect(vps.execOk("docker info --format '{{.Swarm.LocalNodeState}}'")).toBe("active");
        expect(vps.execOk("docker network inspect -f '{{.Driver}} {{.Attachable}}' dokploy-network")).toBe("overlay true");
        expect(vps.execOk("grep -E '^ +email:' /etc/dokploy/traefik/traefik.yml")).toMatch(/email: ops@example\.test$/);
        expect(vps.execOk("id -nG deploy").split(" ")).toContain("docker");
    });

    test("a second run changes nothing and does not run the installer again", async () => {
        const before = snapshot(vps);
        const started = Date.now();
        const secondRun = await replay(plan, { privateKey: vps.privateKey });
        durations["second run"] = Date.now() - started;
        expectAllSucceeded(secondRun, plan);
        expect(snapshot(vps)).toBe(before);
        expect(installerRuns(vps)).toHaveLength(1);
    });

    test("a wrong SSH key or a wrong host key stops with a clear error and changes nothing", async () => {
        const before = snapshot(vps);
        const [first] = plan.commands;
        const otherKey = generateKey();
        const wrongKey = await runOverSsh(first, first.create, { privateKey: otherKey });
        expect(wrongKey.status).toBe(255);
        expect(wrongKey.stderr).toMatch(/Permission denied \(publickey\)/);
        const wrongHostKey = await runOverSsh(first, first.create, {
            privateKey: vps.privateKey,
            hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ0ZXN0aG9zdGtleXRlc3Rob3N0a2V5dGVzdGhvc3Q=",
        });
        expect(wrongHostKey.status).toBe(255);
        expect(wrongHostKey.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
        expect(snapshot(vps)).toBe(before);
    });
});
