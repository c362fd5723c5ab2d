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
import { writeSshIdentity } from "../../lib/sshIdentity";
import type { PlannedCommand, ReplayPlan } from "./planCommands";

const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/**
 * Runs planCommands.ts in its own process on a stack file written from `config`, keeping the
 * commands of the given components (DokployHost is registered as `dokploy`).
 */
export function planForReplay(
    config: Record<string, unknown>,
    components: string | readonly string[] = "dokploy",
    stack = "e2e",
): ReplayPlan {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-e2e-stack-"));
    try {
        const file = path.join(dir, `Pulumi.${stack}.yaml`);
        fs.writeFileSync(file, stringify({ config }));
        const result = spawnSync(
            path.join(PROJECT_DIR, "node_modules", ".bin", "tsx"),
            [path.join(__dirname, "planCommands.ts"), file, stack, typeof components === "string" ? components : components.join(",")],
            {
                cwd: PROJECT_DIR,
                encoding: "utf8",
                timeout: 120_000,
                maxBuffer: 32 * 1024 * 1024,
            },
        );
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
    const sshOptions = writeSshIdentity({ host, port, hostKey: command.connection.hostKey }, credentials.privateKey, baseDir);
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn("ssh", [...sshOptions, "-o", "ConnectTimeout=15", "-p", String(port), `${user}@${host}`, script], {
            stdio: ["pipe", "pipe", "pipe"],
        });
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

/** What earlier runs printed, by command name: the real values of the plan's stdout markers. */
export type RunOutputs = Map<string, string>;

const STDOUT_MARKER = /@stdout:([A-Za-z0-9_.-]+)@/g;

/**
 * The planned text with each stdout marker (scripts/plan/harness.ts, plannedStdout) replaced by
 * what that command really printed, as `pulumi up` would pass it. The program only uses
 * one-line outputs (a node ID, a join token), trimmed: anything else is refused rather than
 * guessed at.
 */
export function resolveOutputs(text: string, outputs: RunOutputs): string {
    return text.replace(STDOUT_MARKER, (_marker, name: string) => {
        const value = outputs.get(name);
        if (value === undefined) throw new Error(`the plan uses the output of ${name}, which has not run`);
        const trimmed = value.trim();
        if (trimmed.includes("\n")) throw new Error(`the output of ${name} is not one line: ${trimmed.slice(0, 200)}`);
        return trimmed;
    });
}

/** One planned command's `create` (or `delete`), its markers resolved, over SSH. */
export async function runPlanned(
    command: PlannedCommand,
    credentials: SshCredentials,
    outputs: RunOutputs,
    which: "create" | "delete" = "create",
): Promise<CommandRun> {
    const script = command[which];
    if (script === undefined) throw new Error(`${command.name} has no ${which} command`);
    const resolved = { ...command, stdin: command.stdin === undefined ? undefined : resolveOutputs(command.stdin, outputs) };
    const run = {
        name: which === "create" ? command.name : `${command.name} (delete)`,
        ...(await runOverSsh(resolved, resolveOutputs(script, outputs), credentials)),
    };
    if (which === "create" && run.status === 0) outputs.set(command.name, run.stdout);
    return run;
}

/**
 * Every command's `create`, in dependency order, stopping at the first failure (Pulumi does not
 * run the dependents of a failed resource). `only` limits the replay to some commands; `outputs`
 * carries what earlier replays printed and receives what this one prints.
 */
export async function replay(
    plan: ReplayPlan,
    credentials: SshCredentials,
    only?: (command: PlannedCommand) => boolean,
    outputs: RunOutputs = new Map(),
): Promise<CommandRun[]> {
    const runs: CommandRun[] = [];
    for (const command of plan.commands) {
        if (only && !only(command)) continue;
        const run = await runPlanned(command, credentials, outputs);
        runs.push(run);
        if (run.status !== 0) break;
    }
    return runs;
}

export function describeRuns(runs: readonly CommandRun[]): string {
    return runs.map((run) => `── ${run.name} → ${run.status} (${run.durationMs} ms)\n${run.stdout}${run.stderr}`).join("\n");
}
