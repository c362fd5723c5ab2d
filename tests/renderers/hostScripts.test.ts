/**
 * The host scripts run under real bash with stand-ins for sudo, docker and curl on PATH, so
 * their idempotence and refusals are exercised, not just their text. (The full run over SSH
 * against a Debian host is the e2e suite's job.)
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderFirewallEnv } from "../../renderers/firewall";
import { HOST_DIR } from "../../renderers/shellParams";
import {
    renderAcmeContact,
    renderAdminAccount,
    renderClosePanelPort,
    renderDockerAccess,
    renderDockerEngine,
    renderDokployInstall,
    renderDokployUninstall,
    renderDokployUpdate,
    renderRemoveSwarmConfig,
    renderSwarmConfig,
    renderDynamicConfigFile,
    renderFirewall,
    renderRegistryLogin,
    renderRemoveUnusedDynamicConfig,
    renderSystemUpdate,
} from "../../renderers/hostScripts";

let dir: string;
let bin: string;
const log = () => fs.readFileSync(path.join(dir, "calls.log"), "utf8");

/**
 * Stand-ins: sudo runs its command; sleep returns at once; docker and curl record their
 * arguments (never their stdin) and act according to files in $dir: `dokploy-running`,
 * `services` (one name a line), `published` (the dokploy service's published ports),
 * `config-<name>` (a Swarm config's content; `config-in-use` makes its removal fail),
 * `https-ok`, `signup-status` and `signup-body`, `image` (the dokploy service's image, which the
 * installer's update rewrites unless `update-fails` exists: the real one exits 0 either way).
 */
function installStandIns(): void {
    bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const write = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    write("sudo", `[ "$1" = "-n" ] && shift; exec "$@"`);
    write("sleep", "exit 0");
    write(
        "docker",
        `echo "docker $*" >> "${dir}/calls.log"
case "$1 $2" in
  "service inspect")
    [ -e "${dir}/dokploy-running" ] || exit 1
    if [ "$3" = "-f" ]; then
      case "$4" in *ContainerSpec.Image*) cat "${dir}/image" 2>/dev/null ;; *) cat "${dir}/published" 2>/dev/null ;; esac
    fi
    exit 0 ;;
  "service ls") cat "${dir}/services" 2>/dev/null; exit 0 ;;
  "config inspect")
    name="\${@: -1}"; [ -e "${dir}/config-$name" ] || exit 1
    printf 'id-%s %s\\n' "$name" "$(cat "${dir}/config-$name")"; exit 0 ;;
  "config create") cp "$4" "${dir}/config-$3"; echo "id-$3"; exit 0 ;;
  "config rm")
    if [ -e "${dir}/config-in-use" ]; then echo "Error response from daemon: config '$3' is in use by the following service: dropit-web" >&2; exit 1; fi
    rm -f "${dir}/config-$3"; exit 0 ;;
  "volume inspect") exit 1 ;;
esac
exit 0`,
    );
    write(
        "curl",
        `echo "curl $*" >> "${dir}/calls.log"
out=""; url=""
while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift ;; http*) url="$1" ;; esac; shift; done
case "$url" in
  *install.sh) cp "${dir}/installer.sh" "$out" ;;
  https://*/api/health) [ -e "${dir}/https-ok" ] ;;
  */api/health) exit 0 ;;
  */api/auth/sign-up/email)
    cat > "${dir}/signup-request"
    cp "${dir}/signup-body" "$out" 2>/dev/null || echo '{}' > "$out"
    cat "${dir}/signup-status" 2>/dev/null || printf 200 ;;
esac`,
    );
    fs.writeFileSync(
        path.join(dir, "installer.sh"),
        `echo "installer ran ADVERTISE_ADDR=$ADVERTISE_ADDR DOKPLOY_VERSION=$DOKPLOY_VERSION args=$*" >> "${dir}/calls.log"
if [ "$1" = update ]; then [ -e "${dir}/update-fails" ] || echo "dokploy/dokploy:$DOKPLOY_VERSION" > "${dir}/image"; else touch "${dir}/dokploy-running"; fi\n`,
    );
    fs.writeFileSync(path.join(dir, "calls.log"), "");
}

