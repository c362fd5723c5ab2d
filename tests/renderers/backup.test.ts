/**
 * The installed backup and restore commands (host/files/dropit-pg-*.sh, static files reading
 * /etc/dropit/pg-backup.env), run by bash against a real PostgreSQL (Debian's 15; production is
 * 16 through `docker exec`; pg_dump custom format and pg_restore flags used here are the same
 * in both). Only the way pg_dump/pg_restore are reached differs from production: a `docker`
 * stand-in on PATH runs `docker exec <task> pg_dump|pg_restore ...` against the local server
 * and records `docker service scale` calls of the API.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { configSchema } from "../../config/schema";
import { BackupParameters, pgRestoreFlags, renderBackupEnv, renderBackupSchedule } from "../../renderers/backup";
import { HOST_DIR } from "../../renderers/shellParams";
import { installDockerExecStandIn } from "../support/dockerExec";
import { RunningPostgres, startPostgres } from "../support/postgresServer";

const DB = "dropit_test";
/** The schema's defaults, the only ones (the renderer takes values). */
const DEFAULTS = configSchema.shape.postgres.parse(undefined);
const RETENTION = { backupDir: DEFAULTS.backups.directory, keepCount: DEFAULTS.backups.keepCount, keepDays: DEFAULTS.backups.keepDays };
const BACKUP = path.join(HOST_DIR, "files", "dropit-pg-backup.sh");
const RESTORE = path.join(HOST_DIR, "files", "dropit-pg-restore.sh");
let pg: RunningPostgres;
let work: string;
let bin: string;

beforeAll(async () => {
    pg = await startPostgres();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-backup-"));
    bin = path.join(work, "bin");
    fs.mkdirSync(bin);
    // Files in $work steer the stand-in: dump-format (e.g. plain), dump-fails, api-log (where scale calls go).
    installDockerExecStandIn(bin, pg.port, work);
}, 30000);

afterAll(async () => {
    await pg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
});

function envFile(name: string, parameters: Partial<BackupParameters> = {}): string {
    const file = path.join(work, `${name}.env`);
    fs.writeFileSync(file, renderBackupEnv({ database: DB, user: "postgres", ...RETENTION, ...parameters }));
    return file;
}

