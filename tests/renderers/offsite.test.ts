/**
 * The offsite scripts (host/files/dropit-pg-offsite.sh, dropit-backup-run.sh) with their rendered
 * parameters and secrets (renderers/offsite.ts), run by bash against real servers on 127.0.0.1:
 * Debian's PostgreSQL 15, Debian's restic 0.14 and a restic REST server (Debian's rclone, `rclone
 * serve restic`, also in append-only mode), and a ping recorder (node:http). As in
 * backup.test.ts, a `docker` stand-in on PATH turns `docker exec <task> <tool>` into the tool run
 * against the local server; `curl` is wrapped to record its argv (the ping URL must not be there).
 * The whole drill over SSH on a simulated VPS is tests/e2e/backup/offsite.test.ts.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseCredentialLines } from "../../config/offsiteRules";
import { configSchema } from "../../config/schema";
import { renderBackupEnv } from "../../renderers/backup";
import {
    OffsiteSettings,
    offsiteSummary,
    renderInstallOffsite,
    renderKnownHosts,
    renderOffsiteEnv,
    renderOffsiteSecrets,
    renderRestoreOffsite,
    renderSftpCommand,
    sftpTarget,
} from "../../renderers/offsite";
import { HOST_DIR } from "../../renderers/shellParams";
import { freePort, waitForPort } from "../support/loopback";
import { installDockerExecStandIn } from "../support/dockerExec";
import { RunningPostgres, startPostgres } from "../support/postgresServer";

const DB = "dropit_offsite";
const PASSWORD = "test-repository-password-0a1b2c";
const REST_USER = "vps";
const REST_PASSWORD = "rest pass/with:odd@chars";
const DEFAULT_OFFSITE = configSchema.shape.postgres.parse({ backups: { offsite: { repository: "rest:http://127.0.0.1:1/x" } } }).backups
    .offsite!;

let pg: RunningPostgres;
let work: string;
let bin: string;
const servers: ChildProcess[] = [];
let pingPort: number;

/** What the recorder logged since `from` lines: method, path and body (newlines as `|`). */
function pingsFrom(from: number): { method: string; url: string; body: string }[] {
    const file = path.join(work, "pings.log");
    const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
    return lines.slice(from).map((line) => {
        const [method, url, ...body] = line.split(" ");
        return { method, url, body: body.join(" ") };
    });
}
const pingCount = () => pingsFrom(0).length;

async function startRestServer(appendOnly: boolean): Promise<{ port: number; dir: string; process: ChildProcess }> {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(work, "rest-"));
    const args = ["serve", "restic", "--addr", `127.0.0.1:${port}`, "--user", REST_USER, "--pass", REST_PASSWORD, dir];
    const child = spawn("rclone", appendOnly ? [...args.slice(0, 2), "--append-only", ...args.slice(2)] : args, { stdio: "ignore" });
    servers.push(child);
    await waitForPort(port, 15_000, () => (child.exitCode !== null ? `rclone exited ${child.exitCode}` : undefined));
    return { port, dir, process: child };
}

