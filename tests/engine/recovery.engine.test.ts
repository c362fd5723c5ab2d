/**
 * Disaster recovery as docs/backups.md tells users to run it ("Disaster recovery: the VPS is
 * gone"), under the real CLI and plugins: a bare debootstrap VPS (tests/support/testHost.ts)
 * converged by `pulumi up` with offsite copies to a real SFTP server (tests/support/backupTargets.ts),
 * rows written and a backup run as its timer would run it; then that VPS is destroyed, a second
 * bare one takes its place, and the documented commands (`pulumi config set` of the new host and
 * host key and of `restoreFrom: latest`, `pulumi state delete --target-dependents` of the lost
 * server's Docker provider, `pulumi up`) must bring the app back on every row, restored before
 * the API starts.
 *
 * Same kernel limits as tests/engine/program.engine.test.ts (no IPVS: dnsrr; no systemd: the
 * suite runs the backup unit's ExecStart). Writes .tmp/engine-recovery-report.json. Bounded:
 * every CLI command has a timeout, every wait a limit; afterAll removes the hosts, the targets,
 * the network, the backend and the stack file.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkBackupAge, parseOutputs } from "../../scripts/smoke";
import { LOCAL_REGISTRY_CONTAINER, LOCAL_REGISTRY_IMAGE } from "../../lib/appImage";
import { startBackupTargets, SFTP_REPOSITORY_DIR, SFTP_USER, type BackupTargets } from "../support/backupTargets";
import { docker, dockerOk, ensureDockerEngine, waitFor } from "../support/dockerd";
import { startFakeDnsServer, type FakeDnsServer } from "../support/fakeDnsServer";
import { EngineApp, exportedResources, plannedChanges, routed as routedOn, secretsFound, setBaseStackConfig, sql as sqlOn } from "../support/engineStack";
import { ensureStandInImages } from "../support/engineStandIns";
import { runUnitExecStart } from "../support/hostChecks";
import { failureSummary, findPulumi, PulumiCli } from "../support/pulumiCli";
import { tagLocalRegistryStandIn } from "../support/registry";
import { buildStandInImages, prepareStandIn, type StandInImages } from "../support/standInInstaller/images";
import { ensureVpsImage, loadImagesIntoVps, startVps, type TestVps } from "../support/testHost";

jest.setTimeout(900_000);

const ROOT = path.resolve(__dirname, "..", "..");
const STACK = "enginerecovery";
const STACK_FILE = path.join(ROOT, `Pulumi.${STACK}.yaml`);
const PREFIX = "dropit-erec";
const NETWORK = `${PREFIX}-net`;
const REPORT = path.join(ROOT, ".tmp", "engine-recovery-report.json");
const DOMAIN = "example.test";
const API_HOST = `api.${DOMAIN}`;
const HOSTS = [DOMAIN, API_HOST, `traefik.${DOMAIN}`, `dokploy.${DOMAIN}`];
const VERSION = "v0.29.2";
const LONG = { timeoutMs: 840_000 };
const ROWS = 2000;
const RESTORE_MARKER = "/var/lib/dropit/offsite-restored";

const SECRETS = {
    passphrase: "engineRecovery-PASSPHRASE-91d3",
    brevoApiKey: "engineRecoveryBREVO4e27",
};

let cli: PulumiCli;
let vpsImage: string;
let standIns: ReturnType<typeof ensureStandInImages>;
let installerImages: StandInImages;
let targets: BackupTargets;
let dns: FakeDnsServer;
let engine: { release(): Promise<void> } | undefined;
let lost: TestVps | undefined;
let replacement: TestVps | undefined;
/** The user's key pair (the first server's): they authorise it on the new VPS too. */
let userKey = { privateKey: "", publicKey: "" };
/** Rows and a checksum of every row, as written on the first server. */
let written = { rows: 0, md5: "" };
const app = new EngineApp(path.join(ROOT, ".tmp", "engine-recovery-app"));
const canaries = new Map<string, string>();
const report: Record<string, unknown> = {};

