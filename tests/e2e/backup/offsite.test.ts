/**
 * The disaster-recovery drill (docs/backups.md, "Offsite copies"): real restic (Debian's, installed
 * on the VPS by the program's own step), a real SFTP server and a real restic REST server in
 * append-only mode (tests/support/backupTargets.ts), and simulated VPSes reached over real SSH
 * (tests/support/testHost.ts). The host commands of PostgresService are the program's plan,
 * replayed over SSH (../host/replay.ts), as in the host suite.
 *
 * The recovery as users run it, `pulumi up` onto a new bare server, is the engine's drill
 * (tests/engine/recovery.engine.test.ts). This replay stays for what that run does not do: the
 * faults (unreachable target, wrong password, full target, full disk), the append-only REST and
 * the S3 targets, a changed snapshot refused on a database that holds data, and the smoke check
 * on a stale snapshot.
 *
 * What stands in: the Swarm services the Docker provider would create (dropit-postgres,
 * dropit-api) are created here with `docker service create` from the planned environment,
 * so that each fault needs no full deployment; PostgreSQL is Debian's 15 in a stand-in
 * image (no registry for postgres:16-alpine); the API is a stand-in reading the database with
 * the planned credentials; the VPS container runs no systemd, so a `systemctl` recorder stands in
 * for it and the test runs each unit's ExecStart as the timer would.
 *
 * Figures go to .tmp/backup-report.json. Every wait is bounded; afterAll removes every container,
 * volume and network created here (all named dropit-bk-*).
 */
import { createHash, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkBackupAge, parseOutputs } from "../../../scripts/smoke";
import { ensureDockerEngine, waitFor } from "../../support/dockerd";
import { startPsSampler } from "../../support/psSampler";
import { ensureVpsImage, loadImagesIntoVps, startVps, type TestVps } from "../../support/testHost";
import {
    ensurePostgresImage,
    PING_PORT,
    REST_PORT,
    S3_BUCKET,
    S3_PORT,
    SFTP_REPOSITORY_DIR,
    SFTP_USER,
    startBackupTargets,
    type BackupTargets,
} from "../../support/backupTargets";
import { describeRuns, planForReplay, replay, type CommandRun } from "../../support/hostReplay";
import { plannedService, type PlannedService, type ReplayPlan } from "../../support/planCommands";

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, "..", "..", "..");
const NETWORK = "dropit-bk-net";
const PING_ID = randomUUID();
const DB = "dropit";
const BACKUP_DIR = "/var/backups/dropit/postgres";
const report: Record<string, unknown> = { faults: {} as Record<string, string> };
const durations: Record<string, number> = {};
const suiteStarted = Date.now();
let engine: { release(): Promise<void> } | undefined;
let vpsImage: string;
let postgresImage: string;
let targets: BackupTargets;
const hosts: TestVps[] = [];

type Target = "sftp" | "rest" | "s3";

