/**
 * The stand-in installer's images, built FROM scratch on this machine's Docker engine (no
 * registry): `dropit-standin/dokploy:<version>` (busybox nc + dokploy/api.sh on :3000) and
 * `dropit-standin/traefik:latest` (busybox + Debian's openssl binary, traefik/*.sh, a server
 * certificate from a test CA that stands in for Let's Encrypt). Tagged by content so a second
 * run reuses them.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { docker, dockerOk } from "../dockerd";
import { ensureGoBinary } from "../goBinaries";
import { loadImagesIntoVps, type TestVps } from "../testHost";

export const STAND_IN_DIR = __dirname;
/** The traefik image the stand-in installer runs on the VPS. */
const STAND_IN_TRAEFIK = "dropit-standin/traefik:latest";
export const INSTALLER_SCRIPT = path.join(STAND_IN_DIR, "install.sh");

export interface StandInImages {
    /** Every image to load into the VPS's engine. */
    references: string[];
    /** The traefik image's tag among `references`. */
    traefik: string;
    /** PEM of the CA the traefik stand-in's certificate chains to (the VPS must trust it). */
    caCertificate: string;
    /** The real Traefik: its default certificate (the test CA's, standing in for Let's Encrypt) as a dynamic file. */
    defaultCertificateConfig?: string;
}

export interface StandInOptions {
    /**
     * Where the traefik image is tagged on this machine (a suite with other hosts uses its own
     * tag, so suites running side by side do not retag each other's image; the stand-in
     * installer runs dropit-standin/traefik:latest, see prepareStandIn).
     */
    traefikTag?: string;
    /**
     * `traefik`: the real Traefik built from its Go module (tests/support/traefik/build.sh),
     * which reads Dokploy's static config, the dynamic files and the services' labels itself.
     * `stand-in` (default): traefik/route.sh, a shell router that understands a few file routes.
     */
    router?: "stand-in" | "traefik";
}

/** The real Traefik binary (about 9 min to build without setup's copy). */
const ensureTraefikBinary = () => ensureGoBinary("traefik", path.join(__dirname, "..", "traefik", "build.sh"), 1_800_000);
/** Inside the real Traefik image: the test CA's server certificate. */
const REAL_TRAEFIK_TLS_DIR = "/standin/tls";

/** Builds (or reuses) the images for the given Dokploy versions and the test domain's hosts. */
export function buildStandInImages(versions: readonly string[], tlsHosts: readonly string[], options: StandInOptions = {}): StandInImages {
    const traefikTag = options.traefikTag ?? STAND_IN_TRAEFIK;
    const real = options.router === "traefik";
    const dokploy = buildOnce("dokploy", [path.join(STAND_IN_DIR, "dokploy")], () => dokployContext());
    const traefik = real
        ? buildOnce("traefik-real", [ensureTraefikBinary(), tlsHosts.join(",")], () => realTraefikContext(tlsHosts))
        : buildOnce("traefik", [path.join(STAND_IN_DIR, "traefik"), tlsHosts.join(",")], () => traefikContext(tlsHosts));
    const references = [traefikTag];
    dockerOk(["tag", traefik, traefikTag]);
    for (const version of versions) {
        dockerOk(["tag", dokploy, `dropit-standin/dokploy:${version}`]);
        references.push(`dropit-standin/dokploy:${version}`);
    }
    const caCertificate = dockerOk(["run", "--rm", "--entrypoint", "/bin/cat", traefik, "/standin/tls/ca.pem"]);
    return {
        references,
        traefik: traefikTag,
        caCertificate: `${caCertificate}\n`,
        ...(real ? { defaultCertificateConfig: realTraefikDefaultCertificate() } : {}),
    };
}

/**
 * The real Traefik FROM scratch (a static binary), its entry point reading the static config
 * the installer mounts at /etc/traefik/traefik.yml. busybox stays in for `docker exec` checks.
 */
