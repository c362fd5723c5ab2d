import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseConfig } from "../../config/load";
import { configProblems } from "../support/configProblems";

const SECRET_KEY_TEXT = "-----BEGIN OPENSSH PRIVATE KEY-----\nLEAKCANARY0123456789\n-----END OPENSSH PRIVATE KEY-----";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ0ZXN0aG9zdGtleXRlc3Rob3N0a2V5dGVzdGhvc3Q=";

const valid = (): Record<string, string> => ({
    "dropit:domain": "dropit-app.fr",
    "dropit:acmeEmail": "admin@dropit-app.fr",
    "dropit:server": JSON.stringify({ host: "203.0.113.10", hostKey: HOST_KEY }),
    "dropit:sshPrivateKey": SECRET_KEY_TEXT,
    "dropit:app": JSON.stringify({ source: "../dropit" }),
    "aws:region": "eu-west-3", // other namespaces are not ours to judge
});

const problems = configProblems;

test("defaults come from the schema: the guide's values", () => {
    const config = parseConfig(valid(), "prod");
    expect(config.server).toEqual({ host: "203.0.113.10", user: "deploy", port: 22, hostKey: HOST_KEY, memoryMb: 2048 });
    expect(config.subdomains).toEqual({ api: "api", traefik: "traefik", dokploy: "dokploy" });
    expect(config.dns).toEqual({
        provider: "manual",
        ttl: 300,
        adoptExisting: false,
        caa: false,
        propagationTimeoutSeconds: 600,
        propagationPollSeconds: 10,
    });
    expect(config.postgres).toEqual({
        version: 16,
        database: "dropit",
        user: "dropit",
        settings: { max_connections: 200, shared_buffers: "256MB", effective_cache_size: "1GB" },
        extensions: ["uuid-ossp", "pgcrypto"],
        backups: { enabled: true, schedule: "*-*-* 03:15:00", keepCount: 14, keepDays: 30, directory: "/var/backups/dropit/postgres" },
        memoryMb: 512,
        memoryReservationMb: 192,
    });
    expect(config.api).toMatchObject({ healthPath: "/api/health", replicas: 1, port: 3000, seedDemoData: false });
    expect(config.redis.enabled).toBe(false);
    expect(config.typesense).toEqual({ enabled: false, version: "0.25.2", memoryMb: 160, memoryReservationMb: 64 });
    expect(config.dokploy).toMatchObject({ version: "v0.30.2" });
});

test("values set with --path as text are read as numbers and booleans", () => {
    const config = parseConfig(
        {
            ...valid(),
            "dropit:server": JSON.stringify({ host: "203.0.113.10", port: "2222", hostKey: HOST_KEY }),
            "dropit:redis": '{"enabled":"true"}',
        },
        "dev",
    );
    expect(config.server.port).toBe(2222);
    expect(config.redis.enabled).toBe(true);
});

