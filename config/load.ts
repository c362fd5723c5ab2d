/**
 * Reads the raw `dropit:*` values (as Pulumi hands them over: text, objects as JSON) into a
 * validated, defaulted configuration. Pure: no Pulumi runtime, so tests and the plan share it.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { ConfigError, describeIssues, keyName } from "./errors";
import { budgetProblems, memoryBudget } from "./memoryBudget";
import { imageDeliveryProblems } from "./imageDelivery";
import { nodeProblems } from "./nodes";
import { SFTP_REPOSITORY } from "./offsiteRules";
import { configSchema, DropitConfig, SCALAR_KEYS } from "./schema";

export { ConfigError } from "./errors";
export type { DropitConfig } from "./schema";

const NAMESPACE = "dropit:";

/** Stacks on which demo accounts with a public password must never be seeded. */
const PRODUCTION_STACKS = new Set(["prod", "production"]);

/** `raw` maps full keys (`dropit:domain`) to text as Pulumi stores it; other namespaces are ignored. */
export function parseConfig(raw: Readonly<Record<string, string>>, stack: string): DropitConfig {
    const problems: string[] = [];
    const values: Record<string, unknown> = {};
    const unreadable = new Set<string>();
    for (const [fullKey, text] of Object.entries(raw)) {
        if (!fullKey.startsWith(NAMESPACE)) continue;
        const key = fullKey.slice(NAMESPACE.length);
        if (SCALAR_KEYS.has(key)) {
            values[key] = text;
            continue;
        }
        const object = parseObject(key, text);
        if (object.ok) values[key] = object.value;
        else {
            unreadable.add(key);
            problems.push(object.problem);
        }
    }
    const parsed = configSchema.safeParse(values);
    if (!parsed.success) {
        const issues = parsed.error.issues.filter((issue) => !unreadable.has(String(issue.path[0])));
        problems.push(...describeIssues(issues, knownKeysAt));
    }
    if (problems.length > 0) throw new ConfigError(problems);
    const config = parsed.data as DropitConfig;
    const crossProblems = crossFieldProblems(config, stack);
    if (crossProblems.length > 0) throw new ConfigError(crossProblems);
    return config;
}

function parseObject(key: string, text: string): { ok: true; value: unknown } | { ok: false; problem: string } {
    try {
        return { ok: true, value: JSON.parse(text) };
    } catch {
        return {
            ok: false,
            problem:
                `${keyName([key])}: must be an object, not the text ${JSON.stringify(text.slice(0, 40))}. ` +
                `Fix: set its fields with \`pulumi config set --path 'dropit:${key}.<field>' <value>\`.`,
        };
    }
}

/** Rules that involve more than one key or the stack name. */
function crossFieldProblems(config: DropitConfig, stack: string): string[] {
    const problems: string[] = [];
    if (config.api.seedDemoData && PRODUCTION_STACKS.has(stack)) {
        problems.push(
            `${keyName(["api", "seedDemoData"])}: demo accounts use a publicly known password and can never be seeded on stack \`${stack}\`. ` +
                "Fix: `pulumi config rm --path 'dropit:api.seedDemoData'` (seed only on a throw-away stack).",
        );
    }
    if (config.dns.provider === "infomaniak" && !config.infomaniakToken) {
        problems.push(
            `${keyName(["infomaniakToken"])}: is required when dropit:dns.provider is infomaniak (the records are created through Infomaniak's API). ` +
                "Fix: create a token with the scopes dns:read and dns:write in the Infomaniak manager (API tokens), then " +
                "`pulumi config set --secret dropit:infomaniakToken` (it prompts for the token); or `pulumi config set --path 'dropit:dns.provider' manual`.",
        );
    }
    if (Boolean(config.registry.username) !== Boolean(config.registryPassword)) {
        const missing = config.registry.username ? "registryPassword" : "registry.username";
        problems.push(
            `${keyName(missing.split("."))}: registry credentials come in pairs (registry.username and registryPassword). ` +
                "Fix: set both (`pulumi config set --path 'dropit:registry.username' <user>` and " +
                "`pulumi config set --secret dropit:registryPassword`, which prompts) or remove both.",
        );
    }
    if (config.server.ipv6 && config.server.host.includes(":")) {
        problems.push(
            `${keyName(["server", "ipv6"])}: server.host is already an IPv6 address (${config.server.host}) and gets the AAAA records; ` +
                "server.ipv6 adds AAAA records beside the A records of an IPv4 host. " +
                "Fix: `pulumi config rm --path 'dropit:server.ipv6'`, or set dropit:server.host to the server's IPv4 address and keep server.ipv6.",
        );
    }
    if (config.dns.zone && config.domain !== config.dns.zone && !config.domain.endsWith(`.${config.dns.zone}`)) {
        problems.push(
            `${keyName(["dns", "zone"])}: ${config.dns.zone} does not contain ${config.domain}. ` +
                "Fix: set it to the zone that holds the domain, or remove it to use the domain itself.",
        );
    }
    if (config.dokploy.apiKey && !config.monitoring.alertUrl) {
        problems.push(
            `${keyName(["monitoring", "alertUrl"])}: is required when dropit:dokploy.apiKey is set (Dokploy's notifications are sent to it). ` +
                "Fix: `pulumi config set --secret --path 'dropit:monitoring.alertUrl'` (it prompts), or `pulumi config rm --path 'dropit:dokploy.apiKey'`.",
        );
    }
    if (
        config.dokploy.apiKey &&
        config.monitoring.alertFormat === "ntfy" &&
        config.dokploy.notifications.events.includes("serverThreshold")
    ) {
        problems.push(
            `${keyName(["dokploy", "notifications", "events"])}: serverThreshold cannot go to an ntfy channel (Dokploy's ntfy notifications do not carry it). ` +
                "Fix: remove it from the list, or `pulumi config set --path 'dropit:monitoring.alertFormat' json` (a custom webhook).",
        );
    }
    problems.push(...imageDeliveryProblems(config));
    problems.push(...offsiteProblems(config));
    problems.push(...budgetProblems(memoryBudget(config)));
    problems.push(...nodeProblems(config));
    return problems;
}

