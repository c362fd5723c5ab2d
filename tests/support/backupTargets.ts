/**
 * The real servers of the offsite backup drill (tests/e2e/backup/), in containers on a Docker
 * network of their own that the simulated VPSes join:
 * - an SFTP server: OpenSSH's sshd and sftp-server of the VPS image (Debian bookworm), a
 *   `backup` user with its own key, the repository on a size-limited tmpfs (a full target is
 *   a filler file away);
 * - a restic REST server in append-only mode: Debian's rclone (`rclone serve restic
 *   --append-only`, basic auth), restic's REST protocol;
 * - an S3-compatible server: gofakes3 (Go module, tests/e2e/backup/s3/, built by scripts/setup.sh
 *   into .tmp/bin), S3's HTTP API with an in-memory backend; it does not check signatures, so
 *   wrong S3 credentials cannot be tested against it;
 * - a ping recorder: busybox httpd with a CGI that logs each request's method, path and body
 *   (the healthchecks.io convention is plain HTTP).
 * This machine's static busybox, rclone and restic binaries are mounted read-only (the image has
 * no registry to pull from); nothing is published, only the test network reaches them.
 * And the PostgreSQL stand-in image (tests/e2e/backup/postgres/), built once per content.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { docker, dockerOk, waitFor } from "./dockerd";
import { ensureGoBinary } from "./goBinaries";

const POSTGRES_BUILD_DIR = path.resolve(__dirname, "..", "e2e", "backup", "postgres");

/** The PostgreSQL stand-in image, built by postgres/build-image.sh unless one with the same content tag exists. */
export function ensurePostgresImage(): { image: string; builtMs: number } {
    const hash = createHash("sha256");
    for (const file of fs.readdirSync(POSTGRES_BUILD_DIR).sort())
        hash.update(file).update(fs.readFileSync(path.join(POSTGRES_BUILD_DIR, file)));
    const image = `dropit-bk-e2e/postgres:${hash.digest("hex").slice(0, 16)}`;
    if (docker(["image", "inspect", image]).status === 0) return { image, builtMs: 0 };
    const started = Date.now();
    const build = spawnSync("bash", [path.join(POSTGRES_BUILD_DIR, "build-image.sh"), image], { encoding: "utf8", timeout: 600_000 });
    if (build.status !== 0) throw new Error(`building ${image} failed: ${build.stderr.slice(-3000)}`);
    return { image, builtMs: Date.now() - started };
}

export const SFTP_USER = "offsite";
export const SFTP_REPOSITORY_DIR = "/srv/offsite/sftp/dropit";
export const REST_DIR = "/srv/rest";
export const REST_PORT = 8000;
export const PING_PORT = 8080;
export const S3_PORT = 9000;
export const S3_BUCKET = "dropit-backups";
const GOFAKES3_BUILD = path.resolve(__dirname, "..", "e2e", "backup", "s3", "build.sh");

/** The S3 server's binary (about a minute to build without setup's copy). */
export const ensureGofakes3 = () => ensureGoBinary("gofakes3", GOFAKES3_BUILD, 300_000);
export const PING_LOG = "/srv/ping/log";

export interface BackupTargets {
    container: string;
    network: string;
    /** Host name of the targets on the network. */
    host: string;
    /** `ssh-ed25519 <base64>` of the SFTP server. */
    sftpHostKey: string;
    /** The key the VPS logs in to the SFTP server with (OpenSSH private key). */
    sftpPrivateKey: string;
    rest: { user: string; password: string };
    exec(script: string, input?: string): { status: number | null; stdout: string; stderr: string };
    execOk(script: string, input?: string): string;
    /** Lines the ping recorder logged: `METHOD PATH BODY` (body newlines as `|`). */
    pings(): string[];
    remove(): void;
}

const PING_CGI = `#!/bin/sh
body=$(head -c "\${CONTENT_LENGTH:-0}")
printf '%s %s %s\\n' "$REQUEST_METHOD" "$REQUEST_URI" "$(printf '%s' "$body" | tr '\\n' '|')" >> ${PING_LOG}
printf 'Status: 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nOK\\n'
`;