const cases: Array<[string, Record<string, string>, string[]]> = [
    [
        "a missing domain",
        { "dropit:domain": undefined as unknown as string },
        ["dropit:domain: is required. Fix: `pulumi config set dropit:domain dropit-app.fr`."],
    ],
    ["a URL instead of a domain", { "dropit:domain": "https://dropit-app.fr/" }, ["dropit:domain: must be a bare domain name"]],
    ["a bad email", { "dropit:acmeEmail": "admin" }, ["dropit:acmeEmail: must be an email address"]],
    [
        "a host name instead of an address",
        { "dropit:server": '{"host":"vps.example","hostKey":"' + HOST_KEY + '"}' },
        ["dropit:server.host: must be an IPv4 or IPv6 address", "pulumi config set --path 'dropit:server.host' 203.0.113.10"],
    ],
    [
        "root as the SSH user",
        { "dropit:server": '{"host":"203.0.113.10","user":"root","hostKey":"' + HOST_KEY + '"}' },
        ["dropit:server.user: must be a non-root sudo user"],
    ],
    [
        "a port out of range",
        { "dropit:server": '{"host":"203.0.113.10","port":70000,"hostKey":"' + HOST_KEY + '"}' },
        ["dropit:server.port: must be at most 65535"],
    ],
    [
        "a host key with its host name",
        { "dropit:server": '{"host":"203.0.113.10","hostKey":"vps ssh-ed25519 AAAA"}' },
        ["dropit:server.hostKey: must be `<algorithm> <base64>`"],
    ],
    [
        "a missing host key",
        { "dropit:server": '{"host":"203.0.113.10"}' },
        [
            "dropit:server.hostKey: is required: without it, remote commands accept any host key",
            "ssh-keyscan -t ed25519 <host>",
            "pulumi config set --path 'dropit:server.hostKey' \"$(ssh-keyscan -t ed25519 <host> 2>/dev/null | cut -d' ' -f2-)\"",
        ],
    ],
    [
        "an ssh-rsa host key",
        { "dropit:server": '{"host":"203.0.113.10","hostKey":"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ=="}' },
        ["dropit:server.hostKey: ssh-rsa host keys are refused", "ssh-keyscan -t ed25519 <host>"],
    ],
    [
        "a typo in a nested key",
        { "dropit:server": '{"host":"203.0.113.10","hots":"x","hostKey":"' + HOST_KEY + '"}' },
        ["dropit:server.hots: unknown key; did you mean `dropit:server.host`?"],
    ],
    [
        "an unknown top-level key",
        { "dropit:frobnicate": "1" },
        ["dropit:frobnicate: unknown key Remove it with `pulumi config rm 'dropit:frobnicate'`."],
    ],
    ["text where an object belongs", { "dropit:server": "203.0.113.10" }, ["dropit:server: must be an object"]],
    ["a TTL below Infomaniak's minimum", { "dropit:dns": '{"ttl":30}' }, ["dropit:dns.ttl: must be at least 60"]],
    ["an unknown DNS provider", { "dropit:dns": '{"provider":"cloudflare"}' }, ["dropit:dns.provider: must be `infomaniak` or `manual`"]],
    ["an unpinned Dokploy", { "dropit:dokploy": '{"version":"latest"}' }, ["dropit:dokploy.version: must be a pinned release tag"]],
    ["a relative health path", { "dropit:api": '{"healthPath":"api/health"}' }, ["dropit:api.healthPath: must be an absolute URL path"]],
    ["zero replicas", { "dropit:api": '{"replicas":0}' }, ["dropit:api.replicas: must be at least 1"]],
    [
        "a key that is not a private key",
        { "dropit:sshPrivateKey": "ssh-ed25519 AAAA public" },
        ["dropit:sshPrivateKey: must be a private key", "pulumi config set --secret dropit:sshPrivateKey < ~/.ssh/id_ed25519"],
    ],
    ["an empty Brevo key", { "dropit:brevoApiKey": " " }, ["dropit:brevoApiKey: must not be empty"]],
    [
        "a registry user without password",
        { "dropit:registry": '{"username":"bot"}' },
        ["dropit:registryPassword: registry credentials come in pairs"],
    ],
    [
        "a command in the registry user name",
        { "dropit:registry": '{"username":"bot$(touch /tmp/pwned)"}' },
        [
            "dropit:registry.username: must be a registry user name such as dropitbot",
            "pulumi config set --path 'dropit:registry.username' dropitbot",
        ],
    ],
    [
        "a URL as the registry server",
        { "dropit:registry": '{"server":"https://ghcr.io/x","username":"bot"}', "dropit:registryPassword": "t" },
        ["dropit:registry.server: must be a registry host such as docker.io"],
    ],
    [
        "a quote in the ACME email",
        { "dropit:acmeEmail": "o'brien@dropit-app.fr" },
        ["dropit:acmeEmail: must be an email address such as admin@dropit-app.fr"],
    ],
    [
        "a shell separator in the installer URL",
        { "dropit:dokploy": '{"installerUrl":"https://example.com/install.sh;reboot"}' },
        [
            "dropit:dokploy.installerUrl: must be an http(s) URL",
            "pulumi config set --path 'dropit:dokploy.installerUrl' https://github.com/",
        ],
    ],
    [
        "a second line in the backup schedule",
        { "dropit:postgres": '{"backups":{"schedule":"daily\\nExecStart=/bin/sh"}}' },
        ["dropit:postgres.backups.schedule: must be a systemd OnCalendar expression"],
    ],
    [
        "a zone that does not hold the domain",
        { "dropit:dns": '{"zone":"other.fr"}' },
        ["dropit:dns.zone: other.fr does not contain dropit-app.fr"],
    ],
];

test.each(cases)("%s is refused with a message naming the key and the fix", (_, change, expected) => {
    const raw = { ...valid(), ...change };
    for (const key of Object.keys(change)) if (change[key] === undefined) delete raw[key];
    const messages = problems(raw);
    expect(messages).toHaveLength(1);
    for (const fragment of expected) expect(messages[0]).toContain(fragment);
});

test("every problem is reported at once, one message each", () => {
    const messages = problems({ "dropit:domain": "x", "dropit:server": '{"host":"nope","port":"abc"}' });
    expect(messages.map((message) => message.split(":").slice(0, 2).join(":"))).toEqual([
        "dropit:domain",
        "dropit:acmeEmail",
        "dropit:server.host",
        "dropit:server.port",
        "dropit:server.hostKey",
        "dropit:sshPrivateKey",
        "dropit:app",
    ]);
});

test("demo seeding (a public password) is refused on the prod stack, allowed elsewhere", () => {
    const raw = { ...valid(), "dropit:api": '{"seedDemoData":true}' };
    expect(problems(raw, "prod")).toEqual([
        expect.stringContaining(
            "dropit:api.seedDemoData: demo accounts use a publicly known password and can never be seeded on stack `prod`",
        ),
    ]);
    expect(problems(raw, "staging")).toEqual([]);
});

