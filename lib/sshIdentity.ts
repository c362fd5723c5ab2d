/**
 * The Docker provider reaches the VPS with the local `ssh` client, which needs the key as a
 * file. We write it (and the pinned host key) into a private directory and pass only paths.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface SshTarget {
    host: string;
    port: number;
    /** `algorithm base64`; when absent the first key seen is trusted and then enforced. */
    hostKey?: string;
}

/** Writes the identity files (mode 0600 in a 0700 directory) and returns the `ssh` options. */
export function writeSshIdentity(target: SshTarget, privateKey: string, baseDir: string = os.tmpdir()): string[] {
    const id = createHash("sha256").update(`${target.host}:${target.port}`).digest("hex").slice(0, 12);
    const dir = path.join(baseDir, `dropit-ssh-${id}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    const keyFile = path.join(dir, "id");
    const knownHosts = path.join(dir, "known_hosts");
    writePrivate(keyFile, privateKey.endsWith("\n") ? privateKey : `${privateKey}\n`);
    if (target.hostKey) writePrivate(knownHosts, `${knownHostsName(target)} ${target.hostKey}\n`);
    return [
        "-i",
        keyFile,
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        `UserKnownHostsFile=${knownHosts}`,
        "-o",
        `StrictHostKeyChecking=${target.hostKey ? "yes" : "accept-new"}`,
        "-o",
        "BatchMode=yes",
    ];
}

function writePrivate(file: string, content: string): void {
    fs.writeFileSync(file, content, { mode: 0o600 });
    fs.chmodSync(file, 0o600);
}

/** known_hosts names a non-standard port as `[host]:port`. */
export function knownHostsName(target: Pick<SshTarget, "host" | "port">): string {
    return target.port === 22 ? target.host : `[${target.host}]:${target.port}`;
}