const set = (key: string, value: string) => cli.ok(["config", "set", "--path", key, value]);

/** A bare VPS on the suite's network, with the stand-in installer and PostgreSQL's image; no systemd, so a recorder. */
async function bareServer(name: string): Promise<{ vps: TestVps; installerUrl: string }> {
    const vps = await startVps(vpsImage, `${PREFIX}-${name}`, { network: NETWORK });
    const installerUrl = prepareStandIn(vps, installerImages);
    loadImagesIntoVps(vps, [standIns.images.postgres]);
    vps.execOk(`docker tag ${standIns.images.postgres} postgres:15-alpine`);
    vps.execOk("install -m 0755 /dev/stdin /usr/local/bin/systemctl", { input: '#!/bin/sh\necho "systemctl $*" >> /var/log/dropit-systemctl.log\n' });
    return { vps, installerUrl };
}

function fingerprint(vps: TestVps): { rows: number; md5: string } {
    const [line] = sqlOn(vps, "SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), '')) FROM engine_rows t");
    const [rows, md5] = line.split(" ");
    return { rows: Number(rows), md5 };
}

/** When a service was created, in whole Unix seconds of the VPS's clock. */
function serviceCreatedAt(vps: TestVps, service: string): number {
    return Number(vps.execOk(`docker service inspect -f '{{.CreatedAt.Unix}}' ${service}`));
}

/** Runs a CLI command that may fail; its status, duration and, when it failed, its error lines. */
async function attempt(args: string[]): Promise<{ status: number | null; seconds: number; failure?: string }> {
    const result = await cli.run(args, LONG);
    return { status: result.status, seconds: result.seconds, ...(result.status === 0 ? {} : { failure: failureSummary(result) }) };
}

beforeAll(async () => {
    const binary = findPulumi();
    if (!binary) throw new Error("no pulumi CLI: run `bash scripts/setup.sh` (it installs the engine and its plugins)");
    const started = Date.now();
    engine = await ensureDockerEngine();
    vpsImage = ensureVpsImage().image;
    standIns = ensureStandInImages();
    installerImages = buildStandInImages([VERSION], HOSTS, { router: "traefik" });
    // The builder is this machine's engine, as in the program's engine suite.
    dockerOk(["tag", standIns.images.nginx, "nginx:1.27-alpine"]);
    dockerOk(["tag", standIns.images.node, "node:20-alpine"]);
    tagLocalRegistryStandIn(vpsImage, LOCAL_REGISTRY_IMAGE);
    docker(["rm", "-f", LOCAL_REGISTRY_CONTAINER]);
    docker(["network", "rm", NETWORK]);
    targets = await startBackupTargets(vpsImage, `${PREFIX}-targets`, NETWORK);
    const first = await bareServer("a");
    lost = first.vps;
    userKey = { privateKey: lost.privateKey, publicKey: fs.readFileSync(`${lost.privateKeyFile}.pub`, "utf8") };
    report.setUpSeconds = Math.round((Date.now() - started) / 100) / 10;

    dns = await startFakeDnsServer({}, () => ({ kind: "answer", address: "127.0.0.1" }));
    app.write();
    cli = new PulumiCli(binary, ROOT, SECRETS.passphrase);
    for (const [name, value] of Object.entries(SECRETS)) canaries.set(name, value);
    const keyLines = lost.privateKey.trim().split("\n");
    canaries.set("sshPrivateKey", keyLines[Math.floor(keyLines.length / 2)]);
    const offsiteKeyLines = targets.sftpPrivateKey.trim().split("\n");
    canaries.set("offsiteSshKey", offsiteKeyLines[Math.floor(offsiteKeyLines.length / 2)]);
    await cli.ok(["stack", "init", STACK]);
    await setBaseStackConfig(cli, {
        domain: DOMAIN,
        vps: lost,
        app,
        dokployVersion: VERSION,
        installerUrl: first.installerUrl,
        nameserver: dns.address,
        brevoApiKey: SECRETS.brevoApiKey,
    });
    // docs/backups.md, "Offsite copies": an SFTP repository, its host key pinned, its key a secret.
    await set("dropit:postgres.backups.offsite.repository", `sftp:${SFTP_USER}@${targets.host}:${SFTP_REPOSITORY_DIR}`);
    await set("dropit:postgres.backups.offsite.sftpHostKey", targets.sftpHostKey);
    await set("dropit:postgres.backups.offsite.timeoutMinutes", "2");
    await cli.ok(["config", "set", "--secret", "dropit:offsiteSshKey"], { input: targets.sftpPrivateKey });
});