beforeAll(async () => {
    pg = await startPostgres();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-offsite-"));
    bin = path.join(work, "bin");
    fs.mkdirSync(bin);
    installDockerExecStandIn(bin, pg.port, work);
    fs.writeFileSync(path.join(bin, "curl"), `#!/bin/bash\nprintf '%s\\n' "$*" >> ${work}/curl-argv\nexec /usr/bin/curl "$@"\n`, {
        mode: 0o755,
    });
    for (const command of ["dropit-pg-backup", "dropit-pg-offsite"])
        fs.writeFileSync(path.join(bin, command), `#!/bin/bash\nexec bash ${path.join(HOST_DIR, "files", `${command}.sh`)} "$@"\n`, {
            mode: 0o755,
        });
    // Its own process (busybox httpd + a CGI that appends to a file): the scripts run under
    // spawnSync, which blocks this process's event loop.
    pingPort = await freePort();
    fs.mkdirSync(path.join(work, "www", "cgi-bin"), { recursive: true });
    fs.writeFileSync(
        path.join(work, "www", "cgi-bin", "hc"),
        `#!/bin/sh\nbody=$(head -c "\${CONTENT_LENGTH:-0}")\nprintf '%s %s %s\\n' "$REQUEST_METHOD" "$REQUEST_URI" "$(printf '%s' "$body" | tr '\\n' '|')" >> ${work}/pings.log\nprintf 'Status: 200 OK\\r\\n\\r\\nOK\\n'\n`,
        { mode: 0o755 },
    );
    const recorder = spawn("busybox", ["httpd", "-f", "-p", `127.0.0.1:${pingPort}`, "-h", path.join(work, "www")], { stdio: "ignore" });
    servers.push(recorder);
    await waitForPort(pingPort, 10_000, () => (recorder.exitCode !== null ? `busybox httpd exited ${recorder.exitCode}` : undefined));
    pg.psql(`CREATE DATABASE ${DB}`);
    pg.psql(
        `CREATE TABLE athletes (id bigint PRIMARY KEY, name text NOT NULL);
         INSERT INTO athletes SELECT i, 'athlete ' || md5(i::text) FROM generate_series(1, 20000) AS i;`,
        DB,
    );
}, 60_000);

afterAll(async () => {
    for (const server of servers) server.kill("SIGKILL");
    await pg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
});

interface Setup {
    dir: string;
    env: NodeJS.ProcessEnv;
}

/** The three files the host step installs, rendered for a REST repository on `port`. */
function setup(name: string, port: number, options: { appendOnly?: boolean; timeoutSeconds?: number; password?: string } = {}): Setup {
    const dir = path.join(work, name);
    fs.mkdirSync(dir);
    const settings: OffsiteSettings = {
        ...DEFAULT_OFFSITE,
        repository: `rest:http://127.0.0.1:${port}/dropit`,
        appendOnly: options.appendOnly ?? false,
    };
    const files = {
        backup: renderBackupEnv({ database: DB, user: "postgres", backupDir: path.join(dir, "dumps"), keepCount: 14, keepDays: 30 }),
        offsite: renderOffsiteEnv(settings).replace(/^TIMEOUT_SECONDS=\d+$/m, `TIMEOUT_SECONDS=${options.timeoutSeconds ?? 60}`),
        secrets: renderOffsiteSecrets(settings, {
            repositoryPassword: options.password ?? PASSWORD,
            credentials: `REST_USERNAME=${REST_USER}\nREST_PASSWORD=${REST_PASSWORD}`,
            pingUrl: `http://127.0.0.1:${pingPort}/cgi-bin/hc/${name}`,
        }),
    };
    for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, `${file}.env`), content, { mode: 0o600 });
    return {
        dir,
        env: {
            PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
            LANG: "C.UTF-8",
            DROPIT_BIN: bin,
            DROPIT_PG_BACKUP_ENV: path.join(dir, "backup.env"),
            DROPIT_PG_OFFSITE_ENV: path.join(dir, "offsite.env"),
            DROPIT_PG_OFFSITE_SECRETS: path.join(dir, "secrets.env"),
            RESTIC_CACHE_DIR: path.join(dir, "cache"),
        },
    };
}

function run(target: Setup, script: "dropit-backup-run" | "dropit-pg-offsite", args: string[], timeout = 120_000) {
    const file = path.join(HOST_DIR, "files", `${script === "dropit-backup-run" ? "dropit-backup-run" : "dropit-pg-offsite"}.sh`);
    const result = spawnSync("bash", [file, ...args], { encoding: "utf8", timeout, env: target.env });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, output: result.stdout + result.stderr };
}

/** restic straight at the repository, with the password and credentials the VPS has. */
function restic(port: number, args: string[]) {
    return spawnSync("restic", ["-r", `rest:http://${REST_USER}:${encodeURIComponent(REST_PASSWORD)}@127.0.0.1:${port}/dropit`, ...args], {
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: path.join(work, "cache-direct") },
    });
}