function run(command: string, stdin = "", env: Record<string, string> = {}) {
    const result = spawnSync("bash", ["-c", command], {
        input: stdin,
        encoding: "utf8",
        timeout: 20_000,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env },
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
        renderSystemUpdate(),
        renderDockerEngine("28.5.0"),
        renderRegistryLogin("docker.io", "bot"),
        renderDokployInstall({ version: "v0.29.2", installerUrl: "https://example.test/install.sh", advertiseAddr: "192.0.2.1" }),
        renderDokployUpdate({ version: "v0.29.2", installerUrl: "https://example.test/install.sh", advertiseAddr: "192.0.2.1" }),
        renderAcmeContact("ops@example.fr"),
        renderDockerAccess("deploy"),
        renderAdminAccount(),
        renderDynamicConfigFile("/etc/x/y.yml"),
        renderRemoveUnusedDynamicConfig("/etc/x/y.yml", ["a@file", "b@file"]),
        renderClosePanelPort("dokploy.example.fr"),
        renderFirewall({ sshPort: 22 }),
        renderDokployUninstall(),
    ];
    for (const script of scripts) {
        const inner = script.split("\n").slice(1, -2).join("\n");
        expect(spawnSync("bash", ["-n", "-c", inner]).status).toBe(0);
    }
});

test("a dynamic config file is replaced by a rename, never removed first: Traefik never reloads without it", () => {
    const target = path.join(dir, "dynamic", "dropit-retry.yml");
    fs.mkdirSync(path.dirname(target));
    fs.writeFileSync(target, "old: 1\n");
    // Every moment the directory changes, what Traefik would load from it (the .yml files).
    const seen = path.join(dir, "seen.log");
    for (const tool of ["install", "mv"]) {
        fs.writeFileSync(
            path.join(bin, tool),
            `#!/bin/bash\n/usr/bin/${tool} "$@" || exit 1\n{ echo "after ${tool}"; cat "${path.dirname(target)}"/*.yml 2>/dev/null || echo "no file"; } >> "${seen}"\n`,
            { mode: 0o755 },
        );
    }
    const result = run(renderDynamicConfigFile(target), "new: 2\n");
    expect(result).toMatchObject({ status: 0 });
    expect(fs.readFileSync(target, "utf8")).toBe("new: 2\n");
    expect((fs.statSync(target).mode & 0o777).toString(8)).toBe("600");
    expect(fs.readdirSync(path.dirname(target))).toEqual(["dropit-retry.yml"]);
    expect(fs.readFileSync(seen, "utf8")).toBe("after install\nold: 1\nafter mv\nnew: 2\n");
});

test("the installer runs once with ADVERTISE_ADDR inline; a second run leaves it alone", () => {
    const install = renderDokployInstall({
        version: "v0.29.2",
        installerUrl: "https://example.test/install.sh",
        advertiseAddr: "192.0.2.1",
        stateDir: path.join(dir, "state"),
    });
    const first = run(install);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain("Dokploy v0.29.2 installed");
    const second = run(install);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain("already installed");
    expect(log().match(/installer ran/g)).toHaveLength(1);
    expect(log()).toContain("installer ran ADVERTISE_ADDR=192.0.2.1 DOKPLOY_VERSION=v0.29.2 args=");
});

test("a hung installer is stopped after its bound and counts as an interrupted attempt", () => {
    fs.writeFileSync(path.join(dir, "installer.sh"), `echo "installer ran" >> "${dir}/calls.log"\nexec /bin/sleep 30\n`);
    const stateDir = path.join(dir, "state");
    const started = Date.now();
    const result = run(
        renderDokployInstall({
            version: "v0.29.2",
            installerUrl: "https://example.test/install.sh",
            advertiseAddr: "192.0.2.1",
            stateDir,
            timeoutSeconds: 1,
        }),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.status).toBe(124);
    expect(result.stderr).toContain("did not finish within 1s and was stopped; re-run to resume");
    expect(fs.readFileSync(path.join(stateDir, "dokploy-installer-started"), "utf8").split("\n").filter(Boolean)).toHaveLength(1);
    expect(fs.existsSync(path.join(stateDir, "dokploy-installed"))).toBe(false);
});

const installWith = (stateDir: string) =>
    renderDokployInstall({ version: "v0.29.2", installerUrl: "https://example.test/install.sh", advertiseAddr: "192.0.2.1", stateDir });

function interruptedInstall(attempts: number): string {
    const stateDir = path.join(dir, "state");
    fs.mkdirSync(stateDir, { recursive: true });
    fs.writeFileSync(path.join(stateDir, "dokploy-installer-started"), "2026-01-01T00:00:00Z\n".repeat(attempts));
    return stateDir;
}

