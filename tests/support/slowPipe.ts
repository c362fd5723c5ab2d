/**
 * Runs a command with stdout on a real pipe (pipe(2), as a shell's `|` makes; Node's own
 * "pipe" stdio is a socket pair with a much bigger buffer) whose reader stalls: it takes the
 * first byte, sleeps, then reads the rest. A command that exits before its stdout has drained
 * leaves this reader with a cut output (what fit in the pipe's 64 KiB buffer), as
 * `npm run plan -- --json | wc -c` once did. stderr is discarded.
 */
import { spawnSync } from "node:child_process";

export interface SlowPipeResult {
    stdout: Buffer;
    /** The command's exit status (pipefail: the reader itself always succeeds). */
    status: number | null;
}

const READER = 'set -o pipefail; "$@" 2>/dev/null | { dd bs=1 count=1 status=none; sleep "$STALL_SECONDS"; cat; }';

export function runThroughSlowPipe(
    command: string,
    args: readonly string[],
    options: { cwd: string; stallSeconds?: number; timeoutMs?: number },
): SlowPipeResult {
    const result = spawnSync("bash", ["-c", READER, "bash", command, ...args], {
        cwd: options.cwd,
        env: { ...process.env, STALL_SECONDS: String(options.stallSeconds ?? 2) },
        stdio: ["ignore", "pipe", "inherit"],
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 60_000,
    });
    if (result.error) throw result.error;
    return { stdout: result.stdout, status: result.status };
}
