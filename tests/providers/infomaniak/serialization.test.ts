/**
 * Pulumi stores a dynamic provider as code produced by closure serialization and loads it in
 * another process with require-from-string. This does the same and runs the loaded copy
 * against the fake API, so a capture that cannot be serialized (or breaks once copied) fails here.
 */
import * as pulumi from "@pulumi/pulumi";
import type { RetryLimits } from "../../../providers/infomaniak/client";
import { createDnsRecordProvider, RECORD_PROVIDER_VERSION } from "../../../providers/infomaniak/recordProvider";
import { FAKE_TOKEN, FAKE_ZONE, startFakeInfomaniak } from "../../support/fakeInfomaniak";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => { handler: () => pulumi.dynamic.ResourceProvider };

const LIMITS: RetryLimits = { requestTimeoutMs: 500, maxAttempts: 2, totalBudgetMs: 2_000, baseBackoffMs: 10, maxBackoffMs: 100 };

it("the record provider survives closure serialization and still talks to the API", async () => {
    const original = createDnsRecordProvider(LIMITS);
    const serialized = await pulumi.runtime.serializeFunction(() => original, { allowSecrets: true });
    expect(serialized.containsSecrets).toBe(false);
    expect(serialized.text).not.toContain(FAKE_TOKEN);
    expect(serialized.text).not.toMatch(/require\("zod"\)/);
    expect(serialized.text).not.toMatch(/require\("@pulumi\/pulumi/);
    expect(serialized.text.length).toBeLessThan(48_000);
    const loaded = requireFromString(serialized.text).handler();
    const fake = await startFakeInfomaniak();
    try {
        const inputs = {
            zone: FAKE_ZONE,
            source: "@",
            type: "A",
            target: "203.0.113.10",
            ttl: 300,
            token: FAKE_TOKEN,
            apiUrl: fake.url,
            adopt: false,
            providerVersion: RECORD_PROVIDER_VERSION,
        };
        const { id, outs } = (await loaded.create(inputs)) as { id: string; outs: Record<string, unknown> };
        expect(fake.records().filter((record) => record.source === "." && record.type === "A")).toHaveLength(1);
        await loaded.delete!(id, outs);
        expect(fake.records().filter((record) => record.source === "." && record.type === "A")).toHaveLength(0);
        expect(fake.foreignDamage()).toEqual([]);
    } finally {
        await fake.close();
    }
}, 20_000);

it("the loaded copy reports an API failure with its message, in check and in create", async () => {
    const loaded = requireFromString(
        (await pulumi.runtime.serializeFunction(() => createDnsRecordProvider(LIMITS), { allowSecrets: true })).text,
    ).handler();
    const fake = await startFakeInfomaniak();
    try {
        const inputs = {
            zone: FAKE_ZONE,
            source: "api",
            type: "A",
            target: "203.0.113.10",
            ttl: 300,
            token: "not-a-token",
            apiUrl: fake.url,
            adopt: false,
            providerVersion: RECORD_PROVIDER_VERSION,
        };
        const checked = await loaded.check!({}, inputs);
        expect(checked.failures).toHaveLength(1);
        expect(checked.failures![0].reason).toContain("dns:read and dns:write");
        const failure = await loaded.create(inputs).then(
            () => undefined,
            (error: unknown) => error,
        );
        expect((failure as { message?: unknown }).message).toContain("dns:read and dns:write");
    } finally {
        await fake.close();
    }
}, 20_000);
