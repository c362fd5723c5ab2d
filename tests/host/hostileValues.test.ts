/**
 * No value is ever code. Every host script is rendered with hostile values for every string
 * parameter it takes, run by real bash in a sandbox (only stand-ins and a few file utilities on
 * PATH, mktemp inside the sandbox, a `sudo` that only changes files inside the sandbox), and
 * must (1) run no injected command: no `pwned` file appears anywhere in the sandbox, and
 * (2) receive the value intact: it shows up verbatim in what the stand-ins were called with or
 * in the script's own output. The schema's side is proven too: each configuration key that
 * reaches a script refuses the hostile values, with a message naming the key, and accepts the
 * unusual-but-legitimate values that then run through the scripts just the same.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, parseConfig } from "../../config/load";
import { renderBackupEnv, renderBackupSchedule } from "../../renderers/backup";
import { renderInstallBackups, renderMajorVersionGuard, renderPreDeployBackup } from "../../renderers/databaseHost";
import {
    renderAcmeContact, renderAdminAccount, renderClosePanelPort, renderDockerAccess, renderDockerEngine, renderDokployInstall,
    renderDokployUninstall, renderDokployUpdate, renderDynamicConfigFile, renderFirewall, renderRegistryLogin, renderSystemUpdate,
} from "../../renderers/hostScripts";
import { HOST_DIR, shellAssignments } from "../../renderers/shellParams";
import { renderNodeMembership, renderSwarmJoin } from "../../renderers/swarmNodes";
import { renderRolloutSettled, rolloutSettings } from "../../renderers/swarmUpdate";
import { HOST_KEY } from "../support/plan";

/** Each would run `touch pwned` if it were spliced into shell code unquoted, double-quoted or single-quoted. */
const HOSTILE = [
    "$(touch pwned)",
    "`touch pwned`",
    "x'$(touch pwned)'y",
    'x"; touch pwned; echo "y',
    "x; touch pwned",
    "x\ntouch pwned",
    "a&touch pwned&",
    "x|touch pwned",
    "$HOME*~\\",
];

/** Values the schema accepts that a careless script would still mangle (globs, `$`, `&`, spaces). */
const UNUSUAL = {
    registryUsername: "robot$dropit+ci",
    registryUsername2: "bot$HOME",
    installerUrl: "https://mirror.example.test/install.sh?a=1&b=%24x",
    acmeEmail: "ops+le%x@example.fr",
    schedule: "Mon..Fri *-*-* 02:30",
};

const TOOLS = [
    "bash", "sh", "cat", "rm", "mktemp", "tr", "grep", "awk", "seq", "wc", "date", "head", "dirname", "cmp", "env", "install",
    "mkdir", "touch", "ln", "cp", "basename", "find", "sort", "stat", "sync", "mv", "flock", "chmod", "tee", "sed", "cut", "true", "test", "timeout",
];

let resolvedTools: Array<[string, string]> | undefined;
/** Where this machine keeps the file utilities the sandbox offers (resolved once). */
function toolPaths(): Array<[string, string]> {
    resolvedTools ??= spawnSync("bash", ["-c", `for tool in ${TOOLS.join(" ")}; do type -P "$tool"; done`], { encoding: "utf8" })
        .stdout.trim().split("\n").map((found, index) => [TOOLS[index], fs.realpathSync(found)]);
    return resolvedTools;
}

let dir: string;
let sandbox: { stubs: string; tools: string; tmp: string; log: string };

/**
 * Stand-ins, each logging its name and arguments to calls.log. `sudo` runs read-only commands
 * and the stand-ins, and any other command only when every absolute path among its arguments
 * is inside the sandbox (so nothing outside it is ever changed); otherwise it only logs.
 */
