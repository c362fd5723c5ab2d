/**
 * What the engine suite (tests/engine/program.engine.test.ts) does not run of the host steps
 * (docs/host.md, "How it is proven"): the remote commands the program registers, replayed over
 * real SSH in dependency order (hostReplay.ts) on a bare Debian bookworm "VPS" (debootstrap,
 * sshd, sudo, its own Docker engine; tests/support/testHost.ts), with the stand-in installer
 * (tests/support/standInInstaller/) served from the VPS's own 127.0.0.1. Kept as a replay because
 * its one case needs a host the engine suite's stack cannot give it without a second bare VPS and
 * a full install: an installer killed midway on a bare host. The uninstalling destroy and SSH with
 * a wrong key or host key run under the engine suite.
 *
 * Bounded: every wait has a limit, jest's timeout caps each step, and afterAll removes the
 * containers (with their volumes) even when a test failed. Durations are printed at the end.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureDockerEngine } from "../../support/dockerd";
import { curlOnVps, hostSnapshot, installerRuns } from "../../support/hostChecks";
import { ensureVpsImage, startVps, type TestVps } from "../../support/testHost";
import { buildStandInImages, prepareStandIn, REGISTRY_PORT, type StandInImages } from "../../support/standInInstaller/images";
import { describeRuns, planForReplay, replay, type CommandRun } from "../../support/hostReplay";
import type { ReplayPlan } from "../../support/planCommands";

jest.setTimeout(600_000);

const DOMAIN = "example.test";
const PANEL_HOST = `dokploy.${DOMAIN}`;
const DASHBOARD_HOST = `traefik.${DOMAIN}`;
const VERSION = "v0.29.2";
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

function expectAllSucceeded(runs: readonly CommandRun[], plan: ReplayPlan): void {
    const failed = runs.find((run) => run.status !== 0);
    if (failed || runs.length !== plan.commands.length) throw new Error(`replay did not complete:\n${describeRuns(runs)}`);
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

beforeAll(async () => {
    let started = Date.now();
    engine = await ensureDockerEngine();
    const built = ensureVpsImage();
    vpsImage = built.image;
    durations["VPS image build (0 = cached)"] = built.builtMs;
    started = Date.now();
    images = buildStandInImages([VERSION], [PANEL_HOST, DASHBOARD_HOST]);
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

describe("an install killed midway, then re-run", () => {
    let vps: TestVps;
    let installerUrl: string;
    let plan: ReplayPlan;

    beforeAll(async () => {
        ({ vps, installerUrl } = await newHost("dropit-e2e-vps-crash"));
        plan = planForReplay(stackConfig(vps, installerUrl, REGISTRY));
    });

    afterAll(() => {
        // The identity files the program wrote for the Docker provider (lib/sshIdentity.ts).
        const options = plan?.dockerProviderSshOpts ?? [];
        const keyFile = options[options.indexOf("-i") + 1];
        if (keyFile) fs.rmSync(path.dirname(keyFile), { recursive: true, force: true });
    });

    test("the installer dies after creating the swarm and network; the re-run resumes it and converges", async () => {
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
        // Registry login before the installer's pulls, with the password from stdin.
        expect(vps.execOk("cat /var/log/dropit-standin-registry.log")).toContain(`dropitbot ${sha256(REGISTRY_PASSWORD)}`);

        const before = hostSnapshot(vps);
        expectAllSucceeded(await replay(plan, { privateKey: vps.privateKey }), plan);
        expect(hostSnapshot(vps)).toBe(before);
    });
});