function run(script: string, env: string, args: string[] = []) {
    const result = spawnSync("bash", [script, ...args], {
        encoding: "utf8",
        timeout: 20000,
        env: {
            PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
            LANG: "C.UTF-8",
            DROPIT_PG_BACKUP_ENV: env,
        },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The backup command into `backupDir`, with `steer` files set for this run only. */
function backup_(backupDir: string, extra: Partial<BackupParameters> = {}, steer: Record<string, string> = {}) {
    for (const [name, content] of Object.entries(steer)) fs.writeFileSync(path.join(work, name), content);
    try {
        return run(BACKUP, envFile(`backup-${path.basename(backupDir)}`, { backupDir, ...extra }));
    } finally {
        for (const name of Object.keys(steer)) fs.rmSync(path.join(work, name), { force: true });
    }
}

function restore(apiLog: string, args: string[], extra: Partial<BackupParameters> = {}) {
    fs.writeFileSync(path.join(work, "api-log"), apiLog);
    return run(RESTORE, envFile("restore", extra), args);
}

const dumpsIn = (dir: string) =>
    fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".dump"))
        .sort();
const visibleFiles = (dir: string) =>
    fs
        .readdirSync(dir)
        .filter((f) => f !== ".lock")
        .sort();

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

describe("installed files", () => {
    it.each([
        ["backup", BACKUP],
        ["restore", RESTORE],
    ])("%s passes bash -n", (_name, file) => {
        const result = spawnSync("bash", ["-n", file], { encoding: "utf8" });
        expect(result.stderr).toBe("");
        expect(result.status).toBe(0);
    });

    it("dump through docker exec into the running task, with no password anywhere; parameters come from the env file", () => {
        const backupText = fs.readFileSync(BACKUP, "utf8");
        expect(backupText).toContain('docker exec "$container" pg_dump --format=custom --username="$DB_USER" --dbname="$DATABASE"');
        expect(backupText).toMatch(/^set -euo pipefail$/m);
        expect(backupText).not.toMatch(/password|PGPASSWORD/i);
        const restoreText = fs.readFileSync(RESTORE, "utf8");
        expect(restoreText).toContain(`pg_restore ${pgRestoreFlags()}`);
        expect(restoreText).toContain('docker service scale --detach=false "$API_SERVICE=0"');
        expect(restoreText).not.toMatch(/PGPASSWORD/);
        expect(renderBackupEnv({ database: "dropit", user: "dropit", ...RETENTION })).toContain(
            "\nDATABASE=dropit\nDB_USER=dropit\nPOSTGRES_SERVICE=dropit-postgres\nAPI_SERVICE=dropit-api\nBACKUP_DIR=/var/backups/dropit/postgres\nKEEP_COUNT=14\nKEEP_DAYS=30\n",
        );
    });

    it.each([
        [{ keepCount: 0 }, /keepCount/],
        [{ keepDays: 1.5 }, /keepDays/],
        [{ keepCount: 1001 }, /keepCount/],
    ])("refuses unusable retention %p", (opts, message) => {
        expect(() => renderBackupEnv({ database: "dropit", user: "dropit", ...RETENTION, ...opts })).toThrow(message);
    });
});

describe("systemd units", () => {
    const files = (name: string) => fs.readFileSync(path.join(HOST_DIR, "files", name), "utf8");
    it("run the backup command daily at 03:15 by default, and the schedule is a drop-in", () => {
        expect(files("dropit-pg-backup.service")).toContain("ExecStart=/usr/local/sbin/dropit-pg-backup");
        expect(files("dropit-pg-backup.service")).toContain("Type=oneshot");
        expect(files("dropit-pg-backup.timer")).toContain("OnCalendar=*-*-* 03:15:00");
        expect(files("dropit-pg-backup.timer")).toContain("Persistent=true");
        expect(renderBackupSchedule("*-*-* 04:00:00")).toContain("[Timer]\nOnCalendar=\nOnCalendar=*-*-* 04:00:00\n");
        expect(() => renderBackupSchedule("daily\nExecStart=/bin/evil")).toThrow(/schedule/);
    });

    it.each(["*-*-* 03:15:00", "daily", "Mon..Fri 02:30"])("systemd accepts the schedule %p", (schedule) => {
        const dropIn = renderBackupSchedule(schedule);
        const onCalendar = /^OnCalendar=(.+)$/m.exec(dropIn)?.[1] ?? "";
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
        const backup = backup_(dir);
        expect(backup.stderr).toBe("");
        expect(backup.status).toBe(0);
        const [dump] = dumpsIn(dir);
        expect(dump).toMatch(new RegExp(`^${DB}-\\d{8}T\\d{6}Z\\.dump$`));
        expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
        expect(fs.statSync(path.join(dir, dump)).mode & 0o077).toBe(0);

        const apiLog = path.join(work, "api.log");
        pg.psql("DROP TABLE athletes", DB);
        const restored = restore(apiLog, [path.join(dir, dump), "--yes"]);
        expect(restored.stderr).toBe("");
        expect(restored.status).toBe(0);
        expect(pg.psql(ROWS, DB)).toBe(before);
        // The sequence came back too: new ids continue after the restored ones.
        expect(pg.psql("INSERT INTO athletes (name) VALUES ('nouveau') RETURNING id", DB)).toBe("501");

        pg.psql(`DROP DATABASE ${DB}`);
        pg.psql(`CREATE DATABASE ${DB}`);
        const again = restore(apiLog, [path.join(dir, dump), "--yes"]);
        expect(again.status).toBe(0);
        expect(pg.psql(ROWS, DB)).toBe(before);
        expect(fs.readFileSync(apiLog, "utf8")).toBe("scale dropit-api=0\nscale dropit-api=2\nscale dropit-api=0\nscale dropit-api=2\n");
    });

    it("restore refuses without --yes and refuses a file that is not a dump, before touching the API", () => {
        const apiLog = path.join(work, "api-refuse.log");
        const junk = path.join(work, "junk.dump");
        fs.writeFileSync(junk, "not a dump");
        expect(restore(apiLog, [junk]).status).not.toBe(0);
        const notDump = restore(apiLog, [junk, "--yes"]);
        expect(notDump.status).not.toBe(0);
        expect(notDump.stderr).toContain("not a pg_dump custom-format file");
        expect(fs.existsSync(apiLog)).toBe(false);
    });

    it("a failing restore (database unreachable) exits non-zero, says so, leaves the data as it was and starts the API again", () => {
        const before = pg.psql(ROWS, DB);
        const dir = path.join(work, "failing-restore");
        expect(backup_(dir).status).toBe(0);
        const apiLog = path.join(work, "api-fail.log");
        const result = restore(apiLog, [path.join(dir, dumpsIn(dir)[0]), "--yes"], { database: "no_such_db" });
        expect(result.status).not.toBe(0);
        expect(result.stderr).toContain("restore failed");
        expect(fs.readFileSync(apiLog, "utf8")).toBe("scale dropit-api=0\nscale dropit-api=2\n");
        expect(pg.psql(ROWS, DB)).toBe(before);
    });

    it("fails loudly when pg_dump fails, leaving no dump and no partial file", () => {
        const dir = path.join(work, "failing");
        const result = backup_(dir, { database: "no_such_db" });
        expect(result.status).not.toBe(0);
        expect(result.stderr).toContain('database "no_such_db" does not exist');
        expect(result.stderr).toContain("backup failed");
        expect(visibleFiles(dir)).toEqual([]);
    });

    it("refuses output that is not a custom-format dump (e.g. a plain SQL dump)", () => {
        const dir = path.join(work, "plain");
        const result = backup_(dir, {}, { "dump-format": "plain" });
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
        const result = backup_(dir, { keepCount: 3, keepDays: 7 });
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
        const result = backup_(dir, { keepCount: 1, keepDays: 1 });
        expect(result.status).toBe(0);
        const [only] = dumpsIn(dir);
        const ancient = new Date(Date.now() - 400 * 86400_000);
        fs.utimesSync(path.join(dir, only), ancient, ancient);
        // A failed run must not apply retention either.
        expect(backup_(dir, { keepCount: 1, keepDays: 1 }, { "dump-fails": "" }).status).not.toBe(0);
        expect(dumpsIn(dir)).toEqual([only]);
    });
});
