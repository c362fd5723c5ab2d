/**
 * A Docker engine with Swarm active, for the e2e rollout proof. Debian's docker.io installs
 * dockerd without starting it (scripts/setup.sh forbids service starts), so this starts it when
 * its socket is absent and stops only what it started. Every wait is bounded.
 */
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sleep } from "./loopback";

const SOCKET = "/var/run/docker.sock";

export function docker(
    args: readonly string[],
    options: { input?: string; timeoutMs?: number; cwd?: string } = {},
): SpawnSyncReturns<string> {
    return spawnSync("docker", args, { encoding: "utf8", timeout: options.timeoutMs ?? 60000, input: options.input, cwd: options.cwd });
}

/** Runs docker and returns trimmed stdout, or throws with its stderr. */
export function dockerOk(args: readonly string[], options: { input?: string; timeoutMs?: number; cwd?: string } = {}): string {
    const result = docker(args, options);
    if (result.status !== 0) throw new Error(`docker ${args.join(" ")} failed (${result.status ?? result.signal}): ${result.stderr}`);
    return result.stdout.trim();
}

export interface DockerEngine {
    /** Undoes only what was done here: leaves the swarm it created, stops the dockerd it started. */
    release(): Promise<void>;
}

async function waitFor(what: string, timeoutMs: number, probe: () => boolean): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; attempt < 600 && Date.now() < deadline; attempt += 1) {
        if (probe()) return;
        await sleep(250);
    }
    throw new Error(`${what} not ready within ${timeoutMs} ms`);
}

export async function ensureSwarm(): Promise<DockerEngine> {
    let daemon: ChildProcess | undefined;
    let logDir: string | undefined;
    if (!fs.existsSync(SOCKET)) {
        logDir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-dockerd-"));
        const log = fs.openSync(path.join(logDir, "dockerd.log"), "a");
        daemon = spawn("dockerd", [], { stdio: ["ignore", log, log], detached: false });
        fs.closeSync(log);
    }
    const dockerdLog = () => (logDir ? fs.readFileSync(path.join(logDir, "dockerd.log"), "utf8").slice(-2000) : "");
    try {
        await waitFor("dockerd", 30000, () => docker(["info", "--format", "{{.ServerVersion}}"], { timeoutMs: 5000 }).status === 0);
    } catch (error) {
        daemon?.kill("SIGTERM");
        throw new Error(`${(error as Error).message}\n${dockerdLog()}`);
    }
    let createdSwarm = false;
    if (dockerOk(["info", "--format", "{{.Swarm.LocalNodeState}}"]) !== "active") {
        dockerOk(["swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", "127.0.0.1:2377"]);
        createdSwarm = true;
    }
    return {
        async release() {
            if (createdSwarm) docker(["swarm", "leave", "--force"], { timeoutMs: 30000 });
            if (daemon && daemon.exitCode === null) {
                daemon.kill("SIGTERM");
                await waitFor("dockerd exit", 20000, () => daemon?.exitCode !== null || daemon?.signalCode !== null).catch(() =>
                    daemon?.kill("SIGKILL"),
                );
            }
            if (logDir) fs.rmSync(logDir, { recursive: true, force: true });
        },
    };
}
