/**
 * parseConfig over arbitrary stack files: it fails only with ConfigError, and no message ever
 * carries a secret's value, whatever else is wrong.
 */
import fc from "fast-check";
import { ConfigError, parseConfig } from "../../config/load";
import { SECRET_KEYS } from "../../config/schema";

const CANARY = "CANARY7x";
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ0ZXN0aG9zdGtleXRlc3Rob3N0a2V5dGVzdGhvc3Q=";
const base: Record<string, string> = {
    "dropit:domain": "dropit-app.fr",
    "dropit:acmeEmail": "admin@dropit-app.fr",
    "dropit:server": JSON.stringify({ host: "203.0.113.10", hostKey: HOST_KEY }),
    "dropit:app": JSON.stringify({ source: "../dropit" }),
};
const KEYS = [
    "domain",
    "acmeEmail",
    "server",
    "dns",
    "dokploy",
    "firewall",
    "registry",
    "app",
    "postgres",
    "api",
    "web",
    "redis",
    "typesense",
    "subdomains",
    "unknownKey",
];
const FIELDS = [
    "host",
    "hostKey",
    "port",
    "user",
    "ipv6",
    "provider",
    "ttl",
    "zone",
    "version",
    "settings",
    "backups",
    "schedule",
    "keepCount",
    "enabled",
    "replicas",
    "healthPath",
    "username",
    "source",
    "typo",
];

const leaf = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.string().map((text) => `NOT-SECRET${text}`),
);
const value: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc.array(tie("node"), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom(...FIELDS), tie("node"), { maxKeys: 4 }),
    ),
})).node;
/** Text as Pulumi hands it over: JSON of anything, or plain text. */
const text = fc.oneof(
    value.map((v) => JSON.stringify(v) ?? "null"),
    fc.string(),
);
const secret = fc.oneof(
    fc.string().map((rest) => `${CANARY}${rest}`),
    fc.constant(`-----BEGIN OPENSSH PRIVATE KEY-----\n${CANARY}\n-----END OPENSSH PRIVATE KEY-----`),
    fc.constant(""),
);

test("arbitrary configuration fails only with ConfigError, and never echoes a secret", () => {
    fc.assert(
        fc.property(
            fc.dictionary(
                fc.constantFrom(...KEYS).map((key) => `dropit:${key}`),
                text,
                { maxKeys: 5 },
            ),
            fc.dictionary(
                fc.constantFrom(...SECRET_KEYS).map((key) => `dropit:${key}`),
                secret,
            ),
            fc.boolean(),
            fc.constantFrom("dev", "prod"),
            (noise, secrets, withBase, stack) => {
                const raw = { ...(withBase ? base : {}), ...noise, ...secrets };
                try {
                    parseConfig(raw, stack);
                } catch (error) {
                    expect(error).toBeInstanceOf(ConfigError);
                    // Only secret keys carry the canary, so it must appear nowhere.
                    expect((error as ConfigError).message).not.toContain(CANARY);
                }
            },
        ),
        { numRuns: 300 },
    );
});
