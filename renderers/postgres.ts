/**
 * PostgreSQL text: the init SQL run by the image's entrypoint on an empty data directory, and
 * the server flags. The deployment guide sets its settings with `ALTER SYSTEM`, which lands in
 * postgresql.auto.conf inside the volume, where nobody reviews it; command-line flags are part
 * of the service spec instead, so a change is visible in `pulumi preview` and converges.
 * Tested against a real server in tests/renderers/postgres.test.ts.
 */

const EXTENSION_NAME = /^[a-z0-9_-]{1,63}$/;
const SETTING_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Plain words, numbers and sizes (`200`, `256MB`, `0.9`, `on`): nothing a shell or SQL reads twice. */
const SETTING_VALUE = /^[A-Za-z0-9_.]{1,64}$/;

/**
 * Settings that run commands or move the server's files. They are not tuning, and a typo in them
 * breaks or exposes the database, so they are refused rather than passed through.
 */
const REFUSED_SETTINGS: ReadonlySet<string> = new Set([
    "archive_command",
    "restore_command",
    "archive_cleanup_command",
    "recovery_end_command",
    "ssl_passphrase_command",
    "data_directory",
    "config_file",
    "hba_file",
    "ident_file",
    "external_pid_file",
    "shared_preload_libraries",
    "local_preload_libraries",
    "session_preload_libraries",
    "dynamic_library_path",
]);

/** A double-quoted SQL identifier; `"` is doubled even though the name check already excludes it. */
function quoteIdentifier(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
}

export function renderInitSql(extensions: readonly string[]): string {
    const unique = [...new Set(extensions)];
    for (const name of unique) {
        if (!EXTENSION_NAME.test(name)) {
            throw new Error(`renderInitSql: extension name ${JSON.stringify(name)} must be lowercase letters, digits, '_' or '-'`);
        }
    }
    const lines = unique.map((name) => `CREATE EXTENSION IF NOT EXISTS ${quoteIdentifier(name)};`);
    return ["-- Rendered by dropit-infra (renderers/postgres.ts). Idempotent.", ...lines, ""].join("\n");
}

function renderValue(name: string, value: string | number): string {
    if (typeof value === "number") {
        if (!Number.isFinite(value) || value < 0) {
            throw new Error(`renderServerArgs: ${name} must be a finite, non-negative number, got ${value}`);
        }
        return String(value);
    }
    if (!SETTING_VALUE.test(value)) {
        throw new Error(`renderServerArgs: ${name} value ${JSON.stringify(value)} must be a plain word or size such as 256MB`);
    }
    return value;
}

/** `["postgres", "-c", "name=value", ...]`, keys sorted so the service spec is deterministic. */
export function renderServerArgs(settings: Readonly<Record<string, string | number>>): string[] {
    const args = ["postgres"];
    for (const name of Object.keys(settings).sort()) {
        if (!SETTING_NAME.test(name)) {
            throw new Error(`renderServerArgs: ${JSON.stringify(name)} is not a PostgreSQL parameter name such as max_connections`);
        }
        if (REFUSED_SETTINGS.has(name)) {
            throw new Error(`renderServerArgs: ${name} is not a tuning setting and is refused (it runs commands or moves files)`);
        }
        args.push("-c", `${name}=${renderValue(name, settings[name] as string | number)}`);
    }
    return args;
}
