/**
 * This machine's Docker engine, for the e2e suites. Debian's docker.io installs dockerd without
 * starting it (scripts/setup.sh forbids service starts), and a machine can keep a socket file
 * from a daemon that is long gone: whether the engine is up is asked of the engine itself
 * (`docker info`), never read off the socket file. Only what was started here is stopped here.
 * Every wait is bounded.
 */
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sleep } from "./loopback";

export interface DockerRunOptions {
    input?: string | Buffer;
    timeoutMs?: number;
    cwd?: string;
}

export function docker(args: readonly string[], options: DockerRunOptions = {}): SpawnSyncReturns<string> {
    return spawnSync("docker", args, {
        encoding: "utf8",
        timeout: options.timeoutMs ?? 60_000,
        input: options.input,
        cwd: options.cwd,
        maxBuffer: 64 * 1024 * 1024,
    });
}

/** Runs docker and returns trimmed stdout, or throws with its stderr. */
export function dockerOk(args: readonly string[], options: DockerRunOptions = {}): string {
    const result = docker(args, options);
    if (result.status !== 0)
        throw new Error(`docker ${args.slice(0, 4).join(" ")} failed (${result.status ?? result.signal}): ${result.stderr}`);
    return result.stdout.trim();
}

export async function waitFor(what: string, timeoutMs: number, probe: () => boolean | Promise<boolean>, intervalMs = 250): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; attempt < 2_000 && Date.now() < deadline; attempt += 1) {
        if (await probe()) return;
        await sleep(intervalMs);
    }
    throw new Error(`${what} not ready within ${timeoutMs} ms`);
}

export interface DockerEngine {
    /** Undoes only what was done here: leaves the swarm it created, stops the dockerd it started. */
    release(): Promise<void>;
}

const engineAnswers = () => docker(["info", "--format", "{{.ServerVersion}}"], { timeoutMs: 5_000 }).status === 0;

/**
 * Starts dockerd unless an engine already answers. A daemon that exits early (another suite's
 * daemon still shutting down holds the pid file) is started again within the same bounded wait;
 * a failure shows the tail of dockerd's own log.
 */
export async function ensureDockerEngine(): Promise<DockerEngine> {
    if (engineAnswers()) return { release: () => Promise.resolve() };
    const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dropit-dockerd-")), "dockerd.log");
    let daemon: ChildProcess | undefined;
    const startUnlessRunning = () => {
        if (daemon && daemon.exitCode === null && daemon.signalCode === null) return;
        const log = fs.openSync(logFile, "a");
        daemon = spawn("dockerd", [], { stdio: ["ignore", log, log] });
        fs.closeSync(log);
    };
    const stop = async () => {
        if (!daemon || daemon.exitCode !== null || daemon.signalCode !== null) return;
        daemon.kill("SIGTERM");
        await waitFor("dockerd exit", 20_000, () => daemon?.exitCode !== null || daemon?.signalCode !== null).catch(() =>
            daemon?.kill("SIGKILL"),
        );
    };
    try {
        await waitFor(
            "dockerd",
            60_000,
            () => {
                startUnlessRunning();
                return engineAnswers();
            },
            500,
        );
    } catch (error) {
        await stop();
        throw new Error(`${(error as Error).message}\n${fs.readFileSync(logFile, "utf8").slice(-3000)}`);
    }
    return { release: stop };
}

/** The engine above with Swarm active (the rollout proof needs services). */
export async function ensureSwarm(): Promise<DockerEngine> {
    const engine = await ensureDockerEngine();
    let createdSwarm = false;
    try {
        if (dockerOk(["info", "--format", "{{.Swarm.LocalNodeState}}"]) !== "active") {
            dockerOk(["swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", "127.0.0.1:2377"]);
            createdSwarm = true;
        }
    } catch (error) {
        await engine.release();
        throw error;
    }
    return {
        async release() {
            if (createdSwarm) docker(["swarm", "leave", "--force"], { timeoutMs: 30_000 });
            await engine.release();
        },
    };
}
