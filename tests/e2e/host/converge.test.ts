/**
 * The proof that the host steps work (docs/host.md, "How it is proven"): a bare Debian bookworm "VPS" (debootstrap, sshd, sudo, its own Docker engine;
 * tests/support/testHost.ts) converges to a secured Dokploy when the remote commands the program
 * registers are replayed over real SSH in dependency order (replay.ts), with the stand-in
 * installer (tests/support/standInInstaller/) served from the VPS's own 127.0.0.1.
 *
 * Bounded: every wait has a limit, jest's timeout caps each step, and afterAll removes the
 * containers (with their volumes) even when a test failed. Durations are printed at the end.
 */
import { createHash } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureDockerEngine } from "../../support/dockerd";
import { startPsSampler } from "../../support/psSampler";
import { ensureVpsImage, startVps, type TestVps } from "../../support/testHost";
import { buildStandInImages, prepareStandIn, REGISTRY_PORT, type StandInImages } from "../../support/standInInstaller/images";
import { describeRuns, planForReplay, replay, runOverSsh, type CommandRun } from "../../support/hostReplay";
import type { ReplayPlan } from "../../support/planCommands";

jest.setTimeout(600_000);

const DOMAIN = "example.test";
const PANEL_HOST = `dokploy.${DOMAIN}`;
const DASHBOARD_HOST = `traefik.${DOMAIN}`;
const VERSION = "v0.29.2";
const NEXT_VERSION = "v0.30.0";
/** Recognisable secrets: finding one in clear anywhere it must not be is a leak. */
const REGISTRY_PASSWORD = "e2e-REGISTRY-secret-7c1f2a9b";
const REGISTRY = { "dropit:registry": { server: `127.0.0.1:${REGISTRY_PORT}`, username: "dropitbot" }, "dropit:registryPassword": REGISTRY_PASSWORD };

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