test("an install interrupted before the dokploy service existed is resumed on an empty swarm", () => {
    const stateDir = interruptedInstall(1);
    fs.writeFileSync(path.join(dir, "services"), "dokploy-postgres\n");
    const result = run(installWith(stateDir));
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("resuming an install interrupted 1 time(s)");
    expect(log()).toContain("docker rm -f dokploy-traefik");
    expect(log()).toContain("docker service rm dokploy-postgres");
    expect(log().match(/installer ran/g)).toHaveLength(1);
    expect(fs.readFileSync(path.join(stateDir, "dokploy-installer-started"), "utf8").split("\n").filter(Boolean)).toHaveLength(2);
    expect(fs.existsSync(path.join(stateDir, "dokploy-installed"))).toBe(true);
});

test("the installer never runs where the swarm has other services (it would destroy them)", () => {
    fs.writeFileSync(path.join(dir, "services"), "dropit-postgres\n");
    const fresh = run(installWith(path.join(dir, "state")));
    expect(fresh.status).toBe(1);
    expect(fresh.stderr).toContain("runs services (dropit-postgres)");
    const resumed = run(installWith(interruptedInstall(1)));
    expect(resumed.status).toBe(1);
    expect(log()).not.toContain("installer ran");
});

test("a host where the install completed but the dokploy service is gone, or after 3 attempts, is refused", () => {
    const stateDir = interruptedInstall(3);
    const tooMany = run(installWith(stateDir));
    expect(tooMany.status).toBe(1);
    expect(tooMany.stderr).toContain("started 3 times");
    fs.writeFileSync(path.join(stateDir, "dokploy-installed"), "");
    const completed = run(installWith(stateDir));
    expect(completed.status).toBe(1);
    expect(completed.stderr).toContain("swarm leave --force");
    expect(log()).not.toContain("installer ran");
});

test("a version change goes through the installer's update path", () => {
    fs.writeFileSync(path.join(dir, "dokploy-running"), "");
    fs.writeFileSync(path.join(dir, "image"), "dokploy/dokploy:v0.29.2@sha256:0123abcd\n");
    const result = run(
        renderDokployUpdate({ version: "v0.30.0", installerUrl: "https://example.test/install.sh", advertiseAddr: "192.0.2.1" }),
    );
    expect(result.status).toBe(0);
    expect(log()).toContain("DOKPLOY_VERSION=v0.30.0 args=update");
});

