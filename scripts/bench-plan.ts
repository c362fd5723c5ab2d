/**
 * `npm run bench:plan [-- --runs 5 --config Pulumi.prod.yaml]`: wall time of `npm run plan`'s
 * program (a fresh process each run, as a newcomer runs it), reported as the median.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { exitWhenDrained, wantsHelp } from "./cli";

const ROOT = path.resolve(__dirname, "..");

const USAGE = `usage: npm run bench:plan -- [--runs <n>] [--config <stack file>]

Times \`npm run plan\`'s program, a fresh process per run, and prints the median.
  --runs <n>         number of runs (default 5)
  --config <file>    stack file to plan (default Pulumi.prod.yaml)
  -h, --help         print this help and exit`;

class UsageError extends Error {}

function parseArguments(argv: readonly string[]): { runs: number; config: string } {
    const options = { runs: 5, config: "Pulumi.prod.yaml" };
    for (let index = 0; index < argv.length; index++) {
        const flag = argv[index];
        const value = argv[++index];
        if (value === undefined) throw new UsageError(`${flag} needs a value`);
        if (flag === "--runs") {
            options.runs = Number(value);
            if (!Number.isInteger(options.runs) || options.runs <= 0) throw new UsageError("--runs needs a positive whole number");
        } else if (flag === "--config") options.config = value;
        else throw new UsageError(`unknown argument ${flag}`);
    }
    return options;
}

function main(argv: readonly string[]): number {
    if (wantsHelp(argv)) {
        console.log(USAGE);
        return 0;
    }
    let options: { runs: number; config: string };
    try {
        options = parseArguments(argv);
    } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        console.error(`bench:plan: ${error.message}\n${USAGE.split("\n")[0]}`);
        return 2;
    }
    const { runs, config } = options;
    const timings: number[] = [];
    let resources = 0;
    for (let run = 0; run < runs; run++) {
        const started = process.hrtime.bigint();
        const result = spawnSync(
            path.join(ROOT, "node_modules", ".bin", "tsx"),
            ["scripts/plan.ts", "--config", config, "--json", "--diagram", "out/bench.mmd"],
            {
                cwd: ROOT,
                encoding: "utf8",
                timeout: 120_000,
                maxBuffer: 64 * 1024 * 1024,
            },
        );
        const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
        if (result.status !== 0) throw new Error(`plan failed: ${result.stderr}`);
        resources = (JSON.parse(result.stdout) as { resources: Array<{ type: string }> }).resources.filter(
            (resource) => !resource.type.startsWith("dropit:index:") && resource.type !== "pulumi:pulumi:Stack",
        ).length;
        timings.push(elapsed);
    }
    const sorted = [...timings].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(`plan of ${config}: ${resources} resources; ${runs} runs (ms): ${timings.map((t) => t.toFixed(0)).join(", ")}`);
    console.log(`median ${median.toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms`);
    return 0;
}

let code: number;
try {
    code = main(process.argv.slice(2));
} catch (error) {
    console.error(`bench:plan: ${error instanceof Error ? error.message : String(error)}`);
    code = 1;
}
void exitWhenDrained(code);