function stackConfig(
    vps: TestVps,
    target: Target,
    extra: { restoreFrom?: string; offsitePassword?: string } = {},
): Record<string, unknown> {
    const repository = {
        sftp: `sftp:${SFTP_USER}@${targets.host}:${SFTP_REPOSITORY_DIR}`,
        rest: `rest:http://${targets.host}:${REST_PORT}/dropit`,
        s3: `s3:http://${targets.host}:${S3_PORT}/${S3_BUCKET}/dropit`,
    }[target];
    const credentials = {
        sftp: { "dropit:offsiteSshKey": targets.sftpPrivateKey },
        rest: { "dropit:offsiteCredentials": `REST_USERNAME=${targets.rest.user}\nREST_PASSWORD=${targets.rest.password}\n` },
        s3: {
            "dropit:offsiteCredentials":
                "AWS_ACCESS_KEY_ID=dropit-vps\nAWS_SECRET_ACCESS_KEY=drill-s3-secret-7d41\nAWS_DEFAULT_REGION=us-east-1\n",
        },
    }[target];
    return {
        "dropit:domain": "example.test",
        "dropit:acmeEmail": "ops@example.test",
        "dropit:server": { host: "127.0.0.1", port: vps.sshPort, user: "deploy", hostKey: vps.hostKey },
        "dropit:sshPrivateKey": vps.privateKey,
        "dropit:app": { source: "tests/fixtures/dropit-app" },
        "dropit:firewall": { sshPort: 22 },
        "dropit:postgres": {
            // The stand-in image runs Debian's PostgreSQL 15: the version guard must agree.
            version: 15,
            backups: {
                offsite: {
                    repository,
                    appendOnly: target === "rest",
                    timeoutMinutes: 1,
                    // Every snapshot of the drill stays, so that the repository's growth is the upload.
                    keepLast: 100,
                    ...(target === "sftp" ? { sftpHostKey: targets.sftpHostKey } : {}),
                },
                ...(extra.restoreFrom ? { restoreFrom: extra.restoreFrom } : {}),
            },
        },
        ...credentials,
        ...(extra.offsitePassword ? { "dropit:offsitePassword": extra.offsitePassword } : {}),
        "dropit:backupPingUrl": `http://${targets.host}:${PING_PORT}/cgi-bin/hc/${PING_ID}`,
    };
}

function planFor(vps: TestVps, target: Target, extra: Parameters<typeof stackConfig>[2] = {}): ReplayPlan {
    return planForReplay(stackConfig(vps, target, extra), "postgres", "drill");
}

/** What runs before the PostgreSQL service exists: the version guard and its init SQL's Swarm config. */
const BEFORE_SERVICE = ["postgres-version-guard", "postgres-init-sql"];
const beforeService = (command: { name: string }) => BEFORE_SERVICE.includes(command.name);

/** Runs the steps the service needs; returns the name of the init SQL's config (what `docker service create --config` takes). */
async function prepareService(vps: TestVps, plan: ReplayPlan): Promise<string> {
    expectAllSucceeded(await replay(plan, { privateKey: vps.privateKey }, beforeService), BEFORE_SERVICE.length);
    const initSql = plan.commands.find((command) => command.name === "postgres-init-sql")!;
    return /\nCONFIG_NAME=(\S+)\n/.exec(initSql.create)![1];
}

function expectAllSucceeded(runs: readonly CommandRun[], expected: number): void {
    if (runs.length !== expected || runs.some((run) => run.status !== 0))
        throw new Error(`replay did not complete:\n${describeRuns(runs)}`);
}

/**
 * A VPS on the drill's network with a Swarm, the images, and a `systemctl` recorder (no systemd in a container).
 * It starts on that network rather than joining it later: the VPS's own dockerd picks its bridge subnet
 * from the addresses it sees at start, and could otherwise take the very subnet the network joins with.
 */
async function newVps(name: string): Promise<TestVps> {
    const vps = await startVps(vpsImage, name, { network: NETWORK });
    hosts.push(vps);
    return vps;
}

function prepareVps(vps: TestVps): void {
    vps.execOk(`install -m 0755 /dev/stdin /usr/local/bin/systemctl`, {
        input: '#!/bin/sh\necho "systemctl $*" >> /var/log/dropit-bk-systemctl.log\n',
    });
    vps.execOk(
        "docker swarm init --advertise-addr 127.0.0.1 >/dev/null && docker network create --driver overlay --attachable dokploy-network >/dev/null",
    );
    loadImagesIntoVps(vps, [postgresImage]);
}

