/**
 * One home per rule (config/rules.ts): for any value, the schema accepts it exactly when the code
 * that consumes it does. A bound restated somewhere, and drifted, fails here.
 */
import fc from "fast-check";
import { configSchema } from "../../config/schema";
import { createPropagationProvider } from "../../providers/dnsPropagation/propagationProvider";
import { createDnsRecordProvider } from "../../providers/infomaniak/recordProvider";
import { renderBackupEnv, renderBackupSchedule } from "../../renderers/backup";
import { renderInitSql, renderServerArgs } from "../../renderers/postgres";

const { dns, postgres } = configSchema.shape;
const accepts = (schema: { safeParse(value: unknown): { success: boolean } }, value: unknown) => schema.safeParse(value).success;
const runs = (work: () => unknown) => {
    try {
        work();
        return true;
    } catch {
        return false;
    }
};
const number = fc.oneof(fc.integer({ min: -10, max: 100_000 }), fc.double({ min: -10, max: 5000, noNaN: true }));

test("DNS TTL: the schema and the Infomaniak record provider agree", async () => {
    const provider = createDnsRecordProvider();
    await fc.assert(
        fc.asyncProperty(number, async (ttl) => {
            const news = {
                zone: "example.fr",
                source: "@",
                type: "A",
                target: "203.0.113.10",
                ttl,
                token: "t",
                apiUrl: "http://127.0.0.1:1",
                adopt: false,
                providerVersion: "1",
            };
            // Same identity as before: the provider checks its inputs without calling the API.
            const failures = (await provider.check!(news, news)).failures ?? [];
            expect(accepts(dns, { ttl })).toBe(!failures.some((failure) => failure.property === "ttl"));
        }),
    );
});

test("propagation wait: the schema and the propagation provider agree", async () => {
    const provider = createPropagationProvider(() => undefined);
    await fc.assert(
        fc.asyncProperty(number, number, async (timeoutSeconds, pollSeconds) => {
            const news = {
                zone: "example.fr",
                names: [],
                nameservers: [],
                publicResolver: "",
                timeoutSeconds,
                pollSeconds,
                instructions: "",
                providerVersion: "1",
            };
            const failures = (await provider.check!(news, news)).failures ?? [];
            expect(accepts(dns, { propagationTimeoutSeconds: timeoutSeconds })).toBe(
                !failures.some((failure) => failure.property === "timeoutSeconds"),
            );
            expect(accepts(dns, { propagationPollSeconds: pollSeconds })).toBe(
                !failures.some((failure) => failure.property === "pollSeconds"),
            );
        }),
    );
});

const word = (chars: string, maxLength = 70) => fc.string({ unit: fc.constantFrom(...chars.split("")), maxLength });

test("PostgreSQL settings and extensions: the schema and renderers/postgres.ts agree", () => {
    const name = fc.oneof(word("abz_09-A", 70), fc.constantFrom("archive_command", "shared_preload_libraries", "max_connections"));
    const settingValue = fc.oneof(word("aZ09_.-$ ", 70), fc.double({ min: -5, max: 1e6, noNaN: true }), fc.integer());
    fc.assert(
        fc.property(name, settingValue, (setting, value) => {
            expect(accepts(postgres, { settings: { [setting]: value } })).toBe(runs(() => renderServerArgs({ [setting]: value })));
        }),
        { numRuns: 300 },
    );
    fc.assert(
        fc.property(word('abz_09-A."', 70), (extension) => {
            expect(accepts(postgres, { extensions: [extension] })).toBe(runs(() => renderInitSql([extension])));
        }),
        { numRuns: 300 },
    );
});

test("backups: the schema and renderers/backup.ts agree on retention and schedule", () => {
    fc.assert(
        fc.property(number, number, (keepCount, keepDays) => {
            const rendered = runs(() =>
                renderBackupEnv({ database: "dropit", user: "dropit", backupDir: "/var/backups/x", keepCount, keepDays }),
            );
            expect(accepts(postgres, { backups: { keepCount, keepDays } })).toBe(rendered);
        }),
    );
    fc.assert(
        fc.property(word("*-: 0123456789MonFri.\n/,~", 40), (schedule) => {
            expect(accepts(postgres, { backups: { schedule } })).toBe(runs(() => renderBackupSchedule(schedule)));
        }),
        { numRuns: 300 },
    );
});