afterAll(async () => {
    fs.mkdirSync(path.dirname(REPORT), { recursive: true });
    fs.writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`engine recovery report: ${JSON.stringify(report)}`);
    if (process.env.DROPIT_E2E_KEEP !== "1") {
        lost?.remove();
        replacement?.remove();
        targets?.remove();
        docker(["network", "rm", NETWORK]);
        docker(["rm", "-f", LOCAL_REGISTRY_CONTAINER]);
        await engine?.release();
        cli?.remove();
        fs.rmSync(STACK_FILE, { force: true });
        app.remove();
    }
    await dns?.close();
});

test("up converges the first server with offsite copies; rows written there go offsite with the timer's backup run", async () => {
    const up = await cli.ok(["up", "--yes"], LONG);
    const vps = lost!;
    await waitFor("the web app through the router", 90_000, () => routedOn(vps, DOMAIN, "/").body.includes("web-1"), 1000);
    expect(routedOn(vps, API_HOST, "/api/health").status).toBe("200");
    sqlOn(vps, `CREATE TABLE engine_rows (id serial PRIMARY KEY, note text NOT NULL); INSERT INTO engine_rows (note) SELECT md5('row-' || g) FROM generate_series(1, ${ROWS}) g;`);
    written = fingerprint(vps);
    const backup = runUnitExecStart(vps, "/etc/systemd/system/dropit-pg-backup.service.d/offsite.conf", 240_000);
    const snapshots = vps
        .execOk("/usr/local/sbin/dropit-pg-offsite snapshots")
        .split("\n")
        .filter((line) => /^[0-9a-f]{8} /.test(line));
    report.first = { upSeconds: up.seconds, resources: (await exportedResources(cli)).length, rows: written.rows, snapshots: snapshots.length, backupSaid: backup.split("\n").slice(-3) };
    expect(written.rows).toBe(ROWS);
    expect(snapshots).toHaveLength(1);
    // The generated repository password is a secret output: the one thing besides the stack to keep.
    const password = (await cli.ok(["stack", "output", "offsiteRepositoryPassword", "--show-secrets"], { unrecorded: true })).stdout.trim();
    expect(password).toMatch(/^[A-Za-z0-9]{40}$/);
    canaries.set("offsiteRepositoryPassword", password);
});

