/**
 * Replays the remote commands the program registers over real SSH, the way @pulumi/command
 * runs them: the `create` string as the SSH session's command (sshd hands it to the user's
 * login shell), the resource's stdin piped in then closed, the pinned host key enforced.
 * The ssh options are those the program gives the Docker provider (lib/sshIdentity.ts).
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { writeSshIdentity } from "../../../lib/sshIdentity";
import type { PlannedCommand, ReplayPlan } from "./planCommands";

const PROJECT_DIR = path.resolve(__dirname, "..", "..", "..");

/**
 * Runs planCommands.ts in its own process on a stack file written from `config`, keeping the
 * commands of one component (DokployHost is registered as `dokploy`).
 */
export function planForReplay(config: Record<string, unknown>, component = "dokploy", stack = "e2e"): ReplayPlan {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-e2e-stack-"));
    try {
        const file = path.join(dir, `Pulumi.${stack}.yaml`);
        fs.writeFileSync(file, stringify({ config }));
        const result = spawnSync(path.join(PROJECT_DIR, "node_modules", ".bin", "tsx"), [path.join(__dirname, "planCommands.ts"), file, stack, component], {
            cwd: PROJECT_DIR, encoding: "utf8", timeout: 120_000, maxBuffer: 32 * 1024 * 1024,
        });
        if (result.status !== 0) throw new Error(`planning failed (${result.status ?? result.signal}): ${result.stderr}`);
        return JSON.parse(result.stdout) as ReplayPlan;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

export interface CommandRun {
    name: string;
    status: number | null;
    stdout: string;
    stderr: string;
    durationMs: number;
}

export interface SshCredentials {
    privateKey: string;
    /** Overrides the command's pinned host key (to prove a mismatch is refused). */
    hostKey?: string;
}

/** One command over SSH, bounded in time; resolves with its exit status and output. */
export function runOverSsh(
    command: Pick<PlannedCommand, "connection" | "stdin">,
    script: string,
    credentials: SshCredentials,
    timeoutMs = 300_000,
): Promise<Omit<CommandRun, "name">> {
    const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-e2e-ssh-"));
    const { host, port, user } = command.connection;
    const sshOptions = writeSshIdentity({ host, port, hostKey: credentials.hostKey ?? command.connection.hostKey }, credentials.privateKey, baseDir);
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn("ssh", [...sshOptions, "-o", "ConnectTimeout=15", "-p", String(port), `${user}@${host}`, script], { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.stdin.on("error", () => undefined);
        child.stdin.end(command.stdin ?? "");
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("close", (status) => {
            clearTimeout(timer);
            fs.rmSync(baseDir, { recursive: true, force: true });
            resolve({ status, stdout, stderr, durationMs: Date.now() - started });
        });
    });
}

/**
 * Every command's `create`, in dependency order, stopping at the first failure (Pulumi does not
 * run the dependents of a failed resource). `only` limits the replay to some commands.
 */
export async function replay(plan: ReplayPlan, credentials: SshCredentials, only?: (command: PlannedCommand) => boolean): Promise<CommandRun[]> {
    const runs: CommandRun[] = [];
    for (const command of plan.commands) {
        if (only && !only(command)) continue;
        const run = { name: command.name, ...(await runOverSsh(command, command.create, credentials)) };
        runs.push(run);
        if (run.status !== 0) break;
    }
    return runs;
}

export function describeRuns(runs: readonly CommandRun[]): string {
    return runs.map((run) => `── ${run.name} → ${run.status} (${run.durationMs} ms)\n${run.stdout}${run.stderr}`).join("\n");
}