function makeSandbox(): void {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-hostile-"));
    sandbox = { stubs: path.join(dir, "stubs"), tools: path.join(dir, "tools"), tmp: path.join(dir, "tmp"), log: path.join(dir, "calls.log") };
    for (const sub of [sandbox.stubs, sandbox.tools, sandbox.tmp]) fs.mkdirSync(sub);
    for (const [tool, found] of toolPaths()) fs.symlinkSync(found, path.join(sandbox.tools, tool));
    const stub = (name: string, body: string) =>
        fs.writeFileSync(path.join(sandbox.stubs, name), `#!/bin/bash\nprintf '%s ' ${name} "$@" >> "${sandbox.log}"; echo >> "${sandbox.log}"\n${body}\n`, { mode: 0o755 });
    stub("sudo", `[ "$1" = -n ] && shift
case "$1" in test|cat|cmp|grep|docker|true|id) exec env "$@" ;; esac
for arg in "$@"; do
  case "$arg" in
    /dev/null|"${dir}"/*) ;;
    /*) # outside the sandbox: only logged (what install would write is kept for the test to read)
      [ "$1" = tee ] && cat >/dev/null
      if [ "$1" = install ]; then args=("$@"); mkdir -p "${dir}/installed"; cp "\${args[-2]}" "${dir}/installed/$(basename "\${args[-1]}")"; fi
      exit 0 ;;
  esac
done
exec env "$@"`);
    stub("docker", `case "$1 $2" in
  "service inspect") [ -e "${dir}/dokploy-running" ] || exit 1; [ "$3" = -f ] && echo " 3000"; [ "$3" = --format ] && echo 1; exit 0 ;;
  "volume inspect") [ -e "${dir}/volume-exists" ] || exit 1; echo "${dir}/volume"; exit 0 ;;
  "ps --quiet") echo task ;;
esac
if [ "$1" = exec ]; then case " $* " in *" pg_dump "*) printf 'PGDMP-stand-in' ;; *" pg_restore "*) cat >/dev/null ;; esac; fi
exit 0`);
    stub("curl", `out=""; url=""
while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift ;; http*) url="$1" ;; esac; shift; done
case "$url" in
  */api/auth/sign-up/email) cat >/dev/null; echo '{}' > "$out"; printf 201 ;;
  */api/health) exit 0 ;;
  *) printf '%s\\n' 'touch "${dir}/dokploy-running"' > "$out" ;;
esac`);
    for (const name of ["systemctl", "apt-get", "apt-mark", "usermod", "iptables", "ip6tables", "sleep"]) stub(name, "exit 0");
    stub("id", `[ "$1" = -un ] && echo deploy; [ "$1" = -nG ] && echo "$2 sudo"; exit 0`);
    fs.writeFileSync(sandbox.log, "");
}

