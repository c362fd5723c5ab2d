/**
 * Stand-ins for the public images the program runs (postgres:15-alpine, nginx:1.27-alpine,
 * node:20-alpine), which cannot be pulled here: built once by tests/engine/standins/build-images.sh
 * and tagged by the content of what builds them and this machine's node, so every suite of a run
 * (engine, nodes) shares one build.
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { docker } from "./dockerd";

const ROOT = path.resolve(__dirname, "..", "..");
const STANDINS = path.join(ROOT, "tests", "engine", "standins");

export type StandInName = "postgres" | "nginx" | "node";

export function ensureStandInImages(): { images: Record<StandInName, string>; builtMs: number } {
    const hash = createHash("sha256");
    for (const file of [
        path.join(STANDINS, "build-images.sh"),
        path.join(STANDINS, "nginx-entrypoint.sh"),
        path.join(ROOT, "tests/e2e/backup/postgres/entrypoint.sh"),
    ]) {
        hash.update(fs.readFileSync(file));
    }
    const tag = hash.update(process.version).digest("hex").slice(0, 16);
    const images = { postgres: `dropit-engine/postgres:${tag}`, nginx: `dropit-engine/nginx:${tag}`, node: `dropit-engine/node:${tag}` };
    if (Object.values(images).every((image) => docker(["image", "inspect", image]).status === 0)) return { images, builtMs: 0 };
    const started = Date.now();
    const build = spawnSync("bash", [path.join(STANDINS, "build-images.sh"), tag], { encoding: "utf8", timeout: 900_000 });
    if (build.status !== 0) throw new Error(`building the stand-in images failed: ${build.stderr.slice(-3000)}`);
    return { images, builtMs: Date.now() - started };
}