test("the first server is gone; the documented steps bring a new bare one up with every row, restored before the API starts", async () => {
    lost!.remove();
    lost = undefined;
    const started = Date.now();
    const next = await bareServer("b");
    replacement = next.vps;
    // The user's key, authorised on the new VPS as on the old one (deployment guide, step 1).
    replacement.execOk("cat >> /home/deploy/.ssh/authorized_keys", { input: userKey.publicKey });

    // docs/backups.md, "Disaster recovery", step 2, as written: the new server, the restore, and
    // the lost server's Docker resources forgotten (nothing is deleted anywhere).
    await set("dropit:server.port", String(replacement.sshPort));
    await set("dropit:server.hostKey", replacement.hostKey);
    await set("dropit:postgres.backups.restoreFrom", "latest");
    const provider = (await cli.ok(["stack", "output", "serverDockerProvider"])).stdout.trim();
    const resourcesBefore = (await exportedResources(cli)).length;
    const forget = await attempt(["state", "delete", "--target-dependents", "--yes", provider]);
    const resourcesForgotten = resourcesBefore - (await exportedResources(cli)).length;
    const planned = plannedChanges((await cli.ok(["preview", "--json"], LONG)).stdout);
    const up = await attempt(["up", "--yes", "--skip-preview"]);
    const vps = replacement;
    report.recovery = {
        provider,
        resourcesForgotten,
        planned: planned.length,
        forget: { status: forget.status, failure: forget.failure },
        up: { status: up.status, seconds: up.seconds, failure: up.failure },
        secondsFromBareHost: Math.round((Date.now() - started) / 100) / 10,
    };
    expect(provider).toMatch(/^urn:pulumi:enginerecovery::dropit::dropit:index:DokployHost\$pulumi:providers:docker::dokploy-docker$/);
    expect(forget.failure).toBeUndefined();
    expect(up.failure).toBeUndefined();
    await waitFor("the web app through the router on the new VPS", 90_000, () => routedOn(vps, DOMAIN, "/").body.includes("web-1"), 1000);
    expect(routedOn(vps, API_HOST, "/api/health").status).toBe("200");
    const restored = fingerprint(vps);
    const restoredAt = Number(vps.execOk(`stat -c %Y ${RESTORE_MARKER}`));
    const apiCreatedAt = serviceCreatedAt(vps, "dropit-api");
    Object.assign(report.recovery as Record<string, unknown>, { restored, apiCreatedAfterRestoreSeconds: Math.round((apiCreatedAt - restoredAt) * 10) / 10 });
    expect(restored).toEqual(written);
    expect(apiCreatedAt).toBeGreaterThanOrEqual(restoredAt);
});

test("after the recovery the engine plans nothing, and a second up restores nothing again", async () => {
    const vps = replacement!;
    const check = await cli.run(["preview", "--expect-no-changes", "--diff"], LONG);
    expect({ status: check.status, tail: check.status === 0 ? "" : check.stdout.slice(-3000) }).toEqual({ status: 0, tail: "" });
    const markerBefore = vps.execOk(`stat -c %Y ${RESTORE_MARKER}`);
    sqlOn(vps, "INSERT INTO engine_rows (note) VALUES ('after the recovery')");
    await cli.ok(["up", "--yes"], LONG);
    expect(vps.execOk(`stat -c %Y ${RESTORE_MARKER}`)).toBe(markerBefore);
    expect(fingerprint(vps).rows).toBe(ROWS + 1);
});

test("the CI smoke check's backup age, from the real stack outputs: the newest offsite snapshot is fresh", async () => {
    const deployment = parseOutputs((await cli.ok(["stack", "output", "--json"])).stdout);
    expect(deployment.backups?.ssh).toEqual({ user: "deploy", port: replacement!.sshPort, hostKey: replacement!.hostKey });
    const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-engine-smoke-"));
    try {
        const sshKey = path.join(keyDir, "id");
        fs.writeFileSync(sshKey, userKey.privateKey, { mode: 0o600 });
        const fresh = await checkBackupAge(deployment, { sshKey });
        report.smokeBackupAge = fresh;
        expect(fresh).toMatchObject({ ok: true, detail: expect.stringMatching(/^newest offsite snapshot \d+\.\d h old \(maximum 26 h\)$/) });
    } finally {
        fs.rmSync(keyDir, { recursive: true, force: true });
    }
});

test("no secret value (the offsite key and the repository password among them) appears in the state, the backend's files or the CLI's output", async () => {
    const found = await secretsFound(cli, STACK_FILE, canaries);
    report.secretsSearched = [...canaries.keys()];
    report.secretsFound = found;
    expect(canaries.size).toBe(5);
    expect(found).toEqual([]);
});