/** Starts the targets container on `network` (created here), from the VPS image. */
export async function startBackupTargets(image: string, name: string, network: string): Promise<BackupTargets> {
    docker(["rm", "-f", "-v", name]);
    if (docker(["network", "inspect", network]).status !== 0) dockerOk(["network", "create", network]);
    const restPassword = createHash("sha256").update(`${Date.now()}-${Math.random()}`).digest("hex").slice(0, 24);
    dockerOk([
        "run",
        "-d",
        "--name",
        name,
        "--hostname",
        name,
        "--network",
        network,
        // The SFTP repository's disk: small and in memory, so that "full" is a filler file away.
        "--tmpfs",
        "/srv/offsite:size=160m,mode=0755",
        "-v",
        "/bin/busybox:/usr/local/bin/busybox:ro",
        "-v",
        "/usr/bin/rclone:/usr/local/bin/rclone:ro",
        "-v",
        "/usr/bin/restic:/usr/local/bin/restic:ro",
        "-v",
        `${ensureGofakes3()}:/usr/local/bin/gofakes3:ro`,
        "--entrypoint",
        "/bin/bash",
        image,
        "-c",
        "ssh-keygen -A >/dev/null && mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e",
    ]);
    const exec = (script: string, input?: string) => {
        const result = docker(["exec", "-i", name, "bash", "-c", script], { input, timeoutMs: 120_000 });
        return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    };
    const execOk = (script: string, input?: string) => {
        const result = exec(script, input);
        if (result.status !== 0)
            throw new Error(`on the targets: ${script.slice(0, 200)}\n→ ${result.status}: ${result.stderr}${result.stdout}`);
        return result.stdout.trim();
    };
    const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-bk-key-"));
    const targets: BackupTargets = {
        container: name,
        network,
        host: name,
        sftpHostKey: "",
        sftpPrivateKey: "",
        rest: { user: "dropit-vps", password: restPassword },
        exec,
        execOk,
        pings: () =>
            exec(`cat ${PING_LOG} 2>/dev/null || true`)
                .stdout.split("\n")
                .filter((line) => line.length > 0),
        remove: () => {
            docker(["rm", "-f", "-v", name], { timeoutMs: 60_000 });
            docker(["network", "rm", network]);
            fs.rmSync(keyDir, { recursive: true, force: true });
        },
    };
    try {
        await waitFor(
            "the targets' sshd",
            30_000,
            () => exec("test -s /etc/ssh/ssh_host_ed25519_key.pub && pgrep -x sshd >/dev/null").status === 0,
            250,
        );
        const keyFile = path.join(keyDir, "offsite");
        const keygen = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "dropit-offsite", "-f", keyFile], {
            encoding: "utf8",
        });
        if (keygen.status !== 0) throw new Error(`ssh-keygen failed: ${keygen.stderr}`);
        targets.sftpPrivateKey = fs.readFileSync(keyFile, "utf8");
        execOk(
            `useradd --create-home --shell /bin/bash ${SFTP_USER} && install -d -m 0700 -o ${SFTP_USER} -g ${SFTP_USER} /home/${SFTP_USER}/.ssh \\
  && install -m 0600 -o ${SFTP_USER} -g ${SFTP_USER} /dev/stdin /home/${SFTP_USER}/.ssh/authorized_keys \\
  && install -d -o ${SFTP_USER} -g ${SFTP_USER} /srv/offsite/sftp ${REST_DIR} /srv/ping/cgi-bin`,
            fs.readFileSync(`${keyFile}.pub`, "utf8"),
        );
        targets.sftpHostKey = execOk("cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub");
        execOk(`install -m 0755 /dev/stdin /srv/ping/cgi-bin/hc && touch ${PING_LOG} && chmod 666 ${PING_LOG}`, PING_CGI);
        // Detached daemons of the container: the recorder, and the REST server (append-only, basic auth).
        execOk(
            `setsid busybox httpd -p ${PING_PORT} -h /srv/ping </dev/null >/dev/null 2>&1 &
setsid rclone serve restic --append-only --addr :${REST_PORT} --user ${targets.rest.user} --pass "$(cat)" ${REST_DIR} </dev/null >/var/log/rclone.log 2>&1 &
setsid gofakes3 -backend memory -host :${S3_PORT} -initialbucket ${S3_BUCKET} </dev/null >/var/log/gofakes3.log 2>&1 &`,
            restPassword,
        );
        await waitFor(
            "the REST server, the S3 server and the ping recorder",
            30_000,
            () =>
                exec(
                    `(exec 3<>/dev/tcp/127.0.0.1/${PING_PORT}) && (exec 3<>/dev/tcp/127.0.0.1/${REST_PORT}) && (exec 3<>/dev/tcp/127.0.0.1/${S3_PORT})`,
                ).status === 0,
            250,
        );
    } catch (error) {
        targets.remove();
        throw error;
    }
    return targets;
}