/** What the Docker provider would create for dropit-postgres, from the planned service and its planned init config (dnsrr: no IPVS for a VIP here). */
function createPostgresService(vps: TestVps, planned: PlannedService, initConfig: string): void {
    const env = Object.entries(planned.env)
        .map(([name, value]) => `--env ${name}=${shellQuote(value)}`)
        .join(" ");
    vps.execOk(
        `docker service create --detach --name dropit-postgres --network dokploy-network --endpoint-mode dnsrr ${env} ` +
            `--mount type=volume,source=dropit-postgres-data,target=/var/lib/postgresql/data ` +
            `--config source=${initConfig},target=/docker-entrypoint-initdb.d/10-extensions.sql ${postgresImage} ` +
            planned.args.map(shellQuote).join(" ") +
            " >/dev/null",
    );
}

function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

async function waitForPostgres(vps: TestVps): Promise<void> {
    await waitFor(
        "dropit-postgres on the VPS",
        120_000,
        () => vps.exec(`c=$(${container}) && [ -n "$c" ] && docker exec "$c" pg_isready -q -U ${DB} -d ${DB}`).status === 0,
        1000,
    );
}

const container = "docker ps -q --filter label=com.docker.swarm.service.name=dropit-postgres --filter status=running | head -n 1";

function sql(vps: TestVps, statement: string): string {
    return vps.execOk(`docker exec -i "$(${container})" psql -X -q -t -A -v ON_ERROR_STOP=1 -U ${DB} -d ${DB}`, {
        input: statement,
        timeoutMs: 120_000,
    });
}

const TABLES = ["athletes", "workouts", "personal_records"] as const;

function writeRows(vps: TestVps, offset: number, athletes: number, workouts: number, records: number): void {
    sql(
        vps,
        `CREATE TABLE IF NOT EXISTS athletes (id bigint PRIMARY KEY, name text NOT NULL, club text, born date);
CREATE TABLE IF NOT EXISTS workouts (id bigint PRIMARY KEY, athlete_id bigint NOT NULL, performed_at timestamptz NOT NULL, exercise text, weight_kg numeric(6,2), reps int, notes text);
CREATE TABLE IF NOT EXISTS personal_records (id bigint PRIMARY KEY, athlete_id bigint NOT NULL, exercise text, weight_kg numeric(6,2), set_at date);
INSERT INTO athletes SELECT ${offset} + i, 'athlete ' || md5((${offset} + i)::text), 'club ' || ((${offset} + i) % 97), date '1970-01-01' + ((${offset} + i) % 15000) FROM generate_series(1, ${athletes}) AS i;
INSERT INTO workouts SELECT ${offset} + i, 1 + ((${offset} + i) % 10000), timestamptz '2024-01-01' + ((${offset} + i) || ' minutes')::interval, (ARRAY['squat','bench','deadlift','snatch','clean'])[1 + (i % 5)], 20 + ((${offset} + i) % 180), 1 + (i % 12), md5(i::text || 'w') || md5(i::text || 'x') || md5(i::text || 'y') || md5(i::text || 'z') || md5(i::text || 'v') FROM generate_series(1, ${workouts}) AS i;
INSERT INTO personal_records SELECT ${offset} + i, 1 + ((${offset} + i) % 10000), (ARRAY['squat','bench','deadlift'])[1 + (i % 3)], 40 + ((${offset} + i) % 200), date '2020-01-01' + (i % 1500) FROM generate_series(1, ${records}) AS i;`,
    );
}

/** Rows and a checksum of every row, per table. */
function fingerprint(vps: TestVps): Record<string, { rows: number; md5: string }> {
    return Object.fromEntries(
        TABLES.map((table) => {
            const [rows, md5] = sql(
                vps,
                `SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), '')) FROM ${table} t`,
            ).split("|");
            return [table, { rows: Number(rows), md5 }];
        }),
    );
}

/** Runs the backup unit's ExecStart (the drop-in's, the last one) as root, as the timer would; returns exit status and output. */
function runBackupUnit(vps: TestVps, unit = "dropit-pg-backup"): { status: number | null; output: string; seconds: number } {
    const started = Date.now();
    const result = vps.exec(
        `cmd=$(cat /etc/systemd/system/${unit}.service /etc/systemd/system/${unit}.service.d/*.conf 2>/dev/null | sed -n 's/^ExecStart=//p' | grep . | tail -n 1); [ -n "$cmd" ] && $cmd`,
        { timeoutMs: 240_000 },
    );
    return { status: result.status, output: result.stdout + result.stderr, seconds: (Date.now() - started) / 1000 };
}