/** Over real HTTPS/HTTP from inside the VPS (its curl trusts the stand-in CA), through Traefik on 127.0.0.1. */
function curlOnVps(vps: TestVps, url: string, extra = ""): { status: string; body: string } {
    const host = new URL(url).hostname;
    const port = url.startsWith("https") ? 443 : 80;
    const out = vps.execOk(`curl -sS --max-time 10 -o /tmp/body -w '%{http_code}' --resolve ${host}:${port}:127.0.0.1 ${extra} '${url}'; echo; cat /tmp/body`);
    const [status, ...body] = out.split("\n");
    return { status, body: body.join("\n") };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

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
    let installerUrl: string;
    let plan: ReplayPlan;
    let firstRun: CommandRun[];
    let psSamples = "";

    beforeAll(async () => {
        ({ vps, installerUrl } = await newHost("dropit-e2e-vps"));
        plan = planForReplay(stackConfig(vps, installerUrl, REGISTRY));
    });

    afterAll(() => {
        // The identity files the program wrote for the Docker provider (lib/sshIdentity.ts).
        const options = plan?.dockerProviderSshOpts ?? [];
        const keyFile = options[options.indexOf("-i") + 1];
        if (keyFile) fs.rmSync(path.dirname(keyFile), { recursive: true, force: true });
    });

    test("the first run converges the bare host, running the installer once", async () => {
        const started = Date.now();
        const stopSampling = startPsSampler(vps);
        try {
            firstRun = await replay(plan, { privateKey: vps.privateKey });
        } finally {
            psSamples = stopSampling();
        }
        durations["first run"] = Date.now() - started;
        expectAllSucceeded(firstRun, plan);
        expect(installerRuns(vps)).toEqual([`run install version=${VERSION} advertise=127.0.0.1`]);
        expect(vps.execOk("docker info --format '{{.Swarm.LocalNodeState}}'")).toBe("active");
        expect(vps.execOk("docker network inspect -f '{{.Driver}} {{.Attachable}}' dokploy-network")).toBe("overlay true");
        expect(vps.execOk("grep -E '^ +email:' /etc/dokploy/traefik/traefik.yml")).toMatch(/email: ops@example\.test$/);
        expect(vps.execOk("id -nG deploy").split(" ")).toContain("docker");
        // Registry login before the installer's pulls, with the password from stdin.
        expect(vps.execOk("cat /var/log/dropit-standin-registry.log")).toContain(`dropitbot ${sha256(REGISTRY_PASSWORD)}`);
        expect(vps.execOk("cat /etc/dokploy/.standin-owner")).toMatch(/^[0-9a-f]{64}$/);
    });

    test("the panel answers only at its domain over HTTPS, the dashboard asks for credentials, port 3000 is closed", () => {
        expect(vps.execOk("docker service inspect -f '{{json .Spec.EndpointSpec.Ports}}' dokploy")).toMatch(/^(null|\[\])$/);
        expect(vps.exec("curl -sS --max-time 5 http://127.0.0.1:3000/api/health").status).not.toBe(0);
        expect(curlOnVps(vps, `https://${PANEL_HOST}/api/health`)).toEqual({ status: "200", body: '{"status":"ok"}' });
        expect(curlOnVps(vps, `http://${PANEL_HOST}/`).status).toBe("308");
        // Dokploy's own rule (a Host header on :80 reached the panel, #5036) is gone.
        expect(curlOnVps(vps, "http://dokploy.docker.localhost/").status).toBe("404");
        expect(curlOnVps(vps, `https://${DASHBOARD_HOST}/`).status).toBe("401");
        expect(curlOnVps(vps, `https://${DASHBOARD_HOST}/`, `-u admin:${String(plan.outputs.traefikDashboardPassword)}`).status).toBe("200");
        expect(vps.execOk("stat -c '%a %U' /etc/dokploy/traefik/dynamic/dropit-traefik-dashboard.yml")).toBe("600 root");
    });

    test("the firewall admits only SSH, 80 and 443 from outside, published ports included, and is restored at boot", () => {
        expect(vps.execOk("iptables -S INPUT | sed -n 2p")).toBe("-A INPUT -j DROPIT-INPUT");
        expect(vps.execOk("iptables -S DOCKER-USER | sed -n 2p")).toBe("-A DOCKER-USER -j DROPIT-DOCKER");
        const input = vps.execOk("iptables -S DROPIT-INPUT");
        for (const port of [22, 80, 443]) expect(input).toContain(`--dport ${port} -j ACCEPT`);
        expect(input.split("\n").pop()).toBe("-A DROPIT-INPUT -j DROP");
        // A port Docker publishes (8081) is dropped from outside, 80 is not; both answer on loopback.
        vps.execOk("docker run -d --name dropit-e2e-published -p 8081:3000 dropit-standin/dokploy:" + VERSION);
        try {
            const address = vps.execOk("ip -4 -o addr show eth0 | awk '{ print $4 }' | cut -d/ -f1");
            const fromOutside = (port: number) => spawnSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3", `http://${address}:${port}/api/health`], { encoding: "utf8" }).stdout;
            expect(fromOutside(80)).toBe("404");
            expect(fromOutside(8081)).toBe("000");
            expect(fromOutside(5000)).toBe("000");
            expect(vps.execOk("curl -s --max-time 5 http://127.0.0.1:8081/api/health")).toBe('{"status":"ok"}');
        } finally {
            vps.exec("docker rm -f dropit-e2e-published");
        }
        // A reboot loses the rules: the enabled unit's ExecStart restores exactly the same set.
        const before = vps.execOk("iptables-save | grep -v '^#' | sed -E 's/\\[[0-9]+:[0-9]+\\]//'");
        vps.execOk("iptables -D INPUT -j DROPIT-INPUT && iptables -F DROPIT-INPUT && iptables -X DROPIT-INPUT && iptables -D DOCKER-USER -j DROPIT-DOCKER && iptables -F DROPIT-DOCKER && iptables -X DROPIT-DOCKER");
        expect(vps.execOk("iptables-save")).not.toContain("DROPIT");
        const unit = "/etc/systemd/system/multi-user.target.wants/dropit-firewall.service";
        vps.execOk(`eval "$(sed -n 's/^ExecStart=//p' ${unit})"`);
        expect(vps.execOk("iptables-save | grep -v '^#' | sed -E 's/\\[[0-9]+:[0-9]+\\]//'")).toBe(before);
    });

    test("the Docker provider's SSH options reach the VPS's engine as the sudo user, with the host key pinned", () => {
        const shimDir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-e2e-sshshim-"));
        try {
            // The Docker CLI's ssh:// transport runs `ssh` from PATH: this one adds the provider's options.
            const options = plan.dockerProviderSshOpts ?? [];
            expect(options).toEqual(expect.arrayContaining(["StrictHostKeyChecking=yes", "BatchMode=yes"]));
            const quoted = options.map((option) => `'${option}'`).join(" ");
            fs.writeFileSync(path.join(shimDir, "ssh"), `#!/bin/sh\nexec /usr/bin/ssh ${quoted} "$@"\n`, { mode: 0o755 });
            const env = { ...process.env, PATH: `${shimDir}:${process.env.PATH}` };
            const info = spawnSync("docker", ["-H", plan.dockerProviderHost!, "info", "--format", "{{.Swarm.LocalNodeState}}"], { encoding: "utf8", env, timeout: 60_000 });
            expect(info.stderr).toBe("");
            expect(info.stdout.trim()).toBe("active");
            // The same options against a known_hosts holding another key: refused.
            const knownHosts = options.find((option) => option.startsWith("UserKnownHostsFile="))!.split("=")[1];
            const pinned = fs.readFileSync(knownHosts, "utf8");
            fs.writeFileSync(knownHosts, pinned.replace(/ssh-ed25519 \S+/, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ0ZXN0aG9zdGtleXRlc3Rob3N0a2V5dGVzdGhvc3Q="));
            try {
                const refused = spawnSync("docker", ["-H", plan.dockerProviderHost!, "info"], { encoding: "utf8", env, timeout: 60_000 });
                expect(refused.status).not.toBe(0);
                expect(refused.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
            } finally {
                fs.writeFileSync(knownHosts, pinned);
            }
        } finally {
            fs.rmSync(shimDir, { recursive: true, force: true });
        }
    });

    test("a firewall that would close the SSH port this session uses is refused, changing nothing", async () => {
        const before = snapshot(vps);
        const lockout = planForReplay(stackConfig(vps, installerUrl, { ...REGISTRY, "dropit:firewall": { sshPort: 2222 } }));
        const firewall = lockout.commands.find((command) => command.name === "dokploy-firewall")!;
        const run = await runOverSsh(firewall, firewall.create, { privateKey: vps.privateKey });
        expect(run.status).toBe(1);
        expect(run.stderr).toContain("refusing the firewall: this SSH session arrives on port 22");
        expect(snapshot(vps)).toBe(before);
    });

    test("no secret appears in process lists during the run, in shell history or in the logged output", () => {
        const adminPassword = String(plan.outputs.dokployAdminPassword);
        const secrets = [REGISTRY_PASSWORD, adminPassword, vps.privateKey.split("\n")[1]];
        expect(adminPassword.length).toBeGreaterThanOrEqual(16);
        expect(psSamples.split("\n").length).toBeGreaterThan(100);
        // The sampler saw the program's scripts (their text is bash's argv: it holds no secret).
        expect(psSamples).toContain("dropit: Dokploy is already installed");
        const logged = firstRun.map((run) => run.stdout + run.stderr).join("\n");
        const history = vps.execOk("cat /home/deploy/.bash_history /root/.bash_history 2>/dev/null || true");
        for (const secret of secrets) {
            expect(psSamples).not.toContain(secret);
            expect(logged).not.toContain(secret);
            expect(history).not.toContain(secret);
        }
    });

    test("a second run changes nothing and does not run the installer again", async () => {
        expect(plan.commands.map((command) => command.name)).toEqual(expect.arrayContaining(["dokploy-registry-login", "dokploy-firewall", "dokploy-close-panel-port"]));
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

describe("an install killed midway, then re-run", () => {
    let vps: TestVps;
    let installerUrl: string;

    beforeAll(async () => {
        ({ vps, installerUrl } = await newHost("dropit-e2e-vps-crash"));
    });

    test("the installer dies after creating the swarm and network; the re-run resumes it and converges", async () => {
        const plan = planForReplay(stackConfig(vps, installerUrl));
        vps.execOk("mkdir -p /etc/dropit-standin && echo network > /etc/dropit-standin/crash-after");
        const started = Date.now();
        const crashed = await replay(plan, { privateKey: vps.privateKey });
        expect(crashed.map((run) => `${run.name}:${run.status === 0 ? "ok" : "failed"}`).slice(-1)).toEqual(["dokploy-dokploy:failed"]);
        expect(vps.execOk("docker network ls --format '{{.Name}}'")).toContain("dokploy-network");
        expect(vps.exec("docker service inspect dokploy").status).not.toBe(0);

        vps.execOk("rm /etc/dropit-standin/crash-after");
        const resumed = await replay(plan, { privateKey: vps.privateKey });
        durations["killed midway + re-run"] = Date.now() - started;
        expectAllSucceeded(resumed, plan);
        expect(resumed.find((run) => run.name === "dokploy-dokploy")?.stdout).toContain("resuming an install interrupted 1 time(s)");
        expect(installerRuns(vps)).toEqual([`run install version=${VERSION} advertise=127.0.0.1`, `run install version=${VERSION} advertise=127.0.0.1`]);
        expect(curlOnVps(vps, `https://${PANEL_HOST}/api/health`).status).toBe("200");

        const before = snapshot(vps);
        expectAllSucceeded(await replay(plan, { privateKey: vps.privateKey }), plan);
        expect(snapshot(vps)).toBe(before);
    });

    test("a changed dokploy.version goes through the installer's update path, not a reinstall", async () => {
        const plan = planForReplay(stackConfig(vps, installerUrl, { "dropit:dokploy": { version: NEXT_VERSION, installerUrl } }));
        const install = plan.commands.find((command) => command.name === "dokploy-dokploy")!;
        const run = await runOverSsh(install, install.update!, { privateKey: vps.privateKey });
        expect(run.status).toBe(0);
        expect(vps.execOk("docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' dokploy")).toBe(`dropit-standin/dokploy:${NEXT_VERSION}`);
        expect(installerRuns(vps).slice(-1)).toEqual([`run update version=${NEXT_VERSION}`]);
    });

    test("pulumi destroy uninstalls Dokploy only when uninstallOnDestroy is set", async () => {
        const plan = planForReplay(stackConfig(vps, installerUrl, { "dropit:dokploy": { version: NEXT_VERSION, installerUrl, uninstallOnDestroy: true } }));
        const install = plan.commands.find((command) => command.name === "dokploy-dokploy")!;
        const run = await runOverSsh(install, install.delete!, { privateKey: vps.privateKey });
        expect(run.status).toBe(0);
        expect(vps.execOk("docker info --format '{{.Swarm.LocalNodeState}}'")).toBe("inactive");
        expect(vps.exec("test -e /etc/dokploy").status).not.toBe(0);
        expect(vps.execOk("docker ps -aq --filter name=dokploy-traefik")).toBe("");
    });
});
