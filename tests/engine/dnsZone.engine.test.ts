/**
 * The real engine: `pulumi preview`, `up`, `refresh`, a killed `up`, and `destroy`, run by the
 * real CLI (file backend, passphrase secrets) over the part of the program that needs no
 * resource plugin besides the SDK's dynamic-provider launcher: the real configuration layer
 * and the real DnsZone, talking to a fake of Infomaniak's API and a DNS server that answers from
 * that fake zone, both on 127.0.0.1. What only the engine decides is checked here: what it
 * stores (`__provider`, secrets), what a second `up` diffs, how providers load back from the
 * state, what `destroy` deletes. Figures go to .tmp/engine-dns-report.json.
 *
 * Bounded: every command has a timeout, the propagation waits are capped by the stack's own
 * `dns.propagationTimeoutSeconds`, and afterAll removes the temp backend and stack file.
 */
import * as fs from "fs";
import * as path from "path";
import { FAKE_ZONE, startFakeInfomaniak, type FakeInfomaniak } from "../support/fakeInfomaniak";
import { startFakeDnsServer, type FakeDnsServer } from "../support/fakeDnsServer";
import { findPulumi, PulumiCli } from "../support/pulumiCli";
import { exportedResources } from "../support/engineStack";
import { sleep } from "../support/loopback";

jest.setTimeout(900_000);

const ROOT = path.resolve(__dirname, "..", "..");
const PROJECT_DIR = path.join(__dirname, "dns-project");
const STACK = "engine";
const ADDRESS = "203.0.113.10";
const MOVED_ADDRESS = "203.0.113.20";
const NAMES = ["@", "api", "traefik", "dokploy"];
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ0ZXN0aG9zdGtleXRlc3Rob3N0a2V5dGVzdGhvc3Q=";

/** Recognisable values for every secret; none may show up in clear anywhere. */
const SECRETS = {
    passphrase: "engine-PASSPHRASE-5d1c",
    sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nENGINEsshKEY83b2f1\n-----END OPENSSH PRIVATE KEY-----\n",
    infomaniakToken: "ENGINEinfomaniakTOKEN6c0e94",
    brevoApiKey: "ENGINEbrevoKEY41aa07",
    registryPassword: "ENGINEregistryPASS2f9d58",
};
const SECRET_MARKERS = ["engine-PASSPHRASE-5d1c", "ENGINEsshKEY83b2f1", "ENGINEinfomaniakTOKEN6c0e94", "ENGINEbrevoKEY41aa07", "ENGINEregistryPASS2f9d58"];

let cli: PulumiCli;
let fake: FakeInfomaniak;
let dns: FakeDnsServer;
const report: Record<string, unknown> = {};

/** Our A records at the fake, by name. */
function aRecords(): Map<string, { id: number; target: string; ttl: number }> {
    const sources = new Map(NAMES.map((name) => [name === "@" ? "." : name, name]));
    return new Map(fake.records().filter((record) => record.type === "A" && sources.has(record.source))
        .map((record) => [sources.get(record.source)!, { id: record.id, target: record.target, ttl: record.ttl }]));
}

/** The steps a `preview --json` plans, without the unchanged ones. */
function plannedChanges(previewJson: string): { op: string; urn: string }[] {
    const steps = (JSON.parse(previewJson) as { steps?: { op: string; urn: string }[] }).steps ?? [];
    return steps.filter((step) => step.op !== "same").map(({ op, urn }) => ({ op, urn }));
}

function secretsIn(text: string): string[] {
    return SECRET_MARKERS.filter((marker) => text.includes(marker));
}

