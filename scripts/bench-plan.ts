/**
 * `npm run bench:plan [-- --runs 5 --config Pulumi.prod.yaml]`: wall time of `npm run plan`'s
 * program (a fresh process each run, as a newcomer runs it), reported as the median.
 */
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const runs = Number(flag("--runs", "5"));
const config = flag("--config", "Pulumi.prod.yaml");

const timings: number[] = [];
let resources = 0;
for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsx"), ["scripts/plan.ts", "--config", config, "--json", "--diagram", "out/bench.mmd"], {
        cwd: ROOT, encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024,
    });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`plan failed: ${result.stderr}`);
    resources = (JSON.parse(result.stdout) as { resources: Array<{ type: string }> }).resources
        .filter((resource) => !resource.type.startsWith("dropit:index:") && resource.type !== "pulumi:pulumi:Stack").length;
    timings.push(elapsed);
}
const sorted = [...timings].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];
console.log(`plan of ${config}: ${resources} resources; ${runs} runs (ms): ${timings.map((t) => t.toFixed(0)).join(", ")}`);
console.log(`median ${median.toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms`);
