/** Turns validation problems into messages a user can act on: key, what is wrong, how to fix it. */
import { closest, distance } from "fastest-levenshtein";
import type { z } from "zod";
import { SCALAR_KEYS, SECRET_KEYS, SECRET_PATHS } from "./schema";

export class ConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(
            `Invalid dropit configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((problem) => `  - ${problem}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** Example values shown in fix commands; secrets are never shown, only how to set them. */
const EXAMPLES: Record<string, string> = {
    domain: "dropit-app.fr",
    acmeEmail: "admin@dropit-app.fr",
    "server.host": "203.0.113.10",
    "server.user": "deploy",
    "server.port": "22",
    "server.hostKey": "\"$(ssh-keyscan -t ed25519 <host> 2>/dev/null | cut -d' ' -f2-)\"",
    "app.source": "../dropit",
    "dns.provider": "manual",
    "dns.ttl": "300",
    "dns.adoptExisting": "true",
    "dns.caa": "true",
    "dns.propagationTimeoutSeconds": "600",
    "dns.propagationPollSeconds": "10",
    "dns.publicResolver": "1.1.1.1",
    "server.ipv6": "2001:db8::10",
    "dokploy.version": "v0.30.2",
    "api.healthPath": "/api",
    "dokploy.dockerVersion": "28.5.0",
    "dokploy.installerUrl": "https://github.com/Dokploy/dokploy/releases/download/v0.29.2/install.sh",
    "dokploy.adminEmail": "admin@dropit-app.fr",
    "registry.server": "docker.io",
    "registry.username": "dropitbot",
    "postgres.backups.schedule": "'*-*-* 03:15:00'",
    "postgres.backups.directory": "/var/backups/dropit/postgres",
};

/** Where an absent object should be started from. */
const REQUIRED_LEAF: Record<string, string> = { server: "server.host", app: "app.source" };

/** Without a value on the command line, `pulumi config set` prompts: a secret stays out of shell history. */
const SECRET_SOURCES: Record<string, string> = {
    sshPrivateKey: "pulumi config set --secret dropit:sshPrivateKey < ~/.ssh/id_ed25519",
    infomaniakToken: "pulumi config set --secret dropit:infomaniakToken",
    brevoApiKey: "pulumi config set --secret dropit:brevoApiKey",
    registryPassword: "pulumi config set --secret dropit:registryPassword",
    offsiteCredentials: "pulumi config set --secret dropit:offsiteCredentials < offsite-credentials.env",
    offsiteSshKey: "pulumi config set --secret dropit:offsiteSshKey < offsite_ed25519",
    offsitePassword: "pulumi config set --secret dropit:offsitePassword",
    backupPingUrl: "pulumi config set --secret dropit:backupPingUrl",
};

export function keyName(path: readonly PropertyKey[]): string {
    return `dropit:${path.map(String).join(".")}`;
}

/** The command that sets the value at `path`. */
export function fixCommand(path: readonly PropertyKey[]): string {
    const dotted = path.map(String).join(".");
    const top = String(path[0]);
    if ((SECRET_KEYS as readonly string[]).includes(top)) return SECRET_SOURCES[top];
    if ((SECRET_PATHS as readonly string[]).includes(dotted)) return `pulumi config set --secret --path 'dropit:${dotted}'`;
    const leaf = path.length === 1 && REQUIRED_LEAF[top] ? REQUIRED_LEAF[top] : dotted;
    const example = EXAMPLES[leaf] ?? "<value>";
    return SCALAR_KEYS.has(top) ? `pulumi config set dropit:${leaf} ${example}` : `pulumi config set --path 'dropit:${leaf}' ${example}`;
}

export function describeIssues(issues: readonly z.core.$ZodIssue[], knownKeys: (path: readonly PropertyKey[]) => string[]): string[] {
    return issues.flatMap((issue) => {
        if (issue.code === "unrecognized_keys") {
            return issue.keys.map((key) => {
                const path = [...issue.path, key];
                const known = knownKeys(issue.path);
                const nearest = known.length > 0 ? closest(key, known) : undefined;
                // Only a near miss (a typo) is worth suggesting.
                const suggestion = nearest && distance(key, nearest) <= Math.max(2, Math.floor(key.length / 3)) ? nearest : undefined;
                const didYouMean = suggestion ? `; did you mean \`${keyName([...issue.path, suggestion])}\`?` : "";
                return `${keyName(path)}: unknown key${didYouMean} Remove it with \`pulumi config rm ${issue.path.length ? "--path " : ""}'${keyName(path)}'\`.`;
            });
        }
        return [`${keyName(issue.path)}: ${issue.message}. Fix: \`${fixCommand(issue.path)}\`.`];
    });
}
