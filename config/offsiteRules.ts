/**
 * Bounds and shapes of the offsite backup settings (dropit:postgres.backups.offsite,
 * dropit:offsiteCredentials, dropit:backupPingUrl), checked by the schema and by
 * renderers/offsite.ts. Beside config/rules.ts rather than in it: the dynamic providers import
 * rules.ts and serialize the whole module into the state, and these rules are none of theirs.
 */
import type { Bounds } from "./rules";

/** Snapshots kept offsite per period by `restic forget` (0: none kept for that period). */
export const RESTIC_KEEP: Bounds = { min: 0, max: 1000 };
/** `restic forget --keep-last`: at least the newest snapshot always stays. */
export const RESTIC_KEEP_LAST: Bounds = { min: 1, max: 1000 };
/**
 * A restic repository as `restic -r` takes it, for the backends the VPS can reach without extra
 * software: `s3:`, `sftp:`, `rest:`, `b2:`, `azure:`, `gs:`, `swift:`. Plain characters only: it
 * lands in a 0600 env file and in restic's own parsing. Credentials never sit in it (they are
 * secret configuration), so a `user:password@` part is refused.
 */
export const RESTIC_REPOSITORY = /^(s3|sftp|rest|b2|azure|gs|swift):[A-Za-z0-9_./:@%+,=~-]+$/;
export const URL_WITH_PASSWORD = /^[a-z0-9]+:[a-z]+:\/\/[^/@]*:[^/@]*@/;
/** `sftp:user@host:/path` or `sftp://user@host:port//path` (restic's two spellings). */
export const SFTP_REPOSITORY =
    /^sftp:(?:\/\/)?([a-z_][a-z0-9_-]{0,31})@([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::([0-9]{1,5}))?(?::|\/)(\/?[A-Za-z0-9_./-]*)$/;
/** `restoreFrom`: `latest` or a restic snapshot id (8 to 64 hex digits). */
export const RESTIC_SNAPSHOT = /^(latest|[0-9a-f]{8,64})$/;
/** `restic check --read-data-subset`: a whole percentage from 1% to 100%. */
export const RESTIC_CHECK_SUBSET = /^([1-9][0-9]?|100)%$/;
/**
 * A healthchecks.io-style ping URL: https, no whitespace, quote or backslash (it is written into
 * curl's config as a quoted string, never on argv), no trailing slash (`/start`, `/fail` are appended).
 */
export const PING_URL = /^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9._~!$&()*+,;=:@%/-]*)?(?<!\/)$/;
/**
 * Environment variables the offsite credentials may set: those restic's backends read, and
 * REST_USERNAME / REST_PASSWORD, which the program puts into a `rest:` URL (restic 0.14 reads
 * no variable for them).
 */
export const OFFSITE_CREDENTIAL_NAMES: ReadonlySet<string> = new Set([
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "RESTIC_AWS_ASSUME_ROLE_ARN",
    "B2_ACCOUNT_ID",
    "B2_ACCOUNT_KEY",
    "AZURE_ACCOUNT_NAME",
    "AZURE_ACCOUNT_KEY",
    "AZURE_ACCOUNT_SAS",
    "GOOGLE_PROJECT_ID",
    "OS_AUTH_URL",
    "OS_REGION_NAME",
    "OS_USERNAME",
    "OS_USER_ID",
    "OS_PASSWORD",
    "OS_TENANT_ID",
    "OS_TENANT_NAME",
    "OS_USER_DOMAIN_NAME",
    "OS_USER_DOMAIN_ID",
    "OS_PROJECT_NAME",
    "OS_PROJECT_DOMAIN_NAME",
    "OS_PROJECT_DOMAIN_ID",
    "OS_APPLICATION_CREDENTIAL_ID",
    "OS_APPLICATION_CREDENTIAL_NAME",
    "OS_APPLICATION_CREDENTIAL_SECRET",
    "ST_AUTH",
    "ST_USER",
    "ST_KEY",
    "REST_USERNAME",
    "REST_PASSWORD",
]);
/** Longest an offsite restic call may run before it is killed and the run fails, in minutes. */
export const OFFSITE_TIMEOUT_MINUTES: Bounds = { min: 1, max: 1440 };
/** Age of the newest offsite snapshot, in hours, above which `npm run smoke` fails. */
export const BACKUP_MAX_AGE_HOURS: Bounds = { min: 1, max: 8760 };
/**
 * `dropit:offsiteCredentials` as `NAME=value` lines (blank lines and `#` comments ignored), the
 * form of an env file a backend's console gives. Returns the pairs, or what is wrong without
 * echoing a value (the text is a secret).
 */
export function parseCredentialLines(text: string): { ok: true; pairs: [string, string][] } | { ok: false; problem: string } {
    const pairs: [string, string][] = [];
    const lines = text.split(/\r?\n/);
    for (const [index, raw] of lines.entries()) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) continue;
        const equals = line.indexOf("=");
        const name = equals > 0 ? line.slice(0, equals).trim() : "";
        if (!/^[A-Z][A-Z0-9_]*$/.test(name)) return { ok: false, problem: `line ${index + 1} is not NAME=value` };
        if (!OFFSITE_CREDENTIAL_NAMES.has(name))
            return {
                ok: false,
                problem: `line ${index + 1}: ${name} is not a credential variable restic reads (such as AWS_ACCESS_KEY_ID)`,
            };
        const value = line.slice(equals + 1).trim();
        if (value === "") return { ok: false, problem: `line ${index + 1}: ${name} has no value` };
        if (pairs.some(([seen]) => seen === name)) return { ok: false, problem: `line ${index + 1}: ${name} is set twice` };
        pairs.push([name, value]);
    }
    if (pairs.length === 0) return { ok: false, problem: "holds no NAME=value line" };
    return { ok: true, pairs };
}
