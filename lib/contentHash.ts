/**
 * Image tags derived from the content of the build inputs: unchanged code gives the same tag,
 * so a second `pulumi up` neither rebuilds nor updates the service.
 *
 * Files are excluded the way the Docker provider excludes them from the build context it hashes
 * and sends: with the patterns of `<dockerfile>.dockerignore` when that file exists, otherwise
 * those of `<context>/.dockerignore`. One list (docker/*.Dockerfile.dockerignore) thus decides
 * both the tag and what the provider sees as a change.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import dockerignore from "@balena/dockerignore";

export interface BuildInputs {
    /** The build context (the DropIt checkout's root). */
    context: string;
    /** The Dockerfile's path: its `<dockerfile>.dockerignore`, when present, is the ignore file. */
    dockerfile: string;
    /** Paths inside the context that the image is built from (files or directories). */
    paths: readonly string[];
    /** Everything else that shapes the image: the Dockerfile text, build args. */
    extras: readonly string[];
}

/** A 12-hex-digit tag: sha256 over sorted relative paths and file contents, plus the extras. */
export function contentTag(inputs: BuildInputs): string {
    const hash = createHash("sha256");
    const ignore = readIgnorePatterns(inputs.context, inputs.dockerfile);
    for (const file of listFiles(inputs.context, inputs.paths, ignore)) {
        hash.update(file)
            .update("\0")
            .update(fs.readFileSync(path.join(inputs.context, file)))
            .update("\0");
    }
    for (const extra of inputs.extras) hash.update("extra\0").update(extra).update("\0");
    return hash.digest("hex").slice(0, 12);
}

/** The ignore file the Docker provider uses: the Dockerfile's own first, then the context's. */
export function ignoreFileFor(context: string, dockerfile: string): string | undefined {
    return [`${dockerfile}.dockerignore`, path.join(context, ".dockerignore")].find((file) => fs.existsSync(file));
}

function readIgnorePatterns(context: string, dockerfile: string): (relative: string) => boolean {
    const file = ignoreFileFor(context, dockerfile);
    const patterns = file ? fs.readFileSync(file, "utf8").split(/\r?\n/) : [];
    const matcher = dockerignore({ ignorecase: false }).add(patterns);
    return (relative) => matcher.ignores(relative);
}

function listFiles(context: string, roots: readonly string[], ignored: (relative: string) => boolean): string[] {
    const files: string[] = [];
    const visit = (relative: string): void => {
        if (ignored(relative)) return;
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
