/** The propagation provider, serialized as Pulumi stores it, still waits for DNS when loaded back. */
import * as pulumi from "@pulumi/pulumi";
import { createPropagationProvider, PROPAGATION_PROVIDER_VERSION } from "../../../providers/dnsPropagation/propagationProvider";
import { startFakeDnsServer } from "../../support/fakeDnsServer";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => { handler: () => pulumi.dynamic.ResourceProvider };

it("the propagation provider survives closure serialization", async () => {
    const original = createPropagationProvider();
    const serialized = await pulumi.runtime.serializeFunction(() => original, { allowSecrets: true });
    // Nothing of the SDK at run time: serialized by value, it can drag the stack configuration
    // (secrets included) into the state, depending on how the program was loaded.
    expect(serialized.text).not.toMatch(/require\("@pulumi\/pulumi/);
    expect(serialized.text).not.toContain("__config");
    expect(serialized.text.length).toBeLessThan(16_000);
    const loaded = requireFromString(serialized.text).handler();
    const dns = await startFakeDnsServer({ "api.example.fr": { kind: "answer", address: "203.0.113.10" } });
    try {
        const result = await loaded.create({
            zone: "example.fr",
            names: [{ fqdn: "api.example.fr", type: "A", value: "203.0.113.10" }],
            nameservers: [dns.address],
            publicResolver: "",
            timeoutSeconds: 2,
            pollSeconds: 0.1,
            instructions: "",
            providerVersion: PROPAGATION_PROVIDER_VERSION,
        });
        expect((result.outs as { checkedServers: string[] }).checkedServers).toEqual([dns.address]);
    } finally {
        await dns.close();
    }
}, 20_000);
