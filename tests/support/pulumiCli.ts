/**
 * The real `pulumi` CLI for the engine suite: a file backend and a plugin home in a temp
 * directory, passphrase secrets, no update check, no plugin download. Every line the CLI prints
 * is kept, so a test can search all of it for secret values.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface CliResult {
    status: number | null;
    stdout: string;
    stderr: string;
    seconds: number;
}

/** The CLI on PATH, else where scripts/engine.sh puts it. */
export function findPulumi(): string | undefined {
    const onPath = spawnSync("sh", ["-c", "command -v pulumi"], { encoding: "utf8" }).stdout.trim();
    if (onPath) return onPath;
    const built = path.join(os.homedir(), ".pulumi", "bin", "pulumi");
    return fs.existsSync(built) ? built : undefined;
}

export class PulumiCli {
    readonly home = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-engine-"));
    readonly stateDir = path.join(this.home, "state");
    /** Everything printed by every command, for secret searches. */
    readonly transcript: string[] = [];
    private readonly env: NodeJS.ProcessEnv;

    constructor(readonly binary: string, readonly projectDir: string, passphrase: string) {
        fs.mkdirSync(this.stateDir);
        this.env = {
            ...process.env,
            PATH: `${path.dirname(binary)}:${process.env.PATH ?? ""}`,
            PULUMI_HOME: path.join(this.home, "pulumi-home"),
            PULUMI_BACKEND_URL: `file://${this.stateDir}`,
            PULUMI_CONFIG_PASSPHRASE: passphrase,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
            PULUMI_COLOR: "never",
        };
    }

    /** Runs one command to completion (bounded); `input` goes to stdin (how secrets are set). */
    run(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): CliResult {
        const started = Date.now();
        const result = spawnSync(this.binary, [...args, "--non-interactive"], {
            cwd: this.projectDir, env: this.env, encoding: "utf8", input: options.input,
            timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024,
        });
        this.transcript.push(`$ pulumi ${args.join(" ")}\n${result.stdout}${result.stderr}`);
        return { status: result.status, stdout: result.stdout, stderr: result.stderr, seconds: (Date.now() - started) / 1000 };
    }

    /** Like run, but fails the test with the command's output when it exits non-zero. */
    ok(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): CliResult {
        const result = this.run(args, options);
        if (result.status !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
        return result;
    }

    /** Starts a command in its own process group, so the whole tree can be killed at once. */
    start(args: readonly string[]): { child: ChildProcess; output: () => string } {
        const child = spawn(this.binary, [...args, "--non-interactive"], { cwd: this.projectDir, env: this.env, detached: true });
        let output = "";
        child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.on("close", () => this.transcript.push(`$ pulumi ${args.join(" ")} (background)\n${output}`));
        return { child, output: () => output };
    }

    /** Every file of the backend (state, backups, history), as text. */
    backendFiles(): string[] {
        const files: string[] = [];
        const walk = (dir: string) => {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                const full = path.join(dir, entry.name);
                if (entry.isDirectory()) walk(full);
                else files.push(full);
            }
        };
        walk(this.stateDir);
        return files;
    }

    remove(): void {
        fs.rmSync(this.home, { recursive: true, force: true });
    }
}