/** Offsite backups: what each repository kind needs, and what only makes sense with one. */
function offsiteProblems(config: DropitConfig): string[] {
    const problems: string[] = [];
    const { backups } = config.postgres;
    const offsite = backups.offsite;
    const key = (...path: string[]) => keyName(["postgres", "backups", ...path]);
    if (offsite && !backups.enabled) {
        problems.push(
            `${key("offsite")}: copies the local dumps, which dropit:postgres.backups.enabled false turns off. ` +
                "Fix: `pulumi config set --path 'dropit:postgres.backups.enabled' true` or remove postgres.backups.offsite.",
        );
    }
    if (backups.restoreFrom && !offsite) {
        problems.push(
            `${key("restoreFrom")}: restores from the offsite repository, and none is configured. ` +
                "Fix: `pulumi config set --path 'dropit:postgres.backups.offsite.repository' <repository>` (and its credentials) or remove restoreFrom.",
        );
    }
    for (const secret of ["offsiteCredentials", "offsiteSshKey", "offsitePassword"] as const) {
        if (config[secret] && !offsite) {
            problems.push(
                `${keyName([secret])}: is set but no offsite repository is configured. ` +
                    `Fix: set dropit:postgres.backups.offsite.repository, or \`pulumi config rm dropit:${secret}\`.`,
            );
        }
    }
    if (config.backupPingUrl && !backups.enabled) {
        problems.push(
            `${keyName(["backupPingUrl"])}: is pinged by backup runs, which dropit:postgres.backups.enabled false turns off. ` +
                "Fix: enable backups or `pulumi config rm dropit:backupPingUrl`.",
        );
    }
    if (offsite?.repository.startsWith("sftp:")) {
        if (!SFTP_REPOSITORY.test(offsite.repository)) {
            problems.push(
                `${key("offsite", "repository")}: an sftp: repository is sftp:user@host:/path or sftp://user@host:port//path. ` +
                    "Fix: `pulumi config set --path 'dropit:postgres.backups.offsite.repository' sftp:backup@backup.example.net:/srv/dropit`.",
            );
        }
        if (!offsite.sftpHostKey) {
            problems.push(
                `${key("offsite", "sftpHostKey")}: is required for an sftp: repository (without it the VPS would trust any server). ` +
                    "Fix: `pulumi config set --path 'dropit:postgres.backups.offsite.sftpHostKey' \"$(ssh-keyscan -t ed25519 <host> 2>/dev/null | cut -d' ' -f2-)\"`.",
            );
        }
        if (!config.offsiteSshKey) {
            problems.push(
                `${keyName(["offsiteSshKey"])}: is required for an sftp: repository (the key the VPS logs in with). ` +
                    "Fix: `pulumi config set --secret dropit:offsiteSshKey < offsite_ed25519`.",
            );
        }
    } else if (offsite && config.offsiteSshKey) {
        problems.push(`${keyName(["offsiteSshKey"])}: only an sftp: repository uses it. Fix: \`pulumi config rm dropit:offsiteSshKey\`.`);
    }
    return problems;
}

/** The directory the images are built from, checked before anything is registered. */
export function resolveAppSource(config: DropitConfig, projectDir: string): string {
    const source = path.resolve(projectDir, config.app.source);
    const marker = path.join(source, "pnpm-workspace.yaml");
    if (!fs.existsSync(marker)) {
        throw new ConfigError([
            `${keyName(["app", "source"])}: ${config.app.source} is not a DropIt checkout (no pnpm-workspace.yaml at ${source}). ` +
                `Fix: \`git clone https://github.com/Netsbump/dropit.git ${config.app.source}\` or point it at your checkout.`,
        ]);
    }
    return source;
}

/** Field names allowed at `path`, for "did you mean" suggestions. */
function knownKeysAt(objectPath: readonly PropertyKey[]): string[] {
    let node: z.ZodType = configSchema;
    for (const segment of objectPath) {
        const shape = objectShape(node);
        if (!shape || !(String(segment) in shape)) return [];
        node = shape[String(segment)];
    }
    return Object.keys(objectShape(node) ?? {});
}

function objectShape(node: z.ZodType): Record<string, z.ZodType> | undefined {
    let current: z.ZodType = node;
    // Unwrap defaults and optionals down to the object, if there is one.
    for (let depth = 0; depth < 5; depth++) {
        if (current instanceof z.ZodObject) return current.shape;
        if (current instanceof z.ZodPrefault || current instanceof z.ZodDefault || current instanceof z.ZodOptional) {
            current = current.unwrap() as z.ZodType;
        } else {
            return undefined;
        }
    }
    return undefined;
}