function snapshotIds(port: number): string[] {
    const listed = restic(port, ["--no-lock", "snapshots", "--json"]);
    if (listed.status !== 0) throw new Error(`restic snapshots failed: ${listed.stderr}`);
    return (JSON.parse(listed.stdout) as { short_id: string }[]).map((snapshot) => snapshot.short_id);
}

describe("rendering", () => {
    it("an sftp: repository gets an SSH command with the key, the pinned host key and bounded waits; restic splits it on spaces", () => {
        const target = sftpTarget("sftp://backup@backup.example.net:2222//srv/dropit")!;
        expect(target).toEqual({ user: "backup", host: "backup.example.net", port: 2222 });
        expect(sftpTarget("sftp:backup@10.0.0.5:/srv/dropit")).toEqual({ user: "backup", host: "10.0.0.5", port: 22 });
        expect(sftpTarget("rest:https://x/y")).toBeUndefined();
        expect(renderSftpCommand(target)).toBe(
            "ssh -i /etc/dropit/pg-offsite-ssh/id -o IdentitiesOnly=yes -o UserKnownHostsFile=/etc/dropit/pg-offsite-ssh/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=20 -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -p 2222 backup@backup.example.net -s sftp",
        );
        expect(renderKnownHosts(target, "ssh-ed25519 AAAA")).toBe("[backup.example.net]:2222 ssh-ed25519 AAAA");
        expect(() => sftpTarget("sftp:backup@host;rm -rf /:/x")).toThrow(/sftp/);
    });

    it("credentials are data: REST ones go into the URL percent-encoded, hostile values come back byte for byte from the 0600 file", () => {
        const hostile = `it's $(touch /tmp/pwned) \`x\` "q" \\ ;|&`;
        const settings = { ...DEFAULT_OFFSITE, repository: "rest:https://backup.example.net/dropit" };
        const text = renderOffsiteSecrets(settings, {
            repositoryPassword: hostile,
            credentials: `REST_USERNAME=dropit\nREST_PASSWORD=${hostile}\n# comment\n\nAWS_DEFAULT_REGION=${hostile}`,
            pingUrl: "https://hc-ping.com/abc",
        });
        const file = path.join(work, "hostile.env");
        fs.writeFileSync(file, text);
        const read = spawnSync(
            "bash",
            ["-c", `. "${file}" && printf '%s\\n' "$RESTIC_PASSWORD" "$RESTIC_REPOSITORY" "$AWS_DEFAULT_REGION" "$PING_URL"`],
            { encoding: "utf8" },
        );
        expect(read.stdout.split("\n").slice(0, 4)).toEqual([
            hostile,
            `rest:https://dropit:${encodeURIComponent(hostile)}@backup.example.net/dropit`,
            hostile,
            "https://hc-ping.com/abc",
        ]);
        expect(fs.existsSync("/tmp/pwned")).toBe(false);
        expect(() =>
            renderOffsiteSecrets(
                { ...settings, repository: "s3:https://s3.example.net/b" },
                { repositoryPassword: "x", credentials: "REST_USERNAME=a\nREST_PASSWORD=b" },
            ),
        ).toThrow(/rest:/);
    });

    it("credential lines name restic's variables only, and a problem never echoes a value", () => {
        expect(parseCredentialLines("AWS_ACCESS_KEY_ID=AKIA\nAWS_SECRET_ACCESS_KEY=s3cr3t")).toEqual({
            ok: true,
            pairs: [
                ["AWS_ACCESS_KEY_ID", "AKIA"],
                ["AWS_SECRET_ACCESS_KEY", "s3cr3t"],
            ],
        });
        for (const [text, problem] of [
            ["LD_PRELOAD=/tmp/evil.so", /LD_PRELOAD is not a credential variable/],
            ["just-a-token-s3cr3t", /line 1 is not NAME=value/],
            ["AWS_ACCESS_KEY_ID=", /has no value/],
            ["", /no NAME=value/],
        ] as const) {
            const parsed = parseCredentialLines(text);
            expect(parsed.ok).toBe(false);
            if (!parsed.ok) {
                expect(parsed.problem).toMatch(problem);
                expect(parsed.problem).not.toContain("s3cr3t");
            }
        }
    });

    it("the plan's one line says where backups go; a snapshot id is data", () => {
        expect(offsiteSummary(undefined, "/var/backups/dropit/postgres")).toBe(
            "backups are local only (/var/backups/dropit/postgres on the VPS): set dropit:postgres.backups.offsite.repository to copy them off the server",
        );
        expect(offsiteSummary({ ...DEFAULT_OFFSITE, repository: "rest:https://b.example/x", appendOnly: true }, "/d")).toContain(
            "append-only",
        );
        expect(renderInstallOffsite({ ...DEFAULT_OFFSITE, repository: "rest:https://b.example/x" }, "/d")).toContain(
            "\nSUMMARY='backups copied offsite to rest:https://b.example/x",
        );
        expect(() => renderRestoreOffsite("latest; rm -rf /", "/var/lib/dropit")).toThrow(/restoreFrom/);
        expect(renderRestoreOffsite("1a2b3c4d", "/var/lib/dropit")).toContain("RESTORE_FROM=1a2b3c4d");
    });
});

