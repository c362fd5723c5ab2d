/**
 * The host scripts run under real bash with stand-ins for sudo, docker and curl on PATH, so
 * their idempotence and refusals are exercised, not just their text. (The full run over SSH
 * against a Debian host is the e2e suite's job.)
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    renderAcmeContact, renderDockerAccess, renderDockerEngine, renderDokployInstall, renderDokployUpdate,
    renderRegistryLogin, renderSystemUpdate,
} from "../../renderers/hostScripts";

let dir: string;
let bin: string;
const log = () => fs.readFileSync(path.join(dir, "calls.log"), "utf8");

/** Stand-ins: sudo runs its command; docker and curl record calls and act per flags in $dir. */
function installStandIns(): void {
    bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const write = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    write("sudo", `[ "$1" = "-n" ] && shift; exec "$@"`);
    write("docker", `echo "docker $*" >> "${dir}/calls.log"
if [ "$1 $2" = "service inspect" ]; then [ -e "${dir}/dokploy-running" ]; exit $?; fi
exit 0`);
    write("curl", `out=""; while [ $# -gt 0 ]; do [ "$1" = "-o" ] && out="$2"; shift; done
cp "${dir}/installer.sh" "$out"`);
    fs.writeFileSync(path.join(dir, "installer.sh"), `echo "installer ran ADVERTISE_ADDR=$ADVERTISE_ADDR DOKPLOY_VERSION=$DOKPLOY_VERSION args=$*" >> "${dir}/calls.log"
[ "$1" = update ] || touch "${dir}/dokploy-running"\n`);
    fs.writeFileSync(path.join(dir, "calls.log"), "");
}

function run(command: string, stdin = "") {
    const result = spawnSync("bash", ["-c", command], {
        input: stdin, encoding: "utf8", timeout: 20_000,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-host-"));
    installStandIns();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test("every script is valid bash", () => {
    const scripts = [
        renderSystemUpdate(), renderDockerEngine("28.5.0"), renderRegistryLogin("docker.io", "bot"),
        renderDokployInstall({ version: "v0.29.2", installerUrl: "https://example.test/install.sh", advertiseAddr: "192.0.2.1" }),
        renderDokployUpdate({ version: "v0.29.2", installerUrl: "https://example.test/install.sh", advertiseAddr: "192.0.2.1" }),
        renderAcmeContact("ops@example.fr"), renderDockerAccess("deploy"),
    ];
    for (const script of scripts) {
        const inner = script.split("\n").slice(1, -2).join("\n");
        expect(spawnSync("bash", ["-n", "-c", inner]).status).toBe(0);
    }
});

test("the installer runs once with ADVERTISE_ADDR inline; a second run leaves it alone", () => {
    const install = renderDokployInstall({ version: "v0.29.2", installerUrl: "https://example.test/install.sh", advertiseAddr: "192.0.2.1", stateDir: path.join(dir, "state") });
    const first = run(install);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain("Dokploy v0.29.2 installed");
    const second = run(install);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain("already installed");
    expect(log().match(/installer ran/g)).toHaveLength(1);
    expect(log()).toContain("installer ran ADVERTISE_ADDR=192.0.2.1 DOKPLOY_VERSION=v0.29.2 args=");
});

test("a host where the installer started but Dokploy is absent is refused, not reinstalled", () => {
    const stateDir = path.join(dir, "state");
    fs.mkdirSync(stateDir);
    fs.writeFileSync(path.join(stateDir, "dokploy-installer-started"), "");
    const result = run(renderDokployInstall({ version: "v0.29.2", installerUrl: "https://example.test/install.sh", advertiseAddr: "192.0.2.1", stateDir }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("swarm leave --force");
    expect(log()).not.toContain("installer ran");
});

test("a version change goes through the installer's update path", () => {
    const result = run(renderDokployUpdate({ version: "v0.30.0", installerUrl: "https://example.test/install.sh", advertiseAddr: "192.0.2.1" }));
    expect(result.status).toBe(0);
    expect(log()).toContain("DOKPLOY_VERSION=v0.30.0 args=update");
});

test("the ACME contact is rewritten once and Traefik restarted only on a change", () => {
    const file = path.join(dir, "traefik.yml");
    fs.writeFileSync(file, "certificatesResolvers:\n  letsencrypt:\n    acme:\n      email: test@localhost.com\n      storage: /etc/dokploy/traefik/dynamic/acme.json\n");
    const script = renderAcmeContact("ops+le@example.fr", file);
    expect(run(script).stdout).toContain("set to ops+le@example.fr; Traefik restarted");
    expect(fs.readFileSync(file, "utf8")).toContain("      email: ops+le@example.fr\n      storage:");
    expect(run(script).stdout).toContain("already ops+le@example.fr");
    expect(log().match(/docker restart dokploy-traefik/g)).toHaveLength(1);
});

test("registry login reads the password from stdin, never from its arguments", () => {
    const result = run(renderRegistryLogin("docker.io", "bot"), "s3cret-token\n");
    expect(result.status).toBe(0);
    expect(log()).toContain("docker login --username bot --password-stdin docker.io");
    expect(log()).not.toContain("s3cret-token");
});

test("without passwordless sudo every script stops with a message naming the requirement", () => {
    fs.writeFileSync(path.join(bin, "sudo"), "#!/bin/bash\nexit 1\n", { mode: 0o755 });
    const result = run(renderDockerAccess("deploy"));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("needs passwordless sudo");
});
