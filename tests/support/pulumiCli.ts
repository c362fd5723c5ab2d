/**
 * The real `pulumi` CLI for the engine suite: a file backend and a Pulumi home in a temp
 * directory (its plugins are those installed in the user's Pulumi home, linked), passphrase
 * secrets, no update check, no plugin download. Every line the CLI prints is kept, so a test can
 * search all of it for secret values.
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

/**
 * What a failed command said, errors first: CI shows only part of a long failure, and a build's
 * progress lines would push the error out of it.
 */
export function failureSummary(result: Pick<CliResult, "stdout" | "stderr">): string {
    const errorLines = [...new Set(result.stdout.split("\n").filter((line) => /\berror\b/i.test(line)))].slice(0, 20);
    const diagnostics = result.stdout.indexOf("Diagnostics:");
    return [
        ...errorLines,
        "--- diagnostics ---",
        diagnostics >= 0 ? result.stdout.slice(diagnostics, diagnostics + 6000) : result.stdout.slice(-6000),
        "--- stderr ---",
        result.stderr.slice(-3000),
    ].join("\n");
}

export interface PulumiCliOptions {
    /** Another CLI's backend: a second checkout of the same project sees the same stacks. */
    stateDir?: string;
    /** Extra environment (e.g. its own TMPDIR, as another machine would have). */
    env?: NodeJS.ProcessEnv;
}

/** Where setup installed the resource plugins (PULUMI_HOME, default ~/.pulumi). */
const INSTALLED_PLUGINS = path.join(process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi"), "plugins");

export interface RunOptions {
    input?: string;
    timeoutMs?: number;
    /** Left out of the transcript: a command whose output is a secret on purpose (`stack output --show-secrets`). */
    unrecorded?: boolean;
}

export class PulumiCli {
    readonly home = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-engine-"));
    readonly stateDir: string;
    /** Everything printed by every command, for secret searches. */
    readonly transcript: string[] = [];
    private readonly env: NodeJS.ProcessEnv;

    constructor(
        readonly binary: string,
        readonly projectDir: string,
        passphrase: string,
        options: PulumiCliOptions = {},
    ) {
        this.stateDir = options.stateDir ?? path.join(this.home, "state");
        fs.mkdirSync(this.stateDir, { recursive: true });
        const pulumiHome = path.join(this.home, "pulumi-home");
        fs.mkdirSync(pulumiHome);
        if (fs.existsSync(INSTALLED_PLUGINS)) fs.symlinkSync(INSTALLED_PLUGINS, path.join(pulumiHome, "plugins"));
        this.env = {
            ...process.env,
            ...options.env,
            PATH: `${path.dirname(binary)}:${process.env.PATH ?? ""}`,
            PULUMI_HOME: pulumiHome,
            PULUMI_BACKEND_URL: `file://${this.stateDir}`,
            PULUMI_CONFIG_PASSPHRASE: passphrase,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
            PULUMI_COLOR: "never",
            // Type-checking is `npm run lint`'s job; the program is loaded the same way without it.
            PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        };
    }

    /**
     * Runs one command to completion (bounded); `input` goes to stdin (how secrets are set).
     * Asynchronous on purpose: the fake servers of a test live in this process and must keep
     * answering while the CLI runs.
     */
    async run(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
        const started = Date.now();
        const { child, output } = this.start(args, false, options.unrecorded);
        child.stdin?.end(options.input ?? "");
        const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
        const status = await new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
        clearTimeout(timer);
        return { status, stdout: output.stdout(), stderr: output.stderr(), seconds: (Date.now() - started) / 1000 };
    }

    /** Like run, but fails the test with the command's output when it exits non-zero. */
    async ok(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
        const result = await this.run(args, options);
        if (result.status !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${result.status}:\n${failureSummary(result)}`);
        return result;
    }

    /** Starts a command in its own process group, so the whole tree can be killed at once. */
    start(
        args: readonly string[],
        background = true,
        unrecorded = false,
    ): { child: ChildProcess; output: { stdout(): string; stderr(): string } } {
        const child = spawn(this.binary, [...args, "--non-interactive"], { cwd: this.projectDir, env: this.env, detached: background });
        let stdout = "";
        let stderr = "";
        child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on(
            "close",
            () => unrecorded || this.transcript.push(`$ pulumi ${args.join(" ")}${background ? " (background)" : ""}\n${stdout}${stderr}`),
        );
        return { child, output: { stdout: () => stdout, stderr: () => stderr } };
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

    /**
     * Stops what a killed command left running: the engine starts its plugins (and the
     * dynamic-provider host) in process groups of their own, so a SIGKILL of the CLI's group
     * leaves them behind. They are recognised by this CLI's PULUMI_HOME in their environment.
     */
    killLeftovers(): number {
        const marker = `PULUMI_HOME=${this.env.PULUMI_HOME ?? ""}\0`;
        let killed = 0;
        for (const pid of fs.readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
            if (Number(pid) === process.pid) continue;
            try {
                if (!fs.readFileSync(`/proc/${pid}/environ`, "latin1").includes(marker)) continue;
                process.kill(Number(pid), "SIGKILL");
                killed++;
            } catch {
                // gone already, or not ours to read
            }
        }
        return killed;
    }

    remove(): void {
        this.killLeftovers();
        fs.rmSync(this.home, { recursive: true, force: true });
    }
}