describe("against a real restic REST server", () => {
    it("a run dumps, uploads, applies retention and pings /start then success; an unchanged second run adds next to nothing", async () => {
        const server = await startRestServer(false);
        const target = setup("run", server.port);
        expect(run(target, "dropit-pg-offsite", ["init"]).stdout).toContain("repository created");
        expect(run(target, "dropit-pg-offsite", ["init"]).stdout).toContain("repository ready");
        const mark = pingCount();
        const first = run(target, "dropit-backup-run", ["backup"]);
        expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: "" });
        expect(first.stdout).toMatch(/as snapshot [0-9a-f]{8}: \d+ bytes new in the repository/);
        expect(pingsFrom(mark).map((ping) => `${ping.method} ${ping.url}`)).toEqual(["POST /cgi-bin/hc/run/start", "POST /cgi-bin/hc/run"]);
        const second = run(target, "dropit-backup-run", ["backup"]);
        expect(second.status).toBe(0);
        const added = [...(first.stdout + second.stdout).matchAll(/: (\d+) bytes new in the repository/g)].map((match) => Number(match[1]));
        expect(added[1]).toBeLessThan(added[0] / 20);
        expect(snapshotIds(server.port)).toHaveLength(2);
        // The secret ping URL reached curl through -K, never its argv.
        const argv = fs.readFileSync(path.join(work, "curl-argv"), "utf8");
        expect(argv).toContain("-K /dev/fd/");
        expect(argv).not.toContain("/cgi-bin/hc/run");
        // What `npm run smoke` reads.
        expect(Number(run(target, "dropit-pg-offsite", ["newest-age"]).stdout.trim())).toBeLessThan(60);
    }, 120_000);

    it("restores a snapshot into an empty database only, and refuses a database that holds anything", async () => {
        const server = await startRestServer(false);
        const target = setup("restore", server.port);
        const before = pg.psql("SELECT count(*), md5(string_agg(name, ',' ORDER BY id)) FROM athletes", DB);
        expect(run(target, "dropit-pg-offsite", ["init"]).status).toBe(0);
        expect(run(target, "dropit-backup-run", ["backup"]).status).toBe(0);
        const refused = run(target, "dropit-pg-offsite", ["restore", "latest", "--yes"]);
        expect(refused.status).not.toBe(0);
        expect(refused.stderr).toContain(`database ${DB} is not empty (1 tables, sequences or views): refusing to overwrite it`);
        pg.psql(`DROP DATABASE ${DB}`);
        pg.psql(`CREATE DATABASE ${DB}`);
        const restored = run(target, "dropit-pg-offsite", ["restore", "latest", "--yes"]);
        expect({ status: restored.status, stderr: restored.stderr }).toEqual({ status: 0, stderr: "" });
        expect(pg.psql("SELECT count(*), md5(string_agg(name, ',' ORDER BY id)) FROM athletes", DB)).toBe(before);
        expect(fs.readdirSync(path.join(target.dir, "dumps")).filter((file) => file.includes("restore"))).toEqual([]);
    }, 120_000);

    it("an unreachable server or a wrong password fails the run loudly with /fail and the log's tail, keeps the local dump, and the next run recovers", async () => {
        const server = await startRestServer(false);
        const target = setup("fault", server.port, { timeoutSeconds: 8 });
        expect(run(target, "dropit-pg-offsite", ["init"]).status).toBe(0);
        server.process.kill("SIGKILL");
        const mark = pingCount();
        const down = run(target, "dropit-backup-run", ["backup"]);
        const pings = pingsFrom(mark);
        expect(down.status).not.toBe(0);
        expect(down.stderr).toContain("dropit-backup-run: ERROR: backup failed");
        expect(pings.map((ping) => ping.url)).toEqual(["/cgi-bin/hc/fault/start", "/cgi-bin/hc/fault/fail"]);
        expect(pings[1].body).toContain("dropit-pg-backup: wrote");
        const dumps = fs.readdirSync(path.join(target.dir, "dumps")).filter((file) => file.endsWith(".dump"));
        expect(dumps).toHaveLength(1);

        const wrong = setup("fault-password", server.port, { password: "not-the-password" });
        const restarted = spawn(
            "rclone",
            ["serve", "restic", "--addr", `127.0.0.1:${server.port}`, "--user", REST_USER, "--pass", REST_PASSWORD, server.dir],
            { stdio: "ignore" },
        );
        servers.push(restarted);
        await waitForPort(server.port, 15_000);
        const denied = run(wrong, "dropit-backup-run", ["backup"]);
        expect(denied.status).not.toBe(0);
        expect(denied.output).toContain("wrong password");
        expect(run(wrong, "dropit-pg-offsite", ["init"]).stderr).toContain("cannot open the offsite repository");

        const recovered = run(target, "dropit-backup-run", ["backup"]);
        expect(recovered.status).toBe(0);
        expect(fs.readdirSync(path.join(target.dir, "dumps")).filter((file) => file.endsWith(".dump"))).toEqual(
            expect.arrayContaining(dumps),
        );
        expect(snapshotIds(server.port)).toHaveLength(1);
    }, 120_000);

    it("append-only: the run keeps every snapshot, the script refuses forget, and the server refuses a raw forget --prune", async () => {
        const server = await startRestServer(true);
        const target = setup("append", server.port, { appendOnly: true });
        expect(run(target, "dropit-pg-offsite", ["init"]).status).toBe(0);
        const backup = run(target, "dropit-backup-run", ["backup"]);
        expect(backup.status).toBe(0);
        expect(backup.stdout).toContain("append-only repository: retention runs elsewhere");
        const [snapshot] = snapshotIds(server.port);
        const forget = run(target, "dropit-pg-offsite", ["forget"]);
        expect(forget.status).not.toBe(0);
        expect(forget.stderr).toContain("append-only for this VPS");
        // restic retries a refused delete for minutes: 8 s show the server's answer.
        const raw = spawnSync(
            "timeout",
            [
                "8",
                "restic",
                "-r",
                `rest:http://${REST_USER}:${encodeURIComponent(REST_PASSWORD)}@127.0.0.1:${server.port}/dropit`,
                "forget",
                snapshot,
                "--prune",
            ],
            {
                encoding: "utf8",
                timeout: 30_000,
                env: { ...process.env, RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: path.join(work, "cache-direct") },
            },
        );
        expect(raw.status).not.toBe(0);
        expect(raw.stderr).toContain("403 Forbidden");
        expect(snapshotIds(server.port)).toEqual([snapshot]);
    }, 120_000);
});
