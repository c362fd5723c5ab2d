/** dropit:monitoring and dropit:dokploy.apiKey: defaults, bounds, and the rules that tie them. */
import { parseConfig } from "../../config/load";
import { configProblems } from "../support/configProblems";

const valid = (extra: Record<string, unknown> = {}): Record<string, string> => ({
    "dropit:domain": "dropit-app.fr",
    "dropit:acmeEmail": "admin@dropit-app.fr",
    "dropit:server": JSON.stringify({
        host: "203.0.113.10",
        hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ0ZXN0aG9zdGtleXRlc3Rob3N0a2V5dGVzdGhvc3Q=",
    }),
    "dropit:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
    "dropit:app": JSON.stringify({ source: "../dropit" }),
    ...Object.fromEntries(Object.entries(extra).map(([key, value]) => [key, JSON.stringify(value)])),
});

const problems = configProblems;

test("without configuration the watchdog is on, alerting nowhere but the journal", () => {
    expect(parseConfig(valid(), "dev").monitoring).toEqual({
        enabled: true,
        alertFormat: "ntfy",
        forSeconds: 180,
        diskPercent: 90,
        inodePercent: 90,
        memoryPercent: 90,
        restartsMax: 3,
        restartWindowSeconds: 900,
        backupMaxAgeHours: 26,
    });
});

test("bad values name the key and the fix, and never echo a URL", () => {
    const found = problems(
        valid({ "dropit:monitoring": { alertUrl: 'https://ntfy.sh/SECRETtopic"x', diskPercent: 101, restartWindowSeconds: 10 } }),
    );
    expect(found).toEqual([
        expect.stringContaining(
            "dropit:monitoring.alertUrl: must be a webhook URL such as https://ntfy.sh/<topic>: http(s), without spaces, quotes or backslashes",
        ),
        expect.stringContaining("dropit:monitoring.diskPercent: must be at most 100"),
        expect.stringContaining("dropit:monitoring.restartWindowSeconds: must be at least 60"),
    ]);
    expect(found[0]).toContain("pulumi config set --secret --path 'dropit:monitoring.alertUrl'");
    expect(found.join("\n")).not.toContain("SECRETtopic");
});

test("a Dokploy API key needs the alert URL, and ntfy cannot carry serverThreshold", () => {
    expect(problems(valid({ "dropit:dokploy": { apiKey: "k" } }))).toEqual([
        expect.stringMatching(/^dropit:monitoring\.alertUrl: is required when dropit:dokploy\.apiKey is set .* Fix: /),
    ]);
    expect(
        problems(
            valid({
                "dropit:dokploy": { apiKey: "k", notifications: { events: ["serverThreshold"] } },
                "dropit:monitoring": { alertUrl: "https://ntfy.sh/t" },
            }),
        ),
    ).toEqual([expect.stringMatching(/^dropit:dokploy\.notifications\.events: serverThreshold cannot go to an ntfy channel/)]);
    expect(
        problems(
            valid({
                "dropit:dokploy": { apiKey: "k", notifications: { events: ["serverThreshold"] } },
                "dropit:monitoring": { alertUrl: "https://hooks.example.net/x", alertFormat: "json" },
            }),
        ),
    ).toEqual([]);
});
