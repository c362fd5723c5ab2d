/**
 * PostgreSQL text: the init SQL run by the image's entrypoint on an empty data directory, and
 * the server flags. The deployment guide sets its settings with `ALTER SYSTEM`, which lands in
 * postgresql.auto.conf inside the volume, where nobody reviews it; command-line flags are part
 * of the service spec instead, so a change is visible in `pulumi preview` and converges.
 * Tested against a real server in tests/renderers/postgres.test.ts.
 */
import { PG_EXTENSION_NAME, PG_REFUSED_SETTINGS, PG_SETTING_NAME, PG_SETTING_VALUE } from "../config/rules";

/** A double-quoted SQL identifier; `"` is doubled even though the name check already excludes it. */
function quoteIdentifier(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
}

export function renderInitSql(extensions: readonly string[]): string {
    const unique = [...new Set(extensions)];
    for (const name of unique) {
        if (!PG_EXTENSION_NAME.test(name)) {
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
    if (!PG_SETTING_VALUE.test(value)) {
        throw new Error(`renderServerArgs: ${name} value ${JSON.stringify(value)} must be a plain word or size such as 256MB`);
    }
    return value;
}

/** `["postgres", "-c", "name=value", ...]`, keys sorted so the service spec is deterministic. */
export function renderServerArgs(settings: Readonly<Record<string, string | number>>): string[] {
    const args = ["postgres"];
    for (const name of Object.keys(settings).sort()) {
        if (!PG_SETTING_NAME.test(name)) {
            throw new Error(`renderServerArgs: ${JSON.stringify(name)} is not a PostgreSQL parameter name such as max_connections`);
        }
        if (PG_REFUSED_SETTINGS.has(name)) {
            throw new Error(`renderServerArgs: ${name} is not a tuning setting and is refused (it runs commands or moves files)`);
        }
        args.push("-c", `${name}=${renderValue(name, settings[name])}`);
    }
    return args;
}