test("the Infomaniak API mode needs a token, and the message names its scopes", () => {
    const messages = problems({ ...valid(), "dropit:dns": '{"provider":"infomaniak"}' });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/dropit:infomaniakToken.*dns:read.*dns:write/s);
    expect(problems({ ...valid(), "dropit:dns": '{"provider":"infomaniak"}', "dropit:infomaniakToken": "tok" })).toEqual([]);
});

test("no message ever contains a secret's value", () => {
    const raw = {
        ...valid(),
        "dropit:sshPrivateKey": "LEAKCANARY-not-a-key",
        "dropit:brevoApiKey": "",
        "dropit:registryPassword": "LEAKCANARY2",
    };
    const text = problems(raw).join("\n");
    expect(text).toContain("dropit:sshPrivateKey");
    expect(text).not.toContain("LEAKCANARY");
});

/** Leaves of a nested value, as dotted paths. */
function leaves(value: unknown, prefix: string[] = []): [string, unknown][] {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        return Object.entries(value).flatMap(([key, child]) => leaves(child, [...prefix, key]));
    }
    return [[prefix.join("."), value]];
}

test("Pulumi.prod.yaml keeps only the decisions that differ from the schema's defaults", () => {
    const stackFile = path.resolve(__dirname, "..", "..", "Pulumi.prod.yaml");
    const stack = parse(fs.readFileSync(stackFile, "utf8")) as { config: Record<string, unknown> };
    // What the schema gives when only the required values are set.
    const defaults = new Map(leaves(parseConfig(valid(), "prod")));
    const required = new Set(["domain", "acmeEmail", "server.host", "server.hostKey", "app.source"]);
    const restated = Object.entries(stack.config)
        .flatMap(([key, value]) => leaves(value, [key.replace(/^dropit:/, "")]))
        .filter(([leaf, value]) => !required.has(leaf) && JSON.stringify(defaults.get(leaf)) === JSON.stringify(value))
        .map(([leaf]) => leaf);
    expect(restated).toEqual([]);
});

test("one pinned Dokploy release: the schema's default is what the configuration reference states, and it ships its own install.sh", () => {
    const root = path.resolve(__dirname, "..", "..");
    const version = parseConfig(valid(), "prod").dokploy.version;
    expect(fs.readFileSync(path.join(root, "docs", "configuration.md"), "utf8")).toContain(
        `| \`dropit:dokploy.version\` | string | \`${version}\` |`,
    );
    // The default installerUrl is <release>/install.sh; Dokploy attaches that asset to its
    // releases from v0.29.11 on (older tags have none, so the download would fail).
    const [major, minor, patch] = version.slice(1).split(".").map(Number);
    expect(major > 0 || minor > 29 || (minor === 29 && patch >= 11)).toBe(true);
});

test("swarm.endpointMode accepts vip (the default) and dnsrr, and names both when refusing another value", () => {
    expect(parseConfig(valid(), "prod").swarm.endpointMode).toBe("vip");
    expect(parseConfig({ ...valid(), "dropit:swarm": JSON.stringify({ endpointMode: "dnsrr" }) }, "prod").swarm.endpointMode).toBe("dnsrr");
    expect(problems({ ...valid(), "dropit:swarm": JSON.stringify({ endpointMode: "ingress" }) })).toEqual([
        expect.stringMatching(/swarm\.endpointMode.*`vip`.*`dnsrr`/),
    ]);
});

test("dns.nameservers replaces the zone's NS records in the wait, and an empty list is refused", () => {
    const config = parseConfig({ ...valid(), "dropit:dns": JSON.stringify({ nameservers: ["10.0.0.53", "10.0.0.54:5353"] }) }, "prod");
    expect(config.dns.nameservers).toEqual(["10.0.0.53", "10.0.0.54:5353"]);
    expect(parseConfig(valid(), "prod").dns.nameservers).toBeUndefined();
    expect(problems({ ...valid(), "dropit:dns": JSON.stringify({ nameservers: [] }) })).toEqual([
        expect.stringMatching(/dns\.nameservers.*at least one name server/),
    ]);
});

test("app.webDockerfile picks this repository's web Dockerfile or the checkout's, like app.dockerfile for the API", () => {
    expect(parseConfig(valid(), "prod").app.webDockerfile).toBe("reference");
    const app = (extra: Record<string, string>) => ({ ...valid(), "dropit:app": JSON.stringify({ source: "../dropit", ...extra }) });
    expect(parseConfig(app({ webDockerfile: "app" }), "prod").app.webDockerfile).toBe("app");
    expect(problems(app({ webDockerfile: "docker/web.Dockerfile" }))).toEqual([
        expect.stringMatching(/app\.webDockerfile.*`reference`.*`app`/),
    ]);
});
