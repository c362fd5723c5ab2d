/**
 * The API's environment: exactly the names the DropIt API reads (its source in
 * https://github.com/Netsbump/dropit, apps/api), nothing from its outdated docs (DATABASE_HOST, BETTER_AUTH_TRUSTED_ORIGINS, API_URL).
 *
 * `Secret` is the type of the secret values (a Pulumi secret output in the program): they are
 * placed as they are, one variable each, so only they are secret and every other value and
 * every name stays visible in a preview.
 */

export interface ApiEnvironmentInputs<Secret = string> {
    port: number;
    webOrigin: string;
    apiOrigin: string;
    database: { host: string; port: number; user: string; password: Secret; name: string };
    betterAuthSecret: Secret;
    brevo?: { apiKey: Secret; fromEmail?: string; fromName?: string };
    seedDemoData: boolean;
}

export function renderApiEnvironment<Secret = string>(inputs: ApiEnvironmentInputs<Secret>): Record<string, string | Secret> {
    const env: Record<string, string | Secret> = {
        API_PORT: String(inputs.port),
        NODE_ENV: "production",
        APP_URL: inputs.webOrigin,
        DB_HOST: inputs.database.host,
        DB_PORT: String(inputs.database.port),
        DB_USER: inputs.database.user,
        DB_PASSWORD: inputs.database.password,
        DB_NAME: inputs.database.name,
        BETTER_AUTH_SECRET: inputs.betterAuthSecret,
        BETTER_AUTH_URL: inputs.apiOrigin,
        // The app splits on "," without trimming: no spaces.
        TRUSTED_ORIGINS: [inputs.webOrigin].join(","),
    };
    if (inputs.brevo) {
        env.BREVO_API_KEY = inputs.brevo.apiKey;
        if (inputs.brevo.fromEmail) env.BREVO_FROM_EMAIL = inputs.brevo.fromEmail;
        if (inputs.brevo.fromName) env.BREVO_FROM_NAME = inputs.brevo.fromName;
    }
    if (inputs.seedDemoData) env.SEED_DB = "true";
    return env;
}

/** better-auth builds `postgresql://user:pass@host/db` without encoding: the password must not need it. */
export function assertUrlSafe(password: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(password)) {
        throw new Error("the database password must be URL-safe (letters, digits, - and _): the API concatenates it into a URL unencoded");
    }
    return password;
}
