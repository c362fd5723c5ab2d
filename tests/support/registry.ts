/**
 * A real Docker registry for the e2e suites: Debian's `docker-registry` (distribution 2.8) in an
 * image built from the VPS image (no image can be pulled here), on a Docker network of the
 * suite's own, with TLS from a CA made for the run and htpasswd (bcrypt) authentication, so that
 * `docker login`, push and pull by digest go through the same code paths as with any registry.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { docker, dockerOk, waitFor } from "./dockerd";
import type { TestVps } from "./testHost";

export interface TestRegistry {
    /** `host:port` as clients name it. */
    server: string;
    /** The registry container's address on the network. */
    address: string;
    /** PEM of the CA its certificate chains to. */
    caCertificate: string;
    /** Makes `vps` resolve and trust the registry (hosts entry, Docker's certs.d). */
    trustFrom(vps: TestVps): void;
    remove(): void;
}

const PORT = 5000;

function openssl(args: string[], cwd: string): void {
    const result = spawnSync("openssl", args, { cwd, encoding: "utf8", timeout: 60_000 });
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
}

/** An image from a Dockerfile alone, tagged by its text's hash: built once, reused while the text is the same. */
function imageFrom(name: string, dockerfile: string): string {
    const tag = `dropit-e2e/${name}:${createHash("sha256").update(dockerfile).digest("hex").slice(0, 16)}`;
    if (docker(["image", "inspect", tag]).status === 0) return tag;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dropit-${name}-build-`));
    try {
        fs.writeFileSync(path.join(dir, "Dockerfile"), dockerfile);
        dockerOk(["build", "-q", "-t", tag, dir], { timeoutMs: 300_000 });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return tag;
}

/** The registry image, built once per VPS image. */
function registryImage(vpsImage: string): string {
    return imageFrom(
        "registry",
        `FROM ${vpsImage}
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-registry apache2-utils && rm -rf /var/lib/apt/lists/*
`,
    );
}

/**
 * The registry builder/send-image.sh starts on the building machine, as a stand-in tagged
 * under the name the program runs (`as`, e.g. registry:2.8.3): the same distribution registry,
 * plain HTTP on port 5000, its access log on (every response's size: what the VPS pulled).
 */
export function tagLocalRegistryStandIn(vpsImage: string, as: string): void {
    const config = [
        "version: 0.1",
        "log:",
        "  level: info",
        "storage:",
        "  filesystem:",
        "    rootdirectory: /var/lib/registry",
        "http:",
        "  addr: :5000",
    ];
    const standIn = imageFrom(
        "local-registry",
        `FROM ${registryImage(vpsImage)}
RUN mkdir -p /var/lib/registry && printf '%s\\n' ${config.map((line) => `'${line}'`).join(" ")} > /etc/dropit-local-registry.yml
ENTRYPOINT ["/usr/bin/docker-registry", "serve", "/etc/dropit-local-registry.yml"]
`,
    );
    dockerOk(["tag", standIn, as]);
}

/**
 * Bytes of the bodies the registry answered GET requests with, by repository (blobs and
 * manifests: what its clients pulled), from its access log; a registry not started yet served 0.
 */
export function registryBytesServed(container: string): Record<string, number> {
    const logs = docker(["logs", container], { timeoutMs: 30_000 });
    const bytes: Record<string, number> = {};
    for (const line of `${logs.stdout}\n${logs.stderr}`.split("\n")) {
        if (!/http\.request\.method=GET/.test(line)) continue;
        const written = /http\.response\.written=(\d+)/.exec(line);
        const repository = /http\.request\.uri="\/v2\/(.+?)\/(blobs|manifests)\//.exec(line);
        if (written && repository) bytes[repository[1]] = (bytes[repository[1]] ?? 0) + Number(written[1]);
    }
    return bytes;
}

export async function startRegistry(options: {
    vpsImage: string;
    network: string;
    container: string;
    hostname: string;
    username: string;
    password: string;
}): Promise<TestRegistry> {
    const image = registryImage(options.vpsImage);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-registry-"));
    openssl(
        [
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=dropit e2e registry CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
        dir,
    );
    openssl(
        [
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            `/CN=${options.hostname}`,
            "-keyout",
            "key.pem",
            "-out",
            "req.csr",
        ],
        dir,
    );
    fs.writeFileSync(path.join(dir, "san.ext"), `subjectAltName=DNS:${options.hostname}\n`);
    openssl(
        [
            "x509",
            "-req",
            "-in",
            "req.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "cert.pem",
        ],
        dir,
    );
    fs.rmSync(path.join(dir, "ca.key"));
    fs.writeFileSync(
        path.join(dir, "config.yml"),
        `version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/docker-registry
http:
  addr: :${PORT}
  tls:
    certificate: /certs/cert.pem
    key: /certs/key.pem
auth:
  htpasswd:
    realm: dropit-e2e
    path: /certs/htpasswd
`,
    );
    // bcrypt, the only scheme the registry accepts; the password on stdin, not in argv.
    const htpasswd = spawnSync("docker", ["run", "--rm", "-i", "--entrypoint", "htpasswd", image, "-iBn", options.username], {
        input: options.password,
        encoding: "utf8",
        timeout: 60_000,
    });
    if (htpasswd.status !== 0) throw new Error(`htpasswd failed: ${htpasswd.stderr}`);
    fs.writeFileSync(path.join(dir, "htpasswd"), htpasswd.stdout);
    fs.chmodSync(dir, 0o755);
    for (const file of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, file), 0o644);

    docker(["rm", "-f", "-v", options.container]);
    dockerOk([
        "run",
        "-d",
        "--name",
        options.container,
        "--network",
        options.network,
        "--network-alias",
        options.hostname,
        "-v",
        `${dir}:/certs:ro`,
        "--entrypoint",
        "/usr/bin/docker-registry",
        image,
        "serve",
        "/certs/config.yml",
    ]);
    const address = dockerOk(["inspect", "-f", `{{(index .NetworkSettings.Networks "${options.network}").IPAddress}}`, options.container]);
    const server = `${options.hostname}:${PORT}`;
    const caCertificate = fs.readFileSync(path.join(dir, "ca.pem"), "utf8");
    const remove = () => {
        docker(["rm", "-f", "-v", options.container], { timeoutMs: 60_000 });
        fs.rmSync(dir, { recursive: true, force: true });
    };
    try {
        await waitFor(
            "the registry",
            30_000,
            () => {
                const logs = docker(["logs", options.container]);
                return `${logs.stdout}${logs.stderr}`.includes("listening on");
            },
            250,
        );
    } catch (error) {
        remove();
        throw error;
    }
    return {
        server,
        address,
        caCertificate,
        trustFrom: (vps) => {
            vps.execOk(
                `echo '${address} ${options.hostname}' >> /etc/hosts && install -D -m 0644 /dev/stdin /etc/docker/certs.d/${server}/ca.crt`,
                {
                    input: caCertificate,
                },
            );
        },
        remove,
    };
}