beforeAll(async () => {
    const binary = findPulumi();
    if (!binary) throw new Error("no pulumi CLI: run `bash scripts/setup.sh` (it builds the engine when none is installed)");
    fake = await startFakeInfomaniak();
    fake.tokens.set(SECRETS.infomaniakToken, ["dns:read", "dns:write"]);
    // The zone answers what the fake API holds, the way Infomaniak's name servers serve its zone.
    dns = await startFakeDnsServer({}, (name) => {
        const source = name === FAKE_ZONE ? "." : name.slice(0, -(FAKE_ZONE.length + 1));
        const record = fake.records().find((candidate) => candidate.source === source && candidate.type === "A");
        return record ? { kind: "answer", address: record.target } : undefined;
    });
    cli = new PulumiCli(binary, PROJECT_DIR, SECRETS.passphrase);
    report.pulumiVersion = (await cli.ok(["version"])).stdout.trim();
    const plugins = (await cli.ok(["plugin", "ls", "--json"])).stdout;
    report.plugins = Object.fromEntries((JSON.parse(plugins || "[]") as { name: string; version: string }[]).map((plugin) => [plugin.name, plugin.version]));
});

afterAll(async () => {
    fs.mkdirSync(path.join(ROOT, ".tmp"), { recursive: true });
    fs.writeFileSync(path.join(ROOT, ".tmp", "engine-dns-report.json"), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`engine report: ${JSON.stringify(report)}`);
    fs.rmSync(path.join(PROJECT_DIR, `Pulumi.${STACK}.yaml`), { force: true });
    cli?.remove();
    await dns?.close();
    await fake?.close();
});

