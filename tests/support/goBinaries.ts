/**
 * Servers the suites run that scripts/setup.sh builds from their Go modules into .tmp/bin; a
 * suite started without setup builds the one it needs (Go required).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const BIN_DIR = path.resolve(__dirname, "..", "..", ".tmp", "bin");

/** `.tmp/bin/<name>`, built by `buildScript <output file>` when missing. */
export function ensureGoBinary(name: string, buildScript: string, timeoutMs: number): string {
    const binary = path.join(BIN_DIR, name);
    if (fs.existsSync(binary)) return binary;
    const build = spawnSync("bash", [buildScript, binary], { encoding: "utf8", timeout: timeoutMs });
    if (build.status !== 0)
        throw new Error(`building ${name} failed (scripts/setup.sh builds it; it needs Go): ${(build.stderr ?? "").slice(-2000)}`);
    return binary;
}
