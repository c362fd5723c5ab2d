import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BACKUP_SCRIPT_PATH } from "../../renderers/backup";
import { HOST_DIR } from "../../renderers/shellParams";
import { renderInstallBackups, renderMajorVersionGuard, renderPreDeployBackup } from "../../renderers/databaseHost";

let dir: string;
beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-dbhost-"));
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin", "sudo"), '#!/bin/bash\nexec "$@"\n', { mode: 0o755 });
    // `docker volume inspect` prints the mount point when the volume "exists" (a file flag).
    fs.writeFileSync(path.join(dir, "bin", "docker"), `#!/bin/bash\n[ -e "${dir}/volume-exists" ] || exit 1\necho "${dir}/volume"\n`, {
        mode: 0o755,
    });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function guard(configured: number) {
    return spawnSync("bash", ["-c", renderMajorVersionGuard("dropit-postgres-data", configured, "pgdata")], {
        encoding: "utf8",
        timeout: 10_000,
        env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}` },
    });
}

function dataWrittenBy(major: string) {
    fs.writeFileSync(path.join(dir, "volume-exists"), "");
    fs.mkdirSync(path.join(dir, "volume", "pgdata"), { recursive: true });
    fs.writeFileSync(path.join(dir, "volume", "pgdata", "PG_VERSION"), `${major}\n`);
}

test("a new or empty volume passes: PostgreSQL initialises it", () => {
    expect(guard(16).stdout).toContain("does not exist yet");
    fs.writeFileSync(path.join(dir, "volume-exists"), "");
    expect(guard(16)).toMatchObject({ status: 0, stdout: expect.stringContaining("holds no database yet") });
});

test("data of the configured major version passes", () => {
    dataWrittenBy("16");
    expect(guard(16)).toMatchObject({ status: 0, stdout: expect.stringContaining("is PostgreSQL 16, as configured") });
});

test("another major version is refused with the dump/restore path, before anything changes", () => {
    dataWrittenBy("16");
    const result = guard(17);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
        "dropit:postgres.version is 17 but the data in volume dropit-postgres-data was written by PostgreSQL 16",
    );
    expect(result.stderr).toContain(`sudo ${BACKUP_SCRIPT_PATH}`);
});

test("the installed commands are exactly the repository's files, their parameters in the env file, and every command is valid bash", () => {
    const settings = {
        database: "dropit",
        user: "dropit",
        schedule: "*-*-* 03:15:00",
        keepCount: 14,
        keepDays: 30,
        directory: "/var/backups/dropit/postgres",
    };
    const install = renderInstallBackups(settings);
    const script = fs.readFileSync(path.join(HOST_DIR, "files", "dropit-pg-backup.sh"), "utf8");
    expect(install).toContain(`\nBACKUP_SCRIPT='${script.trimEnd()}'\n`);
    expect(install).toContain("\nDATABASE=dropit\nDB_USER=dropit\n");
    expect(install).toContain(`install_if_changed ${BACKUP_SCRIPT_PATH} 0755`);
    expect(install).toContain("systemctl enable --now dropit-pg-backup.timer");
    for (const command of [install, renderPreDeployBackup(), renderMajorVersionGuard("v", 16, "pgdata")]) {
        const inner = command.split("\n").slice(1, -2).join("\n");
        expect(spawnSync("bash", ["-n", "-c", inner]).status).toBe(0);
    }
});