function repositoryBytes(): number {
    return Number(targets.execOk(`du -sb ${SFTP_REPOSITORY_DIR} | cut -f1`));
}

/** Every file of the SFTP repository with its size: nothing offsite may disappear. */
function repositoryFiles(): string[] {
    return targets.execOk(`cd ${SFTP_REPOSITORY_DIR} && find . -type f ! -path './locks/*' -printf '%p %s\\n' | sort`).split("\n");
}

function localDumps(vps: TestVps): string[] {
    return vps.execOk(`find ${BACKUP_DIR} -maxdepth 1 -name '${DB}-*.dump' -printf '%f\\n' | sort`).split("\n").filter(Boolean);
}

function snapshotsOf(vps: TestVps): string[] {
    return vps
        .execOk("/usr/local/sbin/dropit-pg-offsite snapshots")
        .split("\n")
        .filter((line) => /^[0-9a-f]{8} /.test(line))
        .map((line) => line.slice(0, 8));
}

function pingsSince(count: number): string[] {
    return targets.pings().slice(count);
}

beforeAll(async () => {
    const started = Date.now();
    engine = await ensureDockerEngine();
    vpsImage = ensureVpsImage().image;
    const pg = ensurePostgresImage();
    postgresImage = pg.image;
    durations["postgres stand-in image (0 = cached)"] = pg.builtMs;
    targets = await startBackupTargets(vpsImage, "dropit-bk-targets", NETWORK);
    durations["images and targets"] = Date.now() - started;
});

afterAll(async () => {
    if (process.env.DROPIT_E2E_KEEP !== "1") {
        for (const vps of hosts) vps.remove();
        targets?.remove();
        await engine?.release();
    }
    durations.suite = Date.now() - suiteStarted;
    fs.mkdirSync(path.join(ROOT, ".tmp"), { recursive: true });
    fs.writeFileSync(path.join(ROOT, ".tmp", "backup-report.json"), `${JSON.stringify({ ...report, durationsMs: durations }, null, 2)}\n`);
    console.log(`backup drill: ${JSON.stringify({ ...report, durationsMs: durations })}`);
});