function realTraefikContext(tlsHosts: readonly string[]): string {
    const dir = newContext();
    fs.copyFileSync(ensureTraefikBinary(), path.join(dir, "traefik"));
    fs.mkdirSync(path.join(dir, "tls"));
    writeTestCertificates(path.join(dir, "tls"), tlsHosts);
    fs.writeFileSync(
        path.join(dir, "Dockerfile"),
        `${BUSYBOX_BASE}COPY traefik /usr/local/bin/traefik
COPY tls/ ${REAL_TRAEFIK_TLS_DIR}/
EXPOSE 80 443
ENTRYPOINT ["/usr/local/bin/traefik"]
`,
    );
    return dir;
}

/**
 * Traefik serves its default certificate while Let's Encrypt cannot be reached (no internet
 * here): the test CA's, which the VPS trusts, stands in for the certificate ACME would get.
 */
function realTraefikDefaultCertificate(): string {
    return `# e2e only: the test CA's certificate stands in for Let's Encrypt's.
tls:
  stores:
    default:
      defaultCertificate:
        certFile: ${REAL_TRAEFIK_TLS_DIR}/cert.pem
        keyFile: ${REAL_TRAEFIK_TLS_DIR}/key.pem
`;
}

function buildOnce(name: string, inputs: string[], context: () => string): string {
    const hash = createHash("sha256");
    for (const input of inputs) {
        if (fs.existsSync(input) && fs.statSync(input).isDirectory()) {
            for (const file of fs.readdirSync(input).sort()) hash.update(file).update(fs.readFileSync(path.join(input, file)));
        } else if (fs.existsSync(input)) hash.update(fs.readFileSync(input));
        else hash.update(input);
    }
    hash.update(fs.readFileSync("/bin/busybox"));
    const tag = `dropit-standin-build/${name}:${hash.digest("hex").slice(0, 16)}`;
    if (docker(["image", "inspect", tag]).status === 0) return tag;
    const dir = context();
    try {
        dockerOk(["build", "-q", "-t", tag, dir], { timeoutMs: 120_000 });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return tag;
}

function newContext(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-standin-"));
    fs.copyFileSync("/bin/busybox", path.join(dir, "busybox"));
    return dir;
}

const BUSYBOX_BASE = `FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
`;

function dokployContext(): string {
    const dir = newContext();
    fs.copyFileSync(path.join(STAND_IN_DIR, "dokploy", "api.sh"), path.join(dir, "api.sh"));
    fs.writeFileSync(
        path.join(dir, "Dockerfile"),
        `${BUSYBOX_BASE}COPY api.sh /standin/api.sh
EXPOSE 3000
CMD ["/bin/nc", "-ll", "-p", "3000", "-e", "/standin/api.sh"]
`,
    );
    return dir;
}

/** Debian's openssl with the shared libraries ldd lists, copied at their own paths. */
function traefikContext(tlsHosts: readonly string[]): string {
    const dir = newContext();
    const root = path.join(dir, "rootfs");
    const openssl = "/usr/bin/openssl";
    const libraries = execFileSync("ldd", [openssl], { encoding: "utf8" })
        .split("\n")
        .map((line) => /(\/\S+) \(0x/.exec(line)?.[1])
        .filter((file): file is string => Boolean(file));
    for (const file of [openssl, ...libraries]) {
        fs.mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
        fs.copyFileSync(fs.realpathSync(file), path.join(root, file));
    }
    fs.chmodSync(path.join(root, openssl), 0o755);
    fs.mkdirSync(path.join(root, "standin", "tls"), { recursive: true });
    writeTestCertificates(path.join(root, "standin", "tls"), tlsHosts);
    for (const script of ["entrypoint.sh", "route.sh", "route-web.sh"]) {
        fs.copyFileSync(path.join(STAND_IN_DIR, "traefik", script), path.join(root, "standin", script));
        fs.chmodSync(path.join(root, "standin", script), 0o755);
    }
    fs.writeFileSync(
        path.join(dir, "Dockerfile"),
        `${BUSYBOX_BASE}COPY rootfs/ /
EXPOSE 80 443
CMD ["/standin/entrypoint.sh"]
`,
    );
    return dir;
}

/** A throwaway CA and a server certificate for the hosts (the stand-in for Let's Encrypt). */
function writeTestCertificates(dir: string, hosts: readonly string[]): void {
    const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    run([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "30",
        "-subj",
        "/CN=dropit e2e test CA",
    ]);
    run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "server.csr", "-subj", `/CN=${hosts[0]}`]);
    fs.writeFileSync(path.join(dir, "san.ext"), `subjectAltName=${hosts.map((host) => `DNS:${host}`).join(",")}\n`);
    run([
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "30",
        "-extfile",
        "san.ext",
    ]);
    for (const file of ["ca.key", "server.csr", "san.ext", "ca.srl"]) fs.rmSync(path.join(dir, file), { force: true });
    fs.chmodSync(path.join(dir, "key.pem"), 0o644);
}