test("a new stack is configured the way the README tells users", async () => {
    await cli.ok(["stack", "init", STACK]);
    const set = (key: string, value: string) => cli.ok(["config", "set", "--path", key, value]);
    const setSecret = (key: string, value: string) => cli.ok(["config", "set", "--secret", key], { input: value });
    await set("dropit:domain", FAKE_ZONE);
    await set("dropit:acmeEmail", `ops@${FAKE_ZONE}`);
    await set("dropit:server.host", ADDRESS);
    await set("dropit:server.hostKey", HOST_KEY);
    await set("dropit:app.source", "tests/fixtures/dropit-app");
    await set("dropit:dns.provider", "infomaniak");
    await set("dropit:dns.propagationPollSeconds", "1");
    await set("dropit:dns.propagationTimeoutSeconds", "60");
    await set("dropit:registry.username", "dropitbot");
    await setSecret("dropit:sshPrivateKey", SECRETS.sshPrivateKey);
    await setSecret("dropit:infomaniakToken", SECRETS.infomaniakToken);
    await setSecret("dropit:brevoApiKey", SECRETS.brevoApiKey);
    await setSecret("dropit:registryPassword", SECRETS.registryPassword);
    await set("enginetest:infomaniakApiUrl", fake.url);
    await set("enginetest:nameserver", dns.address);
    const stackFile = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${STACK}.yaml`), "utf8");
    expect(stackFile).toContain("secure: v1:");
    expect(secretsIn(stackFile)).toEqual([]);
    // Someone already points traefik at the server: adopted, never deleted by us.
    fake.seed({ source: "traefik", type: "A", target: ADDRESS, ttl: 3600 });
});

test("preview writes nothing; up creates the records and waits for DNS", async () => {
    const preview = await cli.ok(["preview"]);
    expect(preview.stdout).toMatch(/\+ 7 to create/);
    expect(fake.requests.filter((request) => request.method !== "GET")).toEqual([]);

    const up = await cli.ok(["up", "--yes"]);
    const records = aRecords();
    expect([...records.keys()].sort()).toEqual([...NAMES].sort());
    for (const record of records.values()) expect(record.target).toBe(ADDRESS);
    expect(fake.foreignDamage()).toEqual([]);
    const resources = await exportedResources(cli, STACK);
    report.up = { seconds: up.seconds, resources: resources.length };
    report.providerSizes = Object.fromEntries(resources
        .filter((resource) => typeof resource.inputs?.__provider === "string")
        .map((resource) => [resource.urn.split("::").pop(), (resource.inputs!.__provider as string).length]));
});

test("a second preview changes nothing, also after a refresh", async () => {
    const noop = await cli.run(["preview", "--expect-no-changes"]);
    expect(noop.status).toBe(0);
    report.noopPreview = { seconds: noop.seconds, changes: plannedChanges((await cli.ok(["preview", "--json"])).stdout).length };
    expect(report.noopPreview).toMatchObject({ changes: 0 });
    await cli.ok(["refresh", "--yes"]);
    expect((await cli.run(["preview", "--expect-no-changes"])).status).toBe(0);
});

test("a TTL change updates the four records in place and nothing else", async () => {
    const before = aRecords();
    await cli.ok(["config", "set", "--path", "dropit:dns.ttl", "600"]);
    const changes = plannedChanges((await cli.ok(["preview", "--json"])).stdout);
    report.ttlChange = { changedResources: changes.map((change) => `${change.op} ${change.urn.split("::").pop()}`) };
    expect(changes.map((change) => change.op)).toEqual(["update", "update", "update", "update"]);
    expect(changes.every((change) => change.urn.includes("infomaniak:DnsRecord"))).toBe(true);
    await cli.ok(["up", "--yes"]);
    for (const [name, record] of aRecords()) {
        expect({ name, ttl: record.ttl, id: record.id }).toEqual({ name, ttl: 600, id: before.get(name)!.id });
    }
});

test("no secret value appears in the state, the backend's files or anything the CLI printed", async () => {
    const found = new Set<string>();
    for (const marker of secretsIn((await cli.ok(["stack", "export", "--stack", STACK])).stdout)) found.add(`stack export: ${marker}`);
    for (const file of cli.backendFiles()) {
        for (const marker of secretsIn(fs.readFileSync(file, "utf8"))) found.add(`${path.relative(cli.stateDir, file)}: ${marker}`);
    }
    for (const marker of secretsIn(cli.transcript.join("\n"))) found.add(`CLI output: ${marker}`);
    report.secretsFound = [...found];
    expect(report.secretsFound).toEqual([]);
    // The token is in the state, encrypted: the records need it to be deleted later.
    const stateText = JSON.stringify(await exportedResources(cli, STACK));
    expect(stateText).toContain("4dabf18193072939515e22adb298388d");
});

test("an up killed midway is recovered with cancel and refresh, then converges", async () => {
    // The new address is written at once, but the name server stays silent for api: the wait polls.
    dns.names.set(`api.${FAKE_ZONE}`, { kind: "silent" });
    await cli.ok(["config", "set", "--path", "dropit:server.host", MOVED_ADDRESS]);
    const running = cli.start(["up", "--yes", "--skip-preview"]);
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && [...aRecords().values()].filter((record) => record.target === MOVED_ADDRESS).length < NAMES.length) await sleep(200);
    await sleep(2_000);
    expect(running.child.exitCode).toBeNull();
    process.kill(-running.child.pid!, "SIGKILL");
    await new Promise((resolve) => running.child.once("close", resolve));
    const leftovers = cli.killLeftovers();

    const blocked = await cli.run(["up", "--yes"]);
    report.killedUp = { pluginProcessesLeftByTheKill: leftovers, nextUpBeforeRecovery: blocked.status === 0 ? "succeeded" : (blocked.stderr + blocked.stdout).match(/error: .*/)?.[0] ?? "failed" };
    dns.names.delete(`api.${FAKE_ZONE}`);
    await cli.run(["cancel", "--yes"]);
    await cli.ok(["refresh", "--yes", "--clear-pending-creates"]);
    await cli.ok(["up", "--yes"]);
    const recovered = (await cli.run(["preview", "--expect-no-changes"])).status === 0
        && [...aRecords().values()].every((record) => record.target === MOVED_ADDRESS);
    report.killedUp = { ...(report.killedUp as object), recovered };
    expect(recovered).toBe(true);
});

test("destroy deletes only what we created; a new up brings it back", async () => {
    const adopted = aRecords().get("traefik")!;
    await cli.ok(["destroy", "--yes"]);
    const left = aRecords();
    expect([...left.keys()]).toEqual(["traefik"]);
    expect(left.get("traefik")!.id).toBe(adopted.id);
    expect(fake.foreignDamage()).toEqual([]);
    await cli.ok(["up", "--yes"]);
    expect([...aRecords().keys()].sort()).toEqual([...NAMES].sort());
    report.destroy = { volumeKept: null, rowsKept: null, ownRecordsDeleted: true, adoptedRecordKept: true, foreignRecordsUntouched: true };
});