function run(script: string, stdin = "", extraEnv: Record<string, string> = {}) {
    const result = spawnSync("bash", ["-c", script], {
        cwd: dir, input: stdin, encoding: "utf8", timeout: 20_000,
        env: { PATH: `${sandbox.stubs}:${sandbox.tools}`, TMPDIR: sandbox.tmp, HOME: dir, LANG: "C.UTF-8", ...extraEnv },
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}`, calls: fs.readFileSync(sandbox.log, "utf8") };
}

/** Every file named like the marker, anywhere in the sandbox (a script may have changed directory). */
function markers(): string[] {
    // Files and directories named after a whole hostile value (a state directory, say) are data; only `touch pwned` makes this name.
    return spawnSync("find", [dir, "-name", "pwned"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
}

beforeEach(makeSandbox);
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Case {
    /** The script and the parameter made hostile. */
    name: string;
    render: (value: string) => string;
    stdin?: string;
    env?: Record<string, string>;
    /** Set up the sandbox before the run. */
    before?: (value: string) => void;
    /** What must appear verbatim in the calls or the output (default: the value itself). */
    expected?: (value: string) => string;
}

const version = { version: "v0.29.2", installerUrl: "https://example.test/install.sh", advertiseAddr: "192.0.2.1" };
const inSandbox = (sub: string, value: string) => path.join(dir, sub, value);
const traefikYml = () => path.join(dir, "traefik.yml");

const CASES: Case[] = [
    { name: "docker-engine DOCKER_VERSION", render: (v) => renderDockerEngine(v), before: () => fs.rmSync(path.join(sandbox.stubs, "docker")) },
    { name: "registry-login REGISTRY_SERVER", render: (v) => renderRegistryLogin(v, "bot"), stdin: "token\n" },
    { name: "registry-login REGISTRY_USERNAME", render: (v) => renderRegistryLogin("docker.io", v), stdin: "token\n" },
    { name: "dokploy-install DOKPLOY_VERSION", render: (v) => renderDokployInstall({ ...version, version: v, stateDir: inSandbox("state", "s") }) },
    { name: "dokploy-install INSTALLER_URL", render: (v) => renderDokployInstall({ ...version, installerUrl: `https://example.test/${v}`, stateDir: inSandbox("state", "s") }) },
    { name: "dokploy-install ADVERTISE_ADDR", render: (v) => renderDokployInstall({ ...version, advertiseAddr: v, stateDir: inSandbox("state", "s") }) },
    { name: "dokploy-install STATE_DIR", render: (v) => renderDokployInstall({ ...version, stateDir: inSandbox("state", v) }), expected: (v) => inSandbox("state", v) },
    { name: "dokploy-update DOKPLOY_VERSION", render: (v) => renderDokployUpdate({ ...version, version: v }) },
    { name: "dokploy-update INSTALLER_URL", render: (v) => renderDokployUpdate({ ...version, installerUrl: `https://example.test/${v}` }) },
    {
        name: "acme-contact ACME_EMAIL", render: (v) => renderAcmeContact(v, traefikYml()),
        before: () => fs.writeFileSync(traefikYml(), "certificatesResolvers:\n  letsencrypt:\n    acme:\n      email: test@localhost.com\n"),
    },
    { name: "docker-access DEPLOY_USER", render: (v) => renderDockerAccess(v) },
    { name: "admin-account STATE_DIR", render: (v) => renderAdminAccount(inSandbox("state", v)), stdin: "{}", expected: (v) => inSandbox("state", v) },
    {
        name: "dynamic-config-file TARGET_FILE", render: (v) => renderDynamicConfigFile(inSandbox("dynamic", v)), stdin: "http: {}\n",
        before: () => fs.mkdirSync(path.join(dir, "dynamic")), expected: (v) => inSandbox("dynamic", v),
    },
    { name: "close-panel-port PANEL_HOST", render: (v) => renderClosePanelPort(v), before: () => fs.writeFileSync(path.join(dir, "dokploy-running"), "") },
    { name: "dokploy-uninstall STATE_DIR", render: (v) => renderDokployUninstall(inSandbox("state", v)), expected: (v) => inSandbox("state", v) },
    { name: "postgres-version-guard VOLUME", render: (v) => renderMajorVersionGuard(v, 16, "pgdata") },
    {
        // The value arrives intact when the PG_VERSION file under it is found and read.
        name: "postgres-version-guard DATA_SUBDIR", render: (v) => renderMajorVersionGuard("dropit-postgres-data", 16, v),
        before: (v) => {
            fs.writeFileSync(path.join(dir, "volume-exists"), "");
            fs.mkdirSync(path.join(dir, "volume", v), { recursive: true });
            fs.writeFileSync(path.join(dir, "volume", v, "PG_VERSION"), "15\n");
        },
        expected: () => "was written by PostgreSQL 15",
    },
    {
        // Swarm's verdict is `completed`, the update started long ago: the check reaches its end.
        name: "rollout-settled SERVICE", render: (v) => renderRolloutSettled(v, rolloutSettings({ healthTest: ["CMD", "true"] }), 2),
        before: () => fs.writeFileSync(path.join(sandbox.stubs, "docker"), `#!/bin/bash\nprintf '%s ' docker "$@" >> "${sandbox.log}"; echo >> "${sandbox.log}"\necho 'completed|1|1'\n`, { mode: 0o755 }),
    },
    { name: "swarm-node-membership NODE_ID", render: (v) => renderNodeMembership({ nodeId: v, name: "worker-1", role: "worker", data: false, labels: {} }) },
    {
        name: "swarm-node-membership NODE_NAME", render: (v) => renderNodeMembership({ nodeId: "abc", name: v, role: "worker", data: false, labels: { zone: "b" } }),
        expected: (v) => `dropit.node=${v}`,
    },
    // The join fails against the stand-in engine; the message names the manager it tried, intact.
    { name: "swarm-join MANAGER_ADDR", render: (v) => renderSwarmJoin({ managerAddress: v, advertiseAddress: "10.0.0.2" }), stdin: "SWMTKN-1-abc-def\n" },
    ...(["database", "user", "directory"] as const).map((key): Case => ({
        name: `install-backups ${key}`,
        render: (v) => renderInstallBackups({ database: "dropit", user: "dropit", schedule: "daily", keepCount: 14, keepDays: 30, directory: "/var/backups/x", [key]: v }),
        // The value reaches the installed env file as one quoted assignment.
        expected: (v) => shellAssignments({ [{ database: "DATABASE", user: "DB_USER", directory: "BACKUP_DIR" }[key]]: v }),
    })),
];

describe.each(HOSTILE)("hostile value %j", (value) => {
    test.each(CASES.map((c) => [c.name, c] as const))("%s: no injected command runs and the value arrives intact", (_name, c) => {
        c.before?.(value);
        const result = run(c.render(value), c.stdin ?? "", c.env);
        const seen = `${result.calls}\n${result.output}\n${readInstalledTemps()}`;
        expect(markers()).toEqual([]);
        expect(seen).toContain((c.expected ?? ((v: string) => v))(value));
    });
});

/** install_if_changed's temp files are removed; the stand-in sudo keeps a copy of what `install` would write. */
function readInstalledTemps(): string {
    const copies = path.join(dir, "installed");
    return fs.existsSync(copies) ? fs.readdirSync(copies).map((file) => fs.readFileSync(path.join(copies, file), "utf8")).join("\n") : "";
}

test.each(CASES.map((c) => [c.name, c] as const))("%s also runs with an ordinary value (the stand-ins let each script reach its end)", (_name, c) => {
    c.before?.("ordinary");
    const result = run(c.render("ordinary"), c.stdin ?? "", c.env);
    expect(result.output).toMatch(/dropit: /);
    expect(markers()).toEqual([]);
});

test("the scripts without string parameters run in the sandbox too, and the firewall takes only TCP port numbers", () => {
    expect(run(renderSystemUpdate()).output).toContain("system packages up to date");
    expect(run(renderPreDeployBackup()).output).toContain("database dumped");
    const firewall = run(renderFirewall({ sshPort: 22 }));
    expect(firewall.status).toBe(0);
    expect(firewall.calls).toContain("sudo sh /etc/dropit/firewall.sh");
    expect(() => renderFirewall({ sshPort: Number("22; touch pwned") })).toThrow("not a TCP port");
    expect(() => renderFirewall({ sshPort: 22, publicTcpPorts: [Number("$(touch pwned)")] })).toThrow("not a TCP port");
    expect(markers()).toEqual([]);
});

describe("the installed backup commands read hostile parameters from their env file as data", () => {
    const fakeDump = () => {
        const file = path.join(dir, "x.dump");
        fs.writeFileSync(file, "PGDMP-stand-in");
        return file;
    };
    test.each(HOSTILE)("%j as database, user and backup directory", (value) => {
        const env = path.join(dir, "pg-backup.env");
        fs.writeFileSync(env, renderBackupEnv({ database: value, user: value, backupDir: inSandbox("backups", value), keepCount: 14, keepDays: 30, serviceName: value, apiServiceName: value }));
        const backup = run(`bash ${path.join(HOST_DIR, "files", "dropit-pg-backup.sh")}`, "", { DROPIT_PG_BACKUP_ENV: env });
        expect(backup.calls).toContain(`docker ps --quiet --filter label=com.docker.swarm.service.name=${value} --filter status=running`);
        expect(backup.calls).toContain(`docker exec task pg_dump --format=custom --username=${value} --dbname=${value} `);
        fs.writeFileSync(path.join(dir, "dokploy-running"), ""); // the API service "exists"
        const restore = run(`bash ${path.join(HOST_DIR, "files", "dropit-pg-restore.sh")} ${fakeDump()} --yes`, "", { DROPIT_PG_BACKUP_ENV: env });
        expect(restore.calls).toContain(`pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error --username=${value} --dbname=${value} `);
        expect(restore.calls).toContain(`docker service scale --detach=false ${value}=0`);
        expect(markers()).toEqual([]);
    });

    test("a schedule is only ever a systemd calendar expression: anything else is refused before it reaches a unit file", () => {
        for (const value of HOSTILE) expect(() => renderBackupSchedule(value)).toThrow(/schedule/);
        expect(renderBackupSchedule(UNUSUAL.schedule)).toContain(`\nOnCalendar=${UNUSUAL.schedule}\n`);
    });
});

describe("the schema refuses hostile values for every key that reaches a script", () => {
    const valid = (): Record<string, string> => ({
        "dropit:domain": "dropit-app.fr",
        "dropit:acmeEmail": "admin@dropit-app.fr",
        "dropit:server": JSON.stringify({ host: "203.0.113.10", hostKey: HOST_KEY }),
        "dropit:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
        "dropit:app": JSON.stringify({ source: "../dropit" }),
        "dropit:registryPassword": "token",
        "dropit:registry": JSON.stringify({ username: "dropitbot" }),
    });
    const problems = (change: Record<string, string>): string[] => {
        try {
            parseConfig({ ...valid(), ...change }, "dev");
            return [];
        } catch (error) {
            if (error instanceof ConfigError) return [...error.problems];
            throw error;
        }
    };
    /** key → the stack entry carrying `value` there. */
    const KEYS: Record<string, (value: string) => Record<string, string>> = {
        "dropit:domain": (v) => ({ "dropit:domain": v }),
        "dropit:acmeEmail": (v) => ({ "dropit:acmeEmail": v }),
        "dropit:server.host": (v) => ({ "dropit:server": JSON.stringify({ host: v, hostKey: HOST_KEY }) }),
        "dropit:server.user": (v) => ({ "dropit:server": JSON.stringify({ host: "203.0.113.10", user: v, hostKey: HOST_KEY }) }),
        "dropit:subdomains.dokploy": (v) => ({ "dropit:subdomains": JSON.stringify({ dokploy: v }) }),
        "dropit:dokploy.version": (v) => ({ "dropit:dokploy": JSON.stringify({ version: v }) }),
        "dropit:dokploy.dockerVersion": (v) => ({ "dropit:dokploy": JSON.stringify({ dockerVersion: v }) }),
        "dropit:dokploy.installerUrl": (v) => ({ "dropit:dokploy": JSON.stringify({ installerUrl: `https://example.test/${v}` }) }),
        "dropit:dokploy.adminEmail": (v) => ({ "dropit:dokploy": JSON.stringify({ adminEmail: `${v}@example.fr` }) }),
        "dropit:registry.server": (v) => ({ "dropit:registry": JSON.stringify({ server: v, username: "dropitbot" }) }),
        "dropit:registry.username": (v) => ({ "dropit:registry": JSON.stringify({ username: v }) }),
        "dropit:postgres.database": (v) => ({ "dropit:postgres": JSON.stringify({ database: v }) }),
        "dropit:postgres.user": (v) => ({ "dropit:postgres": JSON.stringify({ user: v }) }),
        "dropit:postgres.backups.directory": (v) => ({ "dropit:postgres": JSON.stringify({ backups: { directory: `/var/backups/${v}` } }) }),
        "dropit:postgres.backups.schedule": (v) => ({ "dropit:postgres": JSON.stringify({ backups: { schedule: v } }) }),
    };
    const cases = Object.keys(KEYS).flatMap((key) => HOSTILE.map((value) => [key, value] as const));

    test.each(cases)("%s = %j is refused, naming the key", (key, value) => {
        const messages = problems(KEYS[key](value));
        expect(messages).toHaveLength(1);
        expect(messages[0].startsWith(`${key}: `)).toBe(true);
        expect(messages[0]).toContain("Fix: ");
    });

    test("the issue's example is refused: registry.username = bot$(touch /tmp/pwned)", () => {
        expect(problems(KEYS["dropit:registry.username"]("bot$(touch /tmp/pwned)"))).toEqual([
            expect.stringContaining("dropit:registry.username: must be a registry user name such as dropitbot"),
        ]);
    });

    test("unusual but legitimate values are accepted, and the scripts carry them intact", () => {
        const config = parseConfig({
            ...valid(),
            "dropit:acmeEmail": UNUSUAL.acmeEmail,
            "dropit:registry": JSON.stringify({ server: "127.0.0.1:5000", username: UNUSUAL.registryUsername }),
            "dropit:dokploy": JSON.stringify({ installerUrl: UNUSUAL.installerUrl }),
            "dropit:postgres": JSON.stringify({ backups: { schedule: UNUSUAL.schedule } }),
        }, "dev");
        expect(problems(KEYS["dropit:registry.username"](UNUSUAL.registryUsername2))).toEqual([]);
        for (const username of [config.registry.username!, UNUSUAL.registryUsername2]) {
            const login = run(renderRegistryLogin(config.registry.server, username), "token\n");
            expect(login.calls).toContain(`docker login --username ${username} --password-stdin 127.0.0.1:5000 `);
        }
        const update = run(renderDokployUpdate({ ...version, installerUrl: config.dokploy.installerUrl! }));
        expect(update.calls).toContain(`curl -fsSL --retry 3 --max-time 120 ${UNUSUAL.installerUrl} -o`);
        fs.writeFileSync(traefikYml(), "acme:\n      email: test@localhost.com\n");
        expect(run(renderAcmeContact(config.acmeEmail, traefikYml())).output).toContain(`set to ${UNUSUAL.acmeEmail}`);
        expect(fs.readFileSync(traefikYml(), "utf8")).toBe(`acme:\n      email: ${UNUSUAL.acmeEmail}\n`);
        const backups = run(renderInstallBackups({ ...config.postgres.backups, database: "dropit", user: "dropit" }));
        expect(backups.output).toContain(`timer dropit-pg-backup.timer: ${UNUSUAL.schedule},`);
        expect(markers()).toEqual([]);
    });
});