export const INSTALLER_PORT = 8089;
/** A registry login stand-in (registry.sh) on the VPS: configure registry.server 127.0.0.1:5000. */
export const REGISTRY_PORT = 5000;

/**
 * Makes the VPS ready for the stand-in: its images loaded into the VPS's engine, the test CA
 * trusted (as Let's Encrypt's roots are on a real host), install.sh served by busybox httpd on the
 * VPS's own 127.0.0.1 (so the program's `curl` fetches it from loopback, like any URL), and the
 * registry login stand-in on :5000.
 * Returns the installer URL to configure as `dokploy.installerUrl`.
 */
export function prepareStandIn(vps: TestVps, images: StandInImages): string {
    loadImagesIntoVps(vps, images.references);
    if (images.traefik !== STAND_IN_TRAEFIK) vps.execOk(`docker tag ${images.traefik} ${STAND_IN_TRAEFIK}`);
    vps.execOk("install -m 0644 /dev/stdin /usr/local/share/ca-certificates/dropit-e2e-ca.crt && update-ca-certificates >/dev/null 2>&1", {
        input: images.caCertificate,
    });
    if (images.defaultCertificateConfig) {
        vps.execOk(
            "install -d /etc/dokploy/traefik/dynamic && install -m 0644 /dev/stdin /etc/dokploy/traefik/dynamic/standin-default-certificate.yml",
            {
                input: images.defaultCertificateConfig,
            },
        );
    }
    vps.execOk(
        "install -d /srv/dropit-standin /usr/local/lib/dropit-standin && install -m 0755 /dev/stdin /usr/local/lib/dropit-standin/busybox",
        { input: fs.readFileSync("/bin/busybox") },
    );
    vps.execOk("install -m 0644 /dev/stdin /srv/dropit-standin/install.sh", { input: fs.readFileSync(INSTALLER_SCRIPT) });
    vps.execOk("install -m 0755 /dev/stdin /usr/local/lib/dropit-standin/registry.sh", {
        input: fs.readFileSync(path.join(STAND_IN_DIR, "registry.sh")),
    });
    const busybox = "/usr/local/lib/dropit-standin/busybox";
    dockerOk(["exec", "-d", vps.container, busybox, "httpd", "-f", "-p", `127.0.0.1:${INSTALLER_PORT}`, "-h", "/srv/dropit-standin"]);
    // busybox nc cannot bind one address; the firewall under test keeps :5000 closed from outside.
    dockerOk([
        "exec",
        "-d",
        "-e",
        "PATH=/usr/local/lib/dropit-standin/bin:/usr/bin:/bin",
        vps.container,
        "sh",
        "-c",
        `mkdir -p /usr/local/lib/dropit-standin/bin && ${busybox} --install -s /usr/local/lib/dropit-standin/bin && exec nc -ll -p ${REGISTRY_PORT} -e /usr/local/lib/dropit-standin/registry.sh`,
    ]);
    return `http://127.0.0.1:${INSTALLER_PORT}/install.sh`;
}
