/** Where the images are built and how they reach the VPS: the defaults, the choices, and the refused combinations. */
import { imagePlan } from "../../config/imageDelivery";
import { parseConfig } from "../../config/load";
import { configProblems } from "../support/configProblems";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ0ZXN0aG9zdGtleXRlc3Rob3N0a2V5dGVzdGhvc3Q=";

function raw(app: Record<string, unknown>, extra: Record<string, string> = {}): Record<string, string> {
    return {
        "dropit:domain": "dropit-app.fr",
        "dropit:acmeEmail": "admin@dropit-app.fr",
        "dropit:server": JSON.stringify({ host: "203.0.113.10", hostKey: HOST_KEY }),
        "dropit:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
        "dropit:app": JSON.stringify({ source: "../dropit", ...app }),
        ...extra,
    };
}
const registry = { "dropit:registry": JSON.stringify({ username: "dropitbot" }), "dropit:registryPassword": "token" };
const nodes = { "dropit:nodes": JSON.stringify([{ name: "n2", host: "203.0.113.11", hostKey: HOST_KEY }]) };

const problems = configProblems;

test("by default the images are built where `pulumi up` runs and sent over SSH through port 5555, with no registry account", () => {
    const config = parseConfig(raw({}), "dev");
    expect(config.app).toMatchObject({ buildOn: "local", tunnelPort: 5555 });
    expect(imagePlan(config)).toEqual({
        buildOn: "local",
        delivery: "ssh",
        summary:
            "images: built where `pulumi up` runs (the VPS never builds), sent to the VPS over SSH: it pulls only the layers it lacks from 127.0.0.1:5555 of this machine",
    });
});

test("each combination resolves to one delivery", () => {
    const plan = (app: Record<string, unknown>, extra: Record<string, string> = {}) =>
        imagePlan(parseConfig(raw(app, extra), "dev")).delivery;
    expect(plan({ buildOn: "vps" })).toBe("in-place");
    expect(plan({ delivery: "registry" }, registry)).toBe("registry");
    expect(plan({ buildOn: "vps", delivery: "registry" }, registry)).toBe("registry");
    expect(plan({}, { ...registry, ...nodes })).toBe("registry");
    // A registry login alone (pull limits) does not change how the app images travel.
    expect(plan({}, registry)).toBe("ssh");
    expect(plan({ tunnelPort: 6000 })).toBe("ssh");
});

test("ssh delivery with nodes, and registry delivery without a login, are refused with the fix", () => {
    expect(problems(raw({ delivery: "ssh" }, { ...registry, ...nodes }))).toEqual([
        expect.stringMatching(
            /^dropit:app\.delivery: ssh sends an image to the first server only.*Fix: `pulumi config rm --path 'dropit:app\.delivery'`/,
        ),
    ]);
    expect(problems(raw({ delivery: "registry" }))).toEqual([
        expect.stringMatching(/^dropit:app\.delivery: registry pushes the images to dropit:registry, which has no login\. Fix: /),
    ]);
});

test("unknown values and ports out of range name the key and the choices", () => {
    expect(problems(raw({ buildOn: "ci" }))).toEqual([expect.stringContaining("dropit:app.buildOn: must be `local`")]);
    expect(problems(raw({ delivery: "scp" }))).toEqual([expect.stringContaining("dropit:app.delivery: must be `ssh`")]);
    expect(problems(raw({ tunnelPort: 80 }))).toEqual([expect.stringContaining("dropit:app.tunnelPort")]);
});
