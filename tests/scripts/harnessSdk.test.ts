/**
 * The plan harness leans on @pulumi/pulumi internals (scripts/plan/harness.ts, its header). An
 * SDK upgrade that moves or removes one must fail here, naming it, not somewhere deep in a plan.
 */
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { sdkInternals } from "../../scripts/plan/harness";

const SDK_VERSION = (JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")) as { version: string }).version;

test(`the SDK internals the plan harness relies on are all there (@pulumi/pulumi ${SDK_VERSION})`, async () => {
    await pulumi.runtime.setMocks(
        { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs as Record<string, unknown> }), call: () => ({}) },
        "dropit",
        "test",
        false,
        "organization",
    );
    // Throws "scripts/plan/harness.ts relies on SDK internals that @pulumi/pulumi X no longer provides: ..." otherwise.
    const internals = sdkInternals();
    const monitor = pulumi.runtime.getMonitor() as unknown as Record<string, unknown>;
    expect(typeof monitor.registerResource).toBe("function");
    expect(internals.deserializeProperty("text")).toBe("text");
    await expect(internals.waitForRPCs()).resolves.toBeUndefined();
});

test("a missing internal fails with a message naming it, the SDK version and what to do", () => {
    const withoutRpc = (id: string): unknown => {
        if (id === "@pulumi/pulumi/runtime/rpc") return {};
        if (id === "@pulumi/pulumi/runtime/settings") return { waitForRPCs: () => Promise.resolve(), getMonitor: () => ({}) };
        if (id === "@pulumi/pulumi/package.json") return { version: "9.9.9" };
        throw new Error(`unexpected ${id}`);
    };
    expect(() => sdkInternals(withoutRpc)).toThrow(
        "scripts/plan/harness.ts relies on SDK internals that @pulumi/pulumi 9.9.9 no longer provides: " +
            "@pulumi/pulumi/runtime/rpc: deserializeProperty(), pulumi.runtime.getMonitor().registerResource(). " +
            "Adapt the harness to the new SDK",
    );
});
