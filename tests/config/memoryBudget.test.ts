/** The memory budget: defaults fit a 2 GB VPS with Dokploy's reserve; reservations may not overcommit, limits may (with a warning). */
import { parseConfig } from "../../config/load";
import { memoryBudget, overcommitWarning, renderBudget } from "../../config/memoryBudget";
import { configProblems } from "../support/configProblems";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ0ZXN0aG9zdGtleXRlc3Rob3N0a2V5dGVzdGhvc3Q=";

function raw(extra: Record<string, unknown> = {}): Record<string, string> {
    const values: Record<string, unknown> = {
        "dropit:domain": "dropit-app.fr",
        "dropit:acmeEmail": "admin@dropit-app.fr",
        "dropit:server": { host: "203.0.113.10", hostKey: HOST_KEY },
        "dropit:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nX\n-----END OPENSSH PRIVATE KEY-----",
        "dropit:app": { source: "../dropit" },
        ...extra,
    };
    return Object.fromEntries(
        Object.entries(values).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
    );
}

const problems = configProblems;

test("defaults: a 2048 MiB host, 896 MiB for Dokploy and the OS, every service bounded", () => {
    const budget = memoryBudget(parseConfig(raw(), "dev"));
    expect(budget.hostMb).toBe(2048);
    expect(budget.dokployMb).toBe(896);
    expect(budget.rows).toEqual([
        { key: "postgres", tasks: 1, updateSurgeTasks: 0, limitMb: 512, reservationMb: 192 },
        { key: "api", tasks: 1, updateSurgeTasks: 1, limitMb: 320, reservationMb: 160 },
        { key: "web", tasks: 1, updateSurgeTasks: 1, limitMb: 64, reservationMb: 16 },
    ]);
    expect(budget.limitsMb + budget.dokployMb).toBe(1792);
    expect(budget.reservationsMb + budget.dokployMb).toBe(1440);
    expect(overcommitWarning(budget)).toBeUndefined();
});

test("defaults with Redis and Typesense on still fit in 2048 MiB, limits included", () => {
    const budget = memoryBudget(parseConfig(raw({ "dropit:redis": { enabled: true }, "dropit:typesense": { enabled: true } }), "dev"));
    expect(budget.rows.map((row) => [row.key, row.reservationMb, row.limitMb])).toEqual([
        ["postgres", 192, 512],
        ["api", 160, 320],
        ["web", 16, 64],
        ["redis", 32, 96],
        ["typesense", 64, 160],
    ]);
    expect(budget.limitsMb + budget.dokployMb).toBe(2048);
    expect(budget.reservationsMb + budget.dokployMb).toBeLessThanOrEqual(2048);
    expect(overcommitWarning(budget)).toBeUndefined();
});

test("limits may overcommit: accepted, and the plan's budget ends with one warning line naming the keys", () => {
    const config = parseConfig(raw({ "dropit:api": { replicas: 3, memoryMb: 512 } }), "dev");
    const budget = memoryBudget(config);
    expect(budget.limitsMb + budget.dokployMb).toBeGreaterThan(2048);
    const lines = renderBudget(budget);
    const warnings = lines.filter((line) => line.startsWith("warning:"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("2112 MiB of service limits + 896 MiB for Dokploy = 3008 MiB > dropit:server.memoryMb 2048 MiB");
    expect(warnings[0]).not.toContain("\n");
});

test("reservations may not overcommit: refused at config time, naming every reservation key and the host", () => {
    const found = problems(raw({ "dropit:postgres": { memoryReservationMb: 512, memoryMb: 1024 }, "dropit:api": { replicas: 3 } }));
    expect(found).toHaveLength(1);
    // 512 + 4×160 + 2×16 + 896 = 2080 > 2048
    expect(found[0]).toContain(
        "dropit:server.memoryMb: the memory reservations need 2080 MiB (postgres 512 + api 4×160 + web 2×16 + dropit:dokploy.memoryMb 896)",
    );
    expect(found[0]).toContain("but the host has 2048 MiB");
    for (const key of [
        "dropit:postgres.memoryReservationMb",
        "dropit:api.memoryReservationMb",
        "dropit:web.memoryReservationMb",
        "dropit:dokploy.memoryMb",
    ]) {
        expect(found[0]).toContain(key);
    }
    // The same configuration on a 4 GB VPS is accepted.
    expect(
        problems(
            raw({
                "dropit:postgres": { memoryReservationMb: 512, memoryMb: 1024 },
                "dropit:api": { replicas: 3 },
                "dropit:server": { host: "203.0.113.10", hostKey: HOST_KEY, memoryMb: 4096 },
            }),
        ),
    ).toEqual([]);
});

test("a reservation over its own limit is refused (Docker would refuse the task)", () => {
    expect(problems(raw({ "dropit:redis": { enabled: true, memoryMb: 64, memoryReservationMb: 128 } }))).toEqual([
        expect.stringContaining("dropit:redis.memoryReservationMb: 128 MiB is more than dropit:redis.memoryMb (64 MiB)"),
    ]);
});

test("memory values are whole MiB within bounds", () => {
    expect(problems(raw({ "dropit:web": { memoryMb: 1.5 } }))).toEqual([
        expect.stringContaining("dropit:web.memoryMb: must be a whole number"),
    ]);
    expect(problems(raw({ "dropit:web": { memoryMb: 8 } }))).toEqual([expect.stringContaining("dropit:web.memoryMb: must be at least 16")]);
    expect(problems(raw({ "dropit:server": { host: "203.0.113.10", hostKey: HOST_KEY, memoryMb: 100 } }))).toEqual([
        expect.stringContaining("dropit:server.memoryMb: must be at least 512"),
    ]);
});
