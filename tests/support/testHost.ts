/**
 * A simulated VPS for the host e2e suite: a Debian bookworm container (debootstrap minbase from
 * this machine's Debian mirror) with sshd published on 127.0.0.1 only, a `deploy` user with
 * passwordless sudo and its own Docker engine (Debian's docker.io). The inner engine needs
 * SYS_ADMIN (mounts, cgroups), NET_ADMIN (iptables: Docker's and the firewall step's), SYS_PTRACE
 * (`docker exec` into a task running as a non-root user) and
 * unconfined seccomp/AppArmor; --privileged would add every device and capability of this
 * machine, which nothing here needs.
 * The image is tagged by the content of its build scripts, so only the first run builds it.
 */
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { docker, dockerOk, waitFor, type DockerRunOptions as RunOptions } from "./dockerd";
import { freePort } from "./loopback";

const VPS_BUILD_DIR = path.resolve(__dirname, "..", "e2e", "host", "vps");
const VPS_IMAGE_REPOSITORY = "dropit-e2e/vps";
export const VPS_USER = "deploy";

/** The VPS image, built by vps/build-image.sh unless an image with the same content tag exists. */
export function ensureVpsImage(): { image: string; builtMs: number } {
    const hash = createHash("sha256");
    for (const file of fs.readdirSync(VPS_BUILD_DIR).sort()) hash.update(file).update(fs.readFileSync(path.join(VPS_BUILD_DIR, file)));
    const image = `${VPS_IMAGE_REPOSITORY}:${hash.digest("hex").slice(0, 16)}`;
    if (docker(["image", "inspect", image]).status === 0) return { image, builtMs: 0 };
    const started = Date.now();
    const build = spawnSync("bash", [path.join(VPS_BUILD_DIR, "build-image.sh"), image], { encoding: "utf8", timeout: 600_000 });
    if (build.status !== 0) throw new Error(`building ${image} failed: ${build.stderr.slice(-3000)}`);
    return { image, builtMs: Date.now() - started };
}

export interface TestVps {
    container: string;
    sshPort: number;
    /** `ssh-ed25519 <base64>` of this VPS (what `server.hostKey` pins). */
    hostKey: string;
    /** The deploy user's private key (OpenSSH format) and where it is on disk. */
    privateKey: string;
    privateKeyFile: string;
    /** `tcp://127.0.0.1:<port>`: its Docker engine from this machine, when started with `dockerApi`. */
    dockerHost?: string;
    /** Runs a shell script as root inside the VPS (test set-up and inspection, not the program). */
    exec(script: string, options?: RunOptions): SpawnSyncReturns<string>;
    execOk(script: string, options?: RunOptions): string;
    remove(): void;
}

export interface VpsOptions {
    /** A Docker network of the suite's own, so that several VPS reach one another. */
    network?: string;
    /** Its host name (a Swarm shows nodes by host name); default `vps`. */
    hostname?: string;
    /**
     * RAM of the VPS in MiB (no swap), covering its Docker engine's containers too (they are
     * created under the VPS's own cgroup): the production size is 2048.
     */
    memoryMb?: number;
    /** Its Docker engine also answers on a port of this machine's 127.0.0.1 (`dockerHost`). */
    dockerApi?: boolean;
}

/** Starts a VPS container and waits until its sshd and Docker engine answer (bounded). */
export async function startVps(image: string, name: string, options: VpsOptions = {}): Promise<TestVps> {
    const sshPort = await freePort();
    const dockerApiPort = options.dockerApi ? await freePort() : undefined;
    docker(["rm", "-f", "-v", name]);
    dockerOk([
        "run",
        "-d",
        "--name",
        name,
        "--hostname",
        options.hostname ?? "vps",
        ...(options.network ? ["--network", options.network] : []),
        ...(options.memoryMb
            ? ["--memory", `${options.memoryMb}m`, "--memory-swap", `${options.memoryMb}m`, "-e", "DROPIT_VPS_NEST_CGROUPS=1"]
            : []),
        "--cap-add",
        "SYS_ADMIN",
        "--cap-add",
        "NET_ADMIN",
        // `docker exec` (healthchecks among them) into a task whose process runs as a non-root
        // user joins its namespaces, which the kernel allows root only with CAP_SYS_PTRACE.
        "--cap-add",
        "SYS_PTRACE",
        "--security-opt",
        "seccomp=unconfined",
        "--security-opt",
        "apparmor=unconfined",
        "-v",
        "/sys/fs/cgroup:/sys/fs/cgroup:rw",
        // The inner engine's storage on the host's filesystem (overlay2 cannot nest in overlay).
        "-v",
        "/var/lib/docker",
        "-p",
        `127.0.0.1:${sshPort}:22`,
        ...(dockerApiPort ? ["-p", `127.0.0.1:${dockerApiPort}:2375`, "-e", "DROPIT_VPS_DOCKER_API=1"] : []),
        image,
    ]);
    const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-e2e-key-"));
    const vps: TestVps = {
        container: name,
        sshPort,
        hostKey: "",
        privateKey: "",
        privateKeyFile: path.join(keyDir, "id_ed25519"),
        ...(dockerApiPort ? { dockerHost: `tcp://127.0.0.1:${dockerApiPort}` } : {}),
        exec: (script, options = {}) => docker(["exec", "-i", name, "bash", "-c", script], options),
        execOk: (script, options = {}) => {
            const result = vps.exec(script, options);
            if (result.status !== 0)
                throw new Error(
                    `on the VPS: ${script.slice(0, 200)}\n→ ${result.status ?? result.signal}: ${result.stderr}${result.stdout}`,
                );
            return result.stdout.trim();
        },
        remove: () => {
            docker(["rm", "-f", "-v", name], { timeoutMs: 60_000 });
            fs.rmSync(keyDir, { recursive: true, force: true });
        },
    };
    try {
        await waitFor(
            "the VPS's sshd and Docker engine",
            60_000,
            () => vps.exec("test -s /etc/ssh/ssh_host_ed25519_key.pub && docker info >/dev/null 2>&1").status === 0,
            500,
        );
        const keygen = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "dropit-e2e", "-f", vps.privateKeyFile], {
            encoding: "utf8",
        });
        if (keygen.status !== 0) throw new Error(`ssh-keygen failed: ${keygen.stderr}`);
        vps.privateKey = fs.readFileSync(vps.privateKeyFile, "utf8");
        vps.execOk(`install -m 0600 -o ${VPS_USER} -g ${VPS_USER} /dev/stdin /home/${VPS_USER}/.ssh/authorized_keys`, {
            input: fs.readFileSync(`${vps.privateKeyFile}.pub`),
        });
        vps.hostKey = vps.execOk("cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub");
    } catch (error) {
        vps.remove();
        throw error;
    }
    return vps;
}

/** `docker save | docker exec -i VPS docker load`: images the VPS's engine cannot pull. */
export function loadImagesIntoVps(vps: TestVps, references: readonly string[]): void {
    const save = spawnSync("docker", ["save", ...references], { timeout: 120_000, maxBuffer: 512 * 1024 * 1024 });
    if (save.status !== 0) throw new Error(`docker save failed: ${save.stderr.toString()}`);
    vps.execOk("docker load -q >/dev/null", { input: save.stdout, timeoutMs: 120_000 });
}
