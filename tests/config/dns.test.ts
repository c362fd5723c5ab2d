/** The configuration keys of the Infomaniak mode (the rest of the schema is tested in tests/config). */
import { ConfigError, parseConfig } from "../../config/load";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ0ZXN0aG9zdGtleXRlc3Rob3N0a2V5dGVzdGhvc3Q=";

const valid = (): Record<string, string> => ({
    "dropit:domain": "dropit-app.fr",
    "dropit:acmeEmail": "admin@dropit-app.fr",
    "dropit:server": JSON.stringify({ host: "203.0.113.10", hostKey: HOST_KEY }),
    "dropit:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
    "dropit:app": JSON.stringify({ source: "../dropit" }),
});

function problems(raw: Record<string, string>): string[] {
    try {
        parseConfig(raw, "dev");
        return [];
    } catch (error) {
        if (error instanceof ConfigError) return [...error.problems];
        throw error;
    }
}

test("infomaniak mode requires the token, naming the scopes", () => {
    const missing = problems({ ...valid(), "dropit:dns": '{"provider":"infomaniak"}' });
    expect(missing).toEqual([expect.stringContaining("dropit:infomaniakToken: is required when dropit:dns.provider is infomaniak")]);
    expect(missing[0]).toContain("dns:read and dns:write");
    expect(problems({ ...valid(), "dropit:dns": '{"provider":"infomaniak"}', "dropit:infomaniakToken": "abc" })).toEqual([]);
});

test("adoptExisting is true, false or a list of names; TTL and timeouts are bounded", () => {
    const dns = (value: object) => parseConfig({ ...valid(), "dropit:dns": JSON.stringify(value) }, "dev").dns;
    expect(dns({ adoptExisting: "true" }).adoptExisting).toBe(true);
    expect(dns({ adoptExisting: ["api", "@"] }).adoptExisting).toEqual(["api", "@"]);
    expect(dns({}).adoptExisting).toBe(false);
    const bad = problems({
        ...valid(),
        "dropit:dns": JSON.stringify({ adoptExisting: ["API!"], ttl: 30, propagationTimeoutSeconds: 5, publicResolver: "dns.google" }),
    });
    expect(bad.join("\n")).toMatch(/dropit:dns\.adoptExisting/);
    expect(bad.join("\n")).toContain("dropit:dns.ttl: must be at least 60");
    expect(bad.join("\n")).toContain("dropit:dns.propagationTimeoutSeconds: must be at least 10");
    expect(bad.join("\n")).toContain("dropit:dns.publicResolver");
});

test("server.ipv6 must be an IPv6 address", () => {
    expect(
        problems({ ...valid(), "dropit:server": JSON.stringify({ host: "203.0.113.10", hostKey: HOST_KEY, ipv6: "203.0.113.10" }) }),
    ).toEqual([expect.stringContaining("dropit:server.ipv6: must be an IPv6 address")]);
});

test("server.host may be IPv6 (AAAA records); server.ipv6 goes only beside an IPv4 host", () => {
    const server = (value: object) => problems({ ...valid(), "dropit:server": JSON.stringify({ hostKey: HOST_KEY, ...value }) });
    expect(server({ host: "2001:db8::10" })).toEqual([]);
    expect(server({ host: "203.0.113.10", ipv6: "2001:db8::10" })).toEqual([]);
    const both = server({ host: "2001:db8::10", ipv6: "2001:db8::20" });
    expect(both).toEqual([expect.stringContaining("dropit:server.ipv6: server.host is already an IPv6 address (2001:db8::10)")]);
    expect(both[0]).toContain("pulumi config rm --path 'dropit:server.ipv6'");
});