test("an update whose service still runs the old image afterwards fails, naming what runs", () => {
    fs.writeFileSync(path.join(dir, "dokploy-running"), "");
    fs.writeFileSync(path.join(dir, "image"), "dokploy/dokploy:v0.29.2\n");
    fs.writeFileSync(path.join(dir, "update-fails"), "");
    const result = run(
        renderDokployUpdate({ version: "v0.30.0", installerUrl: "https://example.test/install.sh", advertiseAddr: "192.0.2.1" }),
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("the installer's update finished but the dokploy service runs dokploy/dokploy:v0.29.2, not v0.30.0");
});

test("on a host with no Dokploy (a new server behind the same stack), the update step runs the install step instead", () => {
    const stateDir = path.join(dir, "state");
    const result = run(
        renderDokployUpdate({
            version: "v0.29.2",
            installerUrl: "https://example.test/install.sh",
            advertiseAddr: "192.0.2.1",
            stateDir,
        }),
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("no dokploy service on this host (a new server behind this stack?): running the install step");
    expect(result.stdout).toContain("dropit: Dokploy v0.29.2 installed");
    expect(log()).toContain("installer ran ADVERTISE_ADDR=192.0.2.1 DOKPLOY_VERSION=v0.29.2 args=\n");
    expect(log()).not.toContain("args=update");
    expect(fs.existsSync(path.join(stateDir, "dokploy-installed"))).toBe(true);
});

test("a host whose Dokploy was installed and then lost its service is refused by the update step too", () => {
    const stateDir = path.join(dir, "state");
    fs.mkdirSync(stateDir);
    fs.writeFileSync(path.join(stateDir, "dokploy-installed"), "");
    const result = run(
        renderDokployUpdate({ version: "v0.29.2", installerUrl: "https://example.test/install.sh", advertiseAddr: "192.0.2.1", stateDir }),
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("swarm leave --force");
    expect(log()).not.toContain("installer ran");
});

test.each([
    ["pinned by digest, as docker service create stores it", "dokploy/dokploy:v0.29.2@sha256:0123abcd"],
    ["by tag", "dokploy/dokploy:v0.29.2"],
    ["from a registry with a port", "127.0.0.1:5000/dokploy/dokploy:v0.29.2"],
])("any other input change (flag, host key, SSH key) leaves a Dokploy already at the pinned version alone: image %s", (_, image) => {
    fs.writeFileSync(path.join(dir, "dokploy-running"), "");
    fs.writeFileSync(path.join(dir, "image"), `${image}\n`);
    const result = run(
        renderDokployUpdate({ version: "v0.29.2", installerUrl: "https://example.test/install.sh", advertiseAddr: "192.0.2.1" }),
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("already runs v0.29.2");
    expect(log()).not.toContain("installer ran");
    expect(log()).not.toContain("curl");
});

test("a Swarm config is created once; a re-run prints the same id and nothing else on stdout", () => {
    const script = renderSwarmConfig("dropit-web-nginx-0123abcd");
    const first = run(script, "server {\n  listen 80;\n}\n");
    expect(first).toMatchObject({ status: 0, stdout: "id-dropit-web-nginx-0123abcd\n" });
    expect(first.stderr).toContain("Swarm config dropit-web-nginx-0123abcd created");
    expect(fs.readFileSync(path.join(dir, "config-dropit-web-nginx-0123abcd"), "utf8")).toBe("server {\n  listen 80;\n}\n");
    const again = run(script, "server {\n  listen 80;\n}\n");
    expect(again).toMatchObject({ status: 0, stdout: "id-dropit-web-nginx-0123abcd\n" });
    expect(again.stderr).toContain("exists (id-dropit-web-nginx-0123abcd)");
    expect(log().match(/docker config create/g)).toHaveLength(1);
});

test("a Swarm config of that name with other content is refused, naming the fix", () => {
    fs.writeFileSync(path.join(dir, "config-dropit-web-nginx-0123abcd"), "something else\n");
    const result = run(renderSwarmConfig("dropit-web-nginx-0123abcd"), "server {}\n");
    expect(result).toMatchObject({ status: 1, stdout: "" });
    expect(result.stderr).toContain(
        "exists with other content; remove it (docker config rm dropit-web-nginx-0123abcd) once no service uses it",
    );
});

test("a Swarm config is removed, kept while a service uses it, and already gone is no error", () => {
    const remove = renderRemoveSwarmConfig("dropit-web-nginx-0123abcd");
    fs.writeFileSync(path.join(dir, "config-dropit-web-nginx-0123abcd"), "server {}\n");
    fs.writeFileSync(path.join(dir, "config-in-use"), "");
    const kept = run(remove);
    expect(kept.status).toBe(0);
    expect(kept.stdout).toContain(
        "kept: Error response from daemon: config 'dropit-web-nginx-0123abcd' is in use by the following service: dropit-web",
    );
    fs.rmSync(path.join(dir, "config-in-use"));
    expect(run(remove)).toMatchObject({ status: 0, stdout: "dropit: Swarm config dropit-web-nginx-0123abcd removed\n" });
    expect(run(remove)).toMatchObject({ status: 0, stdout: "dropit: Swarm config dropit-web-nginx-0123abcd is already gone\n" });
});

test("the ACME contact is rewritten once and Traefik restarted only on a change", () => {
    const file = path.join(dir, "traefik.yml");
    fs.writeFileSync(
        file,
        "certificatesResolvers:\n  letsencrypt:\n    acme:\n      email: test@localhost.com\n      storage: /etc/dokploy/traefik/dynamic/acme.json\n",
    );
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

const ADMIN_BODY = JSON.stringify({ name: "Admin", email: "ops@example.fr", password: "ADMINsecret0123456789" });

test("the owner account is created from the body on stdin, once; the password is never an argument", () => {
    const stateDir = path.join(dir, "state");
    const first = run(renderAdminAccount(stateDir), ADMIN_BODY);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain("owner account created");
    expect(fs.readFileSync(path.join(dir, "signup-request"), "utf8")).toBe(ADMIN_BODY);
    expect(log()).toContain("--data-binary @- http://127.0.0.1:3000/api/auth/sign-up/email");
    expect(log()).not.toContain("ADMINsecret");
    const second = run(renderAdminAccount(stateDir), ADMIN_BODY);
    expect(second.stdout).toContain("already exists");
    expect(log().match(/sign-up/g)).toHaveLength(1);
});

test("an owner that already exists counts as done; any other refusal fails with the panel's answer", () => {
    fs.writeFileSync(path.join(dir, "signup-status"), "400");
    fs.writeFileSync(path.join(dir, "signup-body"), '{"message":"Admin is already created"}');
    const exists = run(renderAdminAccount(path.join(dir, "a")), ADMIN_BODY);
    expect(exists.status).toBe(0);
    expect(exists.stdout).toContain("already has an owner");
    fs.writeFileSync(path.join(dir, "signup-body"), '{"message":"password too short"}');
    const refused = run(renderAdminAccount(path.join(dir, "b")), ADMIN_BODY);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("HTTP 400");
    expect(refused.stderr).toContain("password too short");
});

test("a dynamic Traefik file is written from stdin (mode 0600) only when its content changes", () => {
    const file = path.join(dir, "dynamic", "dokploy.yml");
    fs.mkdirSync(path.dirname(file));
    const script = renderDynamicConfigFile(file);
    fs.writeFileSync(path.join(bin, "install"), `#!/bin/bash\nargs=("$@"); cp "\${args[-2]}" "\${args[-1]}"; chmod 600 "\${args[-1]}"\n`, {
        mode: 0o755,
    });
    expect(run(script, "http: {}\n").stdout).toContain("written");
    expect(fs.readFileSync(file, "utf8")).toBe("http: {}\n");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(run(script, "http: {}\n").stdout).toContain("unchanged");
    expect(run(renderDynamicConfigFile(path.join(dir, "missing", "x.yml")), "").stderr).toContain("is Dokploy installed?");
});

test("port 3000 is unpublished only once the panel answers over HTTPS through Traefik", () => {
    fs.writeFileSync(path.join(dir, "dokploy-running"), "");
    fs.writeFileSync(path.join(dir, "published"), " 3000");
    const script = renderClosePanelPort("dokploy.example.fr");
    const notYet = run(script);
    expect(notYet.status).toBe(1);
    expect(notYet.stderr).toContain("port 3000 stays published");
    expect(log()).not.toContain("--publish-rm");
    expect(log()).toContain("--resolve dokploy.example.fr:443:127.0.0.1 https://dokploy.example.fr/api/health");
    fs.writeFileSync(path.join(dir, "https-ok"), "");
    expect(run(script).stdout).toContain("port 3000 closed");
    expect(log()).toContain("docker service update --quiet --detach=false --publish-rm published=3000,target=3000,mode=host dokploy");
    fs.writeFileSync(path.join(dir, "published"), "");
    expect(run(script).stdout).toContain("already closed");
});

test("the firewall is refused when this SSH session arrives on a port it would close", () => {
    const result = run(renderFirewall({ sshPort: 2222 }), "", { SSH_CONNECTION: "198.51.100.1 50000 203.0.113.10 22" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("arrives on port 22");
    expect(log()).not.toContain("iptables");
});

test("the installed firewall script reads its ports from its env file and keeps SSH, 80 and 443 from outside, in INPUT and DOCKER-USER", () => {
    const env = path.join(dir, "firewall.env");
    fs.writeFileSync(env, renderFirewallEnv({ sshPort: 2222 }));
    const write = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    write("ip", 'echo "default via 192.0.2.1 dev eth0 proto static"');
    write("iptables", `echo "iptables $*" >> "${dir}/calls.log"; [ "$1" = -C ] && exit 1; exit 0`);
    write("ip6tables", "exit 1"); // never this machine's own rules
    const script = path.join(HOST_DIR, "files", "firewall.sh");
    const result = spawnSync("sh", [script], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, DROPIT_FIREWALL_ENV: env },
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("applied on eth0 (tcp 80 443 2222, udp 443)");
    const calls = log();
    for (const port of [80, 443, 2222]) expect(calls).toContain(`iptables -A DROPIT-INPUT -p tcp --dport ${port} -j ACCEPT`);
    expect(calls).not.toContain("--dport 22 ");
    expect(calls).toContain("iptables -A DROPIT-DOCKER -p tcp -m conntrack --ctorigdstport 443 -j RETURN");
    expect(calls).not.toContain("--ctorigdstport 2222");
    expect(calls).toContain("iptables -I DOCKER-USER 1 -j DROPIT-DOCKER");
    expect(
        calls
            .trim()
            .split("\n")
            .filter((line) => line.startsWith("iptables -A DROPIT-INPUT"))
            .pop(),
    ).toBe("iptables -A DROPIT-INPUT -j DROP");
    // An env file that would close SSH is refused before any rule changes.
    fs.writeFileSync(env, "SSH_PORT=2222\nTCP_PORTS=80,443\n");
    fs.writeFileSync(path.join(dir, "calls.log"), "");
    const refused = spawnSync("sh", [script], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, DROPIT_FIREWALL_ENV: env },
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("does not keep the SSH port 2222");
    expect(log()).toBe("");
});
