/**
 * The rendered backup and restore scripts, run by bash against a real PostgreSQL (Debian's 15;
 * production is 16 through `docker exec`; pg_dump custom format and pg_restore flags used here
 * are the same in both). Only the way pg_dump/pg_restore are reached differs from production:
 * the command is a parameter of the renderer.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    BackupScriptOptions,
    pgRestoreFlags,
    renderBackupScript,
    renderBackupUnits,
    renderRestoreScript,
    RestoreScriptOptions,
} from "../../renderers/backup";
import { RunningPostgres, startPostgres } from "../support/postgresServer";

const DB = "dropit_test";
let pg: RunningPostgres;
let work: string;

beforeAll(async () => {
    pg = await startPostgres();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-backup-"));
}, 30000);

afterAll(async () => {
    await pg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
});

const connection = () => `-h 127.0.0.1 -p ${pg.port} -U postgres`;

function writeScript(name: string, text: string): string {
    const file = path.join(work, name);
    fs.writeFileSync(file, text, { mode: 0o755 });
    return file;
}

function run(file: string, args: string[] = []) {
    const result = spawnSync("bash", [file, ...args], {
        encoding: "utf8",
        timeout: 20000,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8" },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function backupScript(backupDir: string, extra: Partial<BackupScriptOptions> = {}): string {
    return writeScript(
        `backup-${path.basename(backupDir)}.sh`,
        renderBackupScript({
            database: DB,
            user: "postgres",
            backupDir,
            dumpCommand: `pg_dump --format=custom ${connection()} --dbname=${DB}`,
            ...extra,
        }),
    );
}

function restoreScript(apiLog: string, extra: Partial<RestoreScriptOptions> = {}): string {
    return writeScript(
        "restore.sh",
        renderRestoreScript({
            database: DB,
            user: "postgres",
            restoreCommand: `pg_restore ${pgRestoreFlags()} ${connection()} --dbname=${DB}`,
            stopApiCommand: `echo stop >> ${apiLog}`,
            startApiCommand: `echo start >> ${apiLog}`,
            ...extra,
        }),
    );
}

const dumpsIn = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith(".dump")).sort();
const visibleFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f !== ".lock").sort();

const ROWS = "SELECT id || ':' || name || ':' || coalesce(note, 'NULL') FROM athletes ORDER BY id";

function seed(): string {
    pg.psql(`CREATE DATABASE ${DB}`);
    pg.psql(
        `CREATE TABLE athletes (id serial PRIMARY KEY, name text NOT NULL, note text);
         INSERT INTO athletes (name, note) SELECT 'athlète ' || i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'séance ' || i END
         FROM generate_series(1, 500) AS i;`,
        DB,
    );
    return pg.psql(ROWS, DB);
}

describe("rendered scripts", () => {
    it.each([
        ["backup (production)", renderBackupScript({ database: "dropit", user: "dropit" })],
        ["restore (production)", renderRestoreScript({ database: "dropit", user: "dropit" })],
        ["backup (test)", renderBackupScript({ database: DB, user: "postgres", dumpCommand: "pg_dump --format=custom" })],
    ])("%s passes bash -n", (_name, text) => {
        const file = writeScript("syntax.sh", text);
        const result = spawnSync("bash", ["-n", file], { encoding: "utf8" });
        expect(result.stderr).toBe("");
        expect(result.status).toBe(0);
    });

    it("production scripts dump through docker exec into the running task, with no password anywhere", () => {
        const backup = renderBackupScript({ database: "dropit", user: "dropit" });
        expect(backup).toContain("docker exec \"$container\" pg_dump --format=custom --username=dropit --dbname=dropit");
        expect(backup).toContain("BACKUP_DIR=/var/backups/dropit/postgres");
        expect(backup).toMatch(/^set -euo pipefail$/m);
        expect(backup).not.toMatch(/password|PGPASSWORD/i);
        const restore = renderRestoreScript({ database: "dropit", user: "dropit" });
        expect(restore).toContain("pg_restore --clean --if-exists --no-owner");
        expect(restore).toContain("docker service scale --detach=false dropit-api=0");
        expect(restore).not.toMatch(/PGPASSWORD/);
    });

    it.each([
        [{ database: "dropit; rm -rf /", user: "dropit" }, /database/],
        [{ database: "dropit", user: "$(id)" }, /user/],
        [{ database: "dropit", user: "dropit", backupDir: "/var/lib/../../etc" }, /backupDir/],
        [{ database: "dropit", user: "dropit", backupDir: "relative/dir" }, /backupDir/],
        [{ database: "dropit", user: "dropit", keepCount: 0 }, /keepCount/],
        [{ database: "dropit", user: "dropit", keepDays: 1.5 }, /keepDays/],
    ])("refuses unsafe options %p", (opts, message) => {
        expect(() => renderBackupScript(opts)).toThrow(message);
    });
});

describe("systemd units", () => {
    it("run the backup script daily at 03:15 by default, and the schedule is configurable", () => {
        const { service, timer } = renderBackupUnits();
        expect(service).toContain("ExecStart=/usr/local/sbin/dropit-pg-backup");
        expect(service).toContain("Type=oneshot");
        expect(timer).toContain("OnCalendar=*-*-* 03:15:00");
        expect(timer).toContain("Persistent=true");
        expect(renderBackupUnits({ schedule: "*-*-* 04:00:00" }).timer).toContain("OnCalendar=*-*-* 04:00:00");
        expect(() => renderBackupUnits({ schedule: "daily\nExecStart=/bin/evil" })).toThrow(/schedule/);
    });

    it.each(["*-*-* 03:15:00", "daily", "Mon..Fri 02:30"])("systemd accepts the schedule %p", (schedule) => {
        const timer = renderBackupUnits({ schedule }).timer;
        const onCalendar = /^OnCalendar=(.*)$/m.exec(timer)?.[1] ?? "";
        const result = spawnSync("systemd-analyze", ["calendar", onCalendar], { encoding: "utf8", timeout: 5000 });
        expect(result.stderr).toBe("");
        expect(result.status).toBe(0);
    });

    it("systemd rejects a schedule the renderer's character check lets through, so the check above can fail", () => {
        const result = spawnSync("systemd-analyze", ["calendar", "*-*-* 25:99:00"], { encoding: "utf8", timeout: 5000 });
        expect(result.status).not.toBe(0);
    });
});

describe("backup and restore against a real PostgreSQL", () => {
    it("brings back every row after DROP TABLE, then after DROP DATABASE, stopping and restarting the API", () => {
        const before = seed();
        expect(before.split("\n")).toHaveLength(500);
        const dir = path.join(work, "roundtrip");
        const backup = run(backupScript(dir));
        expect(backup.stderr).toBe("");
        expect(backup.status).toBe(0);
        const [dump] = dumpsIn(dir);
        expect(dump).toMatch(new RegExp(`^${DB}-\\d{8}T\\d{6}Z\\.dump$`));
        expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
        expect(fs.statSync(path.join(dir, dump)).mode & 0o077).toBe(0);

        const apiLog = path.join(work, "api.log");
        pg.psql("DROP TABLE athletes", DB);
        const restored = run(restoreScript(apiLog), [path.join(dir, dump), "--yes"]);
        expect(restored.stderr).toBe("");
        expect(restored.status).toBe(0);
        expect(pg.psql(ROWS, DB)).toBe(before);
        // The sequence came back too: new ids continue after the restored ones.
        expect(pg.psql("INSERT INTO athletes (name) VALUES ('nouveau') RETURNING id", DB)).toBe("501");

        pg.psql(`DROP DATABASE ${DB}`);
        pg.psql(`CREATE DATABASE ${DB}`);
        const again = run(restoreScript(apiLog), [path.join(dir, dump), "--yes"]);
        expect(again.status).toBe(0);
        expect(pg.psql(ROWS, DB)).toBe(before);
        expect(fs.readFileSync(apiLog, "utf8")).toBe("stop\nstart\nstop\nstart\n");
    });

    it("restore refuses without --yes and refuses a file that is not a dump, before touching the API", () => {
        const apiLog = path.join(work, "api-refuse.log");
        const script = restoreScript(apiLog);
        const junk = writeScript("junk.dump", "not a dump");
        expect(run(script, [junk]).status).not.toBe(0);
        const notDump = run(script, [junk, "--yes"]);
        expect(notDump.status).not.toBe(0);
        expect(notDump.stderr).toContain("not a pg_dump custom-format file");
        expect(fs.existsSync(apiLog)).toBe(false);
    });

    it("a failing restore (database unreachable) exits non-zero, says so, leaves the data as it was and starts the API again", () => {
        const before = pg.psql(ROWS, DB);
        const dir = path.join(work, "failing-restore");
        expect(run(backupScript(dir)).status).toBe(0);
        const apiLog = path.join(work, "api-fail.log");
        const script = restoreScript(apiLog, { restoreCommand: `pg_restore ${pgRestoreFlags()} ${connection()} --dbname=no_such_db` });
        const result = run(script, [path.join(dir, dumpsIn(dir)[0]), "--yes"]);
        expect(result.status).not.toBe(0);
        expect(result.stderr).toContain("restore failed");
        expect(fs.readFileSync(apiLog, "utf8")).toBe("stop\nstart\n");
        expect(pg.psql(ROWS, DB)).toBe(before);
    });

    it("fails loudly when pg_dump fails, leaving no dump and no partial file", () => {
        const dir = path.join(work, "failing");
        const result = run(backupScript(dir, { dumpCommand: `pg_dump --format=custom ${connection()} --dbname=no_such_db` }));
        expect(result.status).not.toBe(0);
        expect(result.stderr).toContain('database "no_such_db" does not exist');
        expect(result.stderr).toContain("backup failed");
        expect(visibleFiles(dir)).toEqual([]);
    });

    it("refuses output that is not a custom-format dump (e.g. a plain SQL dump)", () => {
        const dir = path.join(work, "plain");
        const result = run(backupScript(dir, { dumpCommand: `pg_dump --format=plain ${connection()} --dbname=${DB}` }));
        expect(result.status).not.toBe(0);
        expect(result.stderr).toContain("not a pg_dump custom-format file");
        expect(visibleFiles(dir)).toEqual([]);
    });

    it("keeps at most keepCount dumps, deletes those older than keepDays, never the newest, and clears stale partials", () => {
        const dir = path.join(work, "retention");
        fs.mkdirSync(dir, { recursive: true });
        const old = (name: string, daysAgo: number) => {
            const file = path.join(dir, name);
            fs.writeFileSync(file, "PGDMP old");
            const when = new Date(Date.now() - daysAgo * 86400_000);
            fs.utimesSync(file, when, when);
        };
        old(`${DB}-20200101T031500Z.dump`, 40); // older than keepDays
        old(`${DB}-20200102T031500Z.dump`, 3);
        old(`${DB}-20200103T031500Z.dump`, 2);
        old(`${DB}-20200104T031500Z.dump`, 1);
        old(`.${DB}-20200105T031500Z.dump.partial`, 1); // a crashed run
        old("unrelated.txt", 100); // not ours: never touched
        const result = run(backupScript(dir, { keepCount: 3, keepDays: 7 }));
        expect(result.status).toBe(0);
        const kept = dumpsIn(dir);
        expect(kept).toHaveLength(3);
        expect(kept.slice(0, 2)).toEqual([`${DB}-20200103T031500Z.dump`, `${DB}-20200104T031500Z.dump`]);
        expect(visibleFiles(dir)).toEqual([...kept, "unrelated.txt"].sort());
        expect(result.stdout).toContain(`deleted ${DB}-20200101T031500Z.dump`);
        expect(result.stdout).toContain(`deleted ${DB}-20200102T031500Z.dump`);
    });

    it("never deletes the newest dump, however old", () => {
        const dir = path.join(work, "newest");
        const result = run(backupScript(dir, { dumpCommand: `pg_dump --format=custom ${connection()} --dbname=${DB}`, keepCount: 1, keepDays: 1 }));
        expect(result.status).toBe(0);
        const [only] = dumpsIn(dir);
        const ancient = new Date(Date.now() - 400 * 86400_000);
        fs.utimesSync(path.join(dir, only), ancient, ancient);
        // A failed run must not apply retention either.
        expect(run(backupScript(dir, { dumpCommand: "false", keepCount: 1, keepDays: 1 })).status).not.toBe(0);
        expect(dumpsIn(dir)).toEqual([only]);
    });
});