describe("offsite backups and a disaster-recovery up", () => {
    let vpsA: TestVps;
    let planA: ReplayPlan;
    let expected: Record<string, { rows: number; md5: string }>;

    test("VPS A converges: the backups, restic and the offsite repository are installed by the replayed plan", async () => {
        const started = Date.now();
        vpsA = await newVps("dropit-bk-vps-a");
        prepareVps(vpsA);
        planA = planFor(vpsA, "sftp");
        expect(planA.commands.map((command) => command.name)).toEqual([
            "postgres-version-guard",
            "postgres-backups",
            "postgres-init-sql",
            "postgres-offsite",
        ]);
        createPostgresService(vpsA, plannedService(planA, "dropit-postgres"), await prepareService(vpsA, planA));
        await waitForPostgres(vpsA);
        const runs = await replay(planA, { privateKey: vpsA.privateKey }, (command) => !beforeService(command));
        expectAllSucceeded(runs, 2);
        durations["converge A"] = Date.now() - started;
        expect(runs[1].stdout).toContain("repository created");
        expect(runs[1].stdout).toContain(`backups copied offsite to sftp:${SFTP_USER}@${targets.host}`);
        expect(vpsA.execOk("stat -c '%a %U' /etc/dropit/pg-offsite.secrets /etc/dropit/pg-offsite-ssh/id")).toBe("600 root\n600 root");
        expect(vpsA.execOk("restic version")).toMatch(/^restic 0\.14\.0/);
        expect(vpsA.execOk("readlink /etc/systemd/system/timers.target.wants/dropit-pg-check.timer")).toBe(
            "/etc/systemd/system/dropit-pg-check.timer",
        );
        // A second run changes nothing and creates no second repository.
        const again = await replay(planA, { privateKey: vpsA.privateKey }, (command) => command.name === "postgres-offsite");
        expectAllSucceeded(again, 1);
        expect(again[0].stdout).toContain("repository ready");
        expect(again[0].stdout).not.toContain("written");
    });

    test("a first backup of 100,000 rows goes offsite; a second after 5% more rows uploads less than the first", () => {
        writeRows(vpsA, 0, 10_000, 60_000, 30_000);
        report.rows = 100_000;
        const pingsBefore = targets.pings().length;
        const emptyRepository = repositoryBytes();
        const first = runBackupUnit(vpsA);
        expect({ status: first.status, output: first.output }).toEqual({ status: 0, output: expect.stringContaining("backup succeeded") });
        report.firstUploadBytes = repositoryBytes() - emptyRepository;
        report.backupSeconds = first.seconds;
        expect(pingsSince(pingsBefore).map((line) => line.split(" ").slice(0, 2).join(" "))).toEqual([
            `POST /cgi-bin/hc/${PING_ID}/start`,
            `POST /cgi-bin/hc/${PING_ID}`,
        ]);

        writeRows(vpsA, 1_000_000, 500, 3_000, 1_500);
        const beforeSecond = repositoryBytes();
        const second = runBackupUnit(vpsA);
        expect(second.status).toBe(0);
        report.secondUploadBytes = repositoryBytes() - beforeSecond;
        report.resticDataAdded = [...(first.output + second.output).matchAll(/: (\d+) bytes new in the repository/g)].map((match) =>
            Number(match[1]),
        );
        report.dumpBytes = Number(vpsA.execOk(`ls -t ${BACKUP_DIR}/${DB}-*.dump | head -n 1 | xargs stat -c %s`));
        // restic's chunks are 0.5-8 MiB (1 MiB on average) from a per-repository polynomial: on this 14 MB stream a
        // changed table may cost one large chunk, so the share varies by run (measured 12% to 56%). Below the first
        // upload holds every run; an unchanged run adding no data is proven in tests/renderers/offsite.test.ts.
        expect(report.secondUploadBytes as number).toBeLessThan(report.firstUploadBytes as number);
        expect(snapshotsOf(vpsA)).toHaveLength(2);
        // What `npm run smoke` reads, and the weekly check's unit.
        expect(Number(vpsA.execOk("/usr/local/sbin/dropit-pg-offsite newest-age"))).toBeLessThan(120);
        const check = runBackupUnit(vpsA, "dropit-pg-check");
        expect({ status: check.status, output: check.output }).toEqual({
            status: 0,
            output: expect.stringContaining("no errors were found"),
        });
    });

    test("faults: an unreachable target, a wrong password, a full target, a full local disk; each fails loudly, loses nothing, and the next run recovers", async () => {
        const faults = report.faults as Record<string, string>;
        const targetIp = vpsA.execOk(`getent hosts ${targets.host} | cut -d' ' -f1`);
        const scenarios: { name: string; inject: () => unknown; heal: () => unknown; expectInLog: RegExp }[] = [
            {
                name: "unreachable target",
                // The SFTP service only: the ping recorder lives on the same container, and a
                // monitoring service is somewhere else than the backup target in real life.
                inject: () => vpsA.execOk(`iptables -I OUTPUT -d ${targetIp} -p tcp --dport 22 -j REJECT --reject-with tcp-reset`),
                heal: () => vpsA.execOk(`iptables -D OUTPUT -d ${targetIp} -p tcp --dport 22 -j REJECT --reject-with tcp-reset`),
                expectInLog: /unable to start the sftp session|Connection refused|connect to host/,
            },
            {
                name: "wrong credentials",
                inject: async () => {
                    const wrong = planFor(vpsA, "sftp", { offsitePassword: "not-the-repository-password" });
                    const runs = await replay(wrong, { privateKey: vpsA.privateKey }, (command) => command.name === "postgres-offsite");
                    // `pulumi up` itself fails loudly, before the night does.
                    expect(runs[0].status).not.toBe(0);
                    expect(runs[0].stderr).toContain("cannot open the offsite repository");
                },
                heal: async () =>
                    expectAllSucceeded(
                        await replay(planA, { privateKey: vpsA.privateKey }, (command) => command.name === "postgres-offsite"),
                        1,
                    ),
                expectInLog: /wrong password/,
            },
            {
                name: "full target",
                inject: () =>
                    targets.execOk(`fallocate -l "$(($(df --output=avail -B1 /srv/offsite | tail -n 1) - 4096))" /srv/offsite/filler`),
                heal: () => targets.execOk("rm -f /srv/offsite/filler"),
                expectInLog: /no space left on device|failure|Fatal/i,
            },
            {
                name: "full local disk",
                inject: () =>
                    vpsA.execOk(`mkdir -p /mnt/dropit-bk-small && mount -t tmpfs -o size=$(($(du -sm ${BACKUP_DIR} | cut -f1) + 96))m tmpfs /mnt/dropit-bk-small && cp -a ${BACKUP_DIR}/. /mnt/dropit-bk-small/ \\
  && fallocate -l "$(($(df --output=avail -B1 /mnt/dropit-bk-small | tail -n 1) - 65536))" /mnt/dropit-bk-small/filler && mount --bind /mnt/dropit-bk-small ${BACKUP_DIR}`),
                heal: () => vpsA.execOk(`rm -f ${BACKUP_DIR}/filler`),
                expectInLog: /No space left on device|backup failed/,
            },
        ];
        for (const [index, scenario] of scenarios.entries()) {
            // New rows each time: a run must have something new to upload.
            writeRows(vpsA, 2_000_000 + index * 100_000, 100, 1_000, 200);
            const dumpsBefore = localDumps(vpsA);
            const filesBefore = repositoryFiles();
            const snapshotsBefore = snapshotsOf(vpsA);
            const pingsBefore = targets.pings().length;
            await scenario.inject();
            const failed = runBackupUnit(vpsA);
            const pings = pingsSince(pingsBefore);
            await scenario.heal();
            const dumpsAfter = localDumps(vpsA);
            const filesAfter = repositoryFiles();
            const outcome = {
                failedLoudly: failed.status !== 0 && scenario.expectInLog.test(failed.output),
                alarm: pings.some((line) => line.startsWith(`POST /cgi-bin/hc/${PING_ID}/fail `) && line.length > 60),
                localDumpsKept: dumpsBefore.every((dump) => dumpsAfter.includes(dump)),
                nothingOffsiteDeleted:
                    filesBefore.every((file) => filesAfter.includes(file)) && snapshotsBefore.every((id) => snapshotsOf(vpsA).includes(id)),
            };
            const recovery = runBackupUnit(vpsA);
            const recovered = recovery.status === 0 && snapshotsOf(vpsA).length === snapshotsBefore.length + 1;
            faults[scenario.name] =
                Object.values(outcome).every(Boolean) && recovered ? "survived" : `failed: ${JSON.stringify({ ...outcome, recovered })}`;
            if (faults[scenario.name] !== "survived")
                console.log(`${scenario.name}:\n${failed.output}\n--- recovery:\n${recovery.output}\n--- pings:\n${pings.join("\n")}`);
        }
        vpsA.exec(`umount ${BACKUP_DIR}; umount /mnt/dropit-bk-small`);
        expect(faults).toEqual({
            "unreachable target": "survived",
            "wrong credentials": "survived",
            "full target": "survived",
            "full local disk": "survived",
        });
    });

    test("the REST target in append-only mode takes backups, and neither the VPS's scripts nor its credential can delete one", async () => {
        const stopSampling = startPsSampler(vpsA);
        const planRest = planFor(vpsA, "rest");
        const runs = await replay(planRest, { privateKey: vpsA.privateKey }, (command) => command.name === "postgres-offsite");
        expectAllSucceeded(runs, 1);
        expect(runs[0].stdout).toContain("repository created");
        // The REST password sits in the 0600 secrets file only, never in the plan's text.
        expect(JSON.stringify(planRest.commands.map((command) => command.create))).not.toContain(targets.rest.password);
        const run = runBackupUnit(vpsA);
        expect(run.status).toBe(0);
        expect(run.output).toContain("append-only repository: retention runs elsewhere");
        const [snapshot] = snapshotsOf(vpsA);
        expect(snapshot).toMatch(/^[0-9a-f]{8}$/);
        const forget = vpsA.exec("dropit-pg-offsite forget");
        expect(forget.status).not.toBe(0);
        expect(forget.stderr).toContain("append-only");
        // The credential itself: restic with the VPS's own secrets, straight at the server.
        // restic retries a refused delete for minutes: 15 s show the server's answer.
        const raw = vpsA.exec(`set -a; . /etc/dropit/pg-offsite.secrets; set +a; timeout 15 restic forget ${snapshot} --prune`);
        expect(raw.status).not.toBe(0);
        expect(raw.stderr).toContain("403 Forbidden");
        expect(snapshotsOf(vpsA)).toContain(snapshot);
        // The S3-compatible server: a backup, and the weekly check reading back all of the data.
        const planS3 = planFor(vpsA, "s3");
        const s3Runs = await replay(planS3, { privateKey: vpsA.privateKey }, (command) => command.name === "postgres-offsite");
        expectAllSucceeded(s3Runs, 1);
        expect(s3Runs[0].stdout).toContain("repository created");
        vpsA.execOk("sed -i 's/^CHECK_SUBSET=.*/CHECK_SUBSET=100%/' /etc/dropit/pg-offsite.env");
        const s3Backup = runBackupUnit(vpsA);
        expect({ status: s3Backup.status, output: s3Backup.output }).toEqual({
            status: 0,
            output: expect.stringContaining("backup succeeded"),
        });
        const s3Check = runBackupUnit(vpsA, "dropit-pg-check");
        expect({ status: s3Check.status, output: s3Check.output }).toEqual({
            status: 0,
            output: expect.stringContaining("no errors were found"),
        });
        expect(snapshotsOf(vpsA)).toHaveLength(1);
        report.backends = ["sftp", "rest (append-only)", "s3 (gofakes3)"];
        // No secret on any command line while the steps and runs above went on (install, init, backups, forget, check).
        const samples = stopSampling();
        expect(samples).toContain("restic");
        const secrets = [
            String(planA.outputs.offsiteRepositoryPassword),
            targets.rest.password,
            "drill-s3-secret-7d41",
            PING_ID,
            targets.sftpPrivateKey.split("\n")[1],
        ];
        for (const secret of secrets) expect(samples).not.toContain(secret);
        // Back to the SFTP repository for the recovery below.
        expectAllSucceeded(await replay(planA, { privateKey: vpsA.privateKey }, (command) => command.name === "postgres-offsite"), 1);
        expect(runBackupUnit(vpsA).status).toBe(0);
        expected = fingerprint(vpsA);
    });

    test("VPS A is destroyed; VPS B converges from nothing with restoreFrom: latest and every row is back before the API starts", async () => {
        vpsA.remove();
        hosts.splice(hosts.indexOf(vpsA), 1);
        const started = Date.now();
        const vpsB = await newVps("dropit-bk-vps-b");
        prepareVps(vpsB);
        const planB = planFor(vpsB, "sftp", { restoreFrom: "latest" });
        expect(planB.commands.map((command) => command.name)).toEqual([
            "postgres-version-guard",
            "postgres-backups",
            "postgres-init-sql",
            "postgres-offsite",
            "postgres-offsite-restore",
        ]);
        createPostgresService(vpsB, plannedService(planB, "dropit-postgres"), await prepareService(vpsB, planB));
        const restoreStarted = Date.now();
        const runs = await replay(planB, { privateKey: vpsB.privateKey }, (command) => !beforeService(command));
        expectAllSucceeded(runs, 3);
        report.restoreSeconds = (runs[2].durationMs + 0) / 1000;
        durations["restore step (waits for PostgreSQL first)"] = Date.now() - restoreStarted;
        expect(runs[2].stdout).toContain("restored dropit from offsite snapshot latest");

        // The API after the restore, with the planned credentials (index.ts: the API waits for it).
        const api = plannedService(planB, "dropit-api");
        const apiEnv = ["API_PORT", "DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD", "DB_NAME"]
            .map((name) => `--env ${name}=${shellQuote(api.env[name])}`)
            .join(" ");
        vpsB.execOk(
            `docker service create --detach --name dropit-api --network dokploy-network --endpoint-mode dnsrr ${apiEnv} --entrypoint /usr/local/bin/api-standin ${postgresImage} >/dev/null`,
        );
        let answer = "";
        await waitFor(
            "the API on VPS B",
            90_000,
            () => {
                const probe = vpsB.exec(
                    `c=$(docker ps -q --filter label=com.docker.swarm.service.name=dropit-api --filter status=running | head -n 1); [ -n "$c" ] && docker exec "$c" busybox wget -q -O - http://127.0.0.1:${api.env.API_PORT}/cgi-bin/api`,
                );
                answer = probe.stdout;
                return probe.status === 0 && answer.includes('"status":"ok"');
            },
            1000,
        );
        report.recoveryUpSeconds = (Date.now() - started) / 1000;
        const restored = fingerprint(vpsB);
        expect(restored).toEqual(expected);
        report.rowsRestored = Object.values(restored).reduce((sum, table) => sum + table.rows, 0);
        report.tables = restored;
        expect(answer).toContain('"status":"ok"');

        // A second `up` does not restore again.
        const second = await replay(planB, { privateKey: vpsB.privateKey }, (command) => command.name === "postgres-offsite-restore");
        expectAllSucceeded(second, 1);
        expect(second[0].stdout).toContain("already restored");
        // A deliberately changed snapshot never overwrites a database that holds data.
        const [snapshot] = snapshotsOf(vpsB);
        const other = planFor(vpsB, "sftp", { restoreFrom: snapshot });
        const refused = await replay(other, { privateKey: vpsB.privateKey }, (command) => command.name === "postgres-offsite-restore");
        expect(refused[0].status).not.toBe(0);
        expect(refused[0].stderr).toContain("is not empty");
        expect(fingerprint(vpsB)).toEqual(expected);
        // `npm run smoke`'s backup-age check, from the planned `deployment` output, over real SSH.
        const deployment = parseOutputs(JSON.stringify(planB.outputs));
        expect(deployment.backups?.ssh).toEqual({ user: "deploy", port: vpsB.sshPort, hostKey: vpsB.hostKey });
        const fresh = await checkBackupAge(deployment, { sshKey: vpsB.privateKeyFile });
        expect(fresh).toMatchObject({
            ok: true,
            detail: expect.stringMatching(/^newest offsite snapshot \d+\.\d h old \(maximum 26 h\)$/),
        });
        const stale = await checkBackupAge(
            { ...deployment, backups: { ...deployment.backups!, offsiteMaxAgeHours: 0.0001 } },
            { sshKey: vpsB.privateKeyFile },
        );
        expect(stale.ok).toBe(false);
        expect((await checkBackupAge(deployment, {})).ok).toBe(false);
        report.digest = createHash("sha256").update(JSON.stringify(restored)).digest("hex").slice(0, 16);
    });
});
