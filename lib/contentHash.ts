/**
 * Image tags derived from the content of the build inputs: unchanged code gives the same tag,
 * so a second `pulumi up` neither rebuilds nor updates the service.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import dockerignore from "@balena/dockerignore";

/** Never build inputs, whatever .dockerignore says. */
const ALWAYS_SKIPPED = new Set([".git", "node_modules", "dist", ".turbo", ".pnpm-store"]);

export interface BuildInputs {
    /** The build context (the DropIt checkout's root). */
    context: string;
    /** Paths inside the context that the image is built from (files or directories). */
    paths: readonly string[];
    /** Everything else that shapes the image: the Dockerfile text, build args. */
    extras: readonly string[];
}

/** A 12-hex-digit tag: sha256 over sorted relative paths and file contents, plus the extras. */
export function contentTag(inputs: BuildInputs): string {
    const hash = createHash("sha256");
    const ignore = readDockerignore(inputs.context);
    for (const file of listFiles(inputs.context, inputs.paths, ignore)) {
        hash.update(file).update("\0").update(fs.readFileSync(path.join(inputs.context, file))).update("\0");
    }
    for (const extra of inputs.extras) hash.update("extra\0").update(extra).update("\0");
    return hash.digest("hex").slice(0, 12);
}

function readDockerignore(context: string): (relative: string) => boolean {
    const file = path.join(context, ".dockerignore");
    const patterns = fs.existsSync(file) ? fs.readFileSync(file, "utf8").split(/\r?\n/) : [];
    const matcher = dockerignore({ ignorecase: false }).add(patterns);
    return (relative) => matcher.ignores(relative);
}

function listFiles(context: string, roots: readonly string[], ignored: (relative: string) => boolean): string[] {
    const files: string[] = [];
    const visit = (relative: string): void => {
        const base = path.basename(relative);
        if (ALWAYS_SKIPPED.has(base) || ignored(relative)) return;
        const absolute = path.join(context, relative);
        const stat = fs.lstatSync(absolute, { throwIfNoEntry: false });
        if (!stat) return;
        if (stat.isDirectory()) {
            for (const entry of fs.readdirSync(absolute).sort()) visit(path.posix.join(relative, entry));
        } else if (stat.isFile()) {
            files.push(relative);
        }
    };
    for (const root of [...roots].sort()) visit(root);
    return files;
}
