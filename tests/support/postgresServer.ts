/**
 * A throwaway PostgreSQL cluster from Debian's packages (15; production runs 16, and nothing
 * these tests use differs between them): initdb as the `postgres` OS user in a temp dir, the
 * server on 127.0.0.1 and a free port with its socket in the temp dir, trust auth on loopback
 * only (so no password exists to leak), stopped and deleted by `stop()`.
 */
import { ChildProcess, spawn, spawnSync, SpawnSyncOptions } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort, sleep } from "./loopback";

export const PG_BIN = "/usr/lib/postgresql/15/bin";

export interface RunningPostgres {
    port: number;
    dir: string;
    /** Runs SQL through psql (ON_ERROR_STOP) and returns its unaligned, tuples-only output. */
    psql(sql: string, database?: string): string;
    stop(): Promise<void>;
}

function postgresIds(): { uid: number; gid: number } {
    const uid = Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim());
    const gid = Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim());
    if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid <= 0)
        throw new Error("no `postgres` OS user (scripts/setup.sh installs it)");
    return { uid, gid };
}

function runChecked(command: string, args: readonly string[], options: SpawnSyncOptions): string {
    const result = spawnSync(command, args, { encoding: "utf8", timeout: 30000, ...options });
    if (result.status !== 0) {
        throw new Error(`${path.basename(command)} ${args.join(" ")} failed (${result.status ?? result.signal}): ${String(result.stderr)}`);
    }
    return String(result.stdout);
}

/**
 * Starts a cluster with `serverFlags` exactly as rendered for production, minus the leading
 * "postgres" word (the image's entrypoint consumes it).
 */
export async function startPostgres(serverFlags: readonly string[] = []): Promise<RunningPostgres> {
    const ids = postgresIds();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-pg-"));
    fs.chownSync(dir, ids.uid, ids.gid);
    const data = path.join(dir, "data");
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", HOME: dir };
    const asPostgres = { ...ids, env, cwd: dir };
    runChecked(
        `${PG_BIN}/initdb`,
        ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
        asPostgres,
    );
    const port = await freePort();
    const child: ChildProcess = spawn(
        `${PG_BIN}/postgres`,
        ["-D", data, "-h", "127.0.0.1", "-p", String(port), "-k", dir, "-c", "fsync=off", ...serverFlags],
        { ...asPostgres, stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    child.stderr?.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    let exited: string | undefined;
    child.once("exit", (code, signal) => (exited = `exit ${code ?? signal}`));

    const stop = async () => {
        if (exited === undefined) {
            child.kill("SIGINT"); // fast shutdown
            for (let i = 0; i < 100 && exited === undefined; i += 1) await sleep(50);
            if (exited === undefined) child.kill("SIGKILL");
        }
        fs.rmSync(dir, { recursive: true, force: true });
    };

    const psql = (sql: string, database = "postgres") =>
        runChecked(
            "psql",
            ["-X", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
            {
                env: { PATH: env.PATH, LANG: "C.UTF-8" },
            },
        ).trim();

    try {
        await waitReady(port, () => exited && `${exited}: ${log}`);
    } catch (error) {
        await stop();
        throw error;
    }
    return { port, dir, psql, stop };
}

/** pg_isready until it accepts connections; bounded in attempts and time. */
async function waitReady(port: number, isDead: () => string | undefined | false): Promise<void> {
    const deadline = Date.now() + 10000;
    for (let attempt = 0; attempt < 200 && Date.now() < deadline; attempt += 1) {
        const dead = isDead();
        if (dead) throw new Error(`postgres exited: ${dead}`);
        const ready = spawnSync(`${PG_BIN}/pg_isready`, ["-h", "127.0.0.1", "-p", String(port), "-t", "1"], { timeout: 3000 });
        if (ready.status === 0) return;
        await sleep(50);
    }
    throw new Error(`postgres on 127.0.0.1:${port} not ready within 10 s`);
}
