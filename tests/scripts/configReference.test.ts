/** docs/configuration.md is generated from the schema (scripts/config-reference.ts) and kept current. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SECRET_KEYS, SECRET_PATHS } from "../../config/schema";
import { configRows, REFERENCE_PATH, REGENERATE_COMMAND, renderConfigReference } from "../../scripts/config-reference";

const ROOT = path.resolve(__dirname, "..", "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

test("docs/configuration.md is what the schema generates today", () => {
    const committed = fs.existsSync(REFERENCE_PATH) ? fs.readFileSync(REFERENCE_PATH, "utf8") : "";
    const verdict =
        committed === renderConfigReference()
            ? "up to date"
            : `docs/configuration.md is stale (config/schema.ts changed): run \`${REGENERATE_COMMAND}\` and commit the result`;
    expect(verdict).toBe("up to date");
});

test("every key has a description, a type and a default or says it is required", () => {
    const rows = configRows();
    expect(rows.length).toBeGreaterThan(50);
    for (const row of rows) {
        expect({
            key: row.key,
            description: row.description.length > 0,
            type: row.type.length > 0,
            defaultText: row.defaultText.length > 0,
        }).toEqual({ key: row.key, description: true, type: true, defaultText: true });
    }
    expect(
        rows
            .filter((row) => row.secret)
            .map((row) => row.key)
            .sort(),
    ).toEqual([...SECRET_KEYS, ...SECRET_PATHS].map((key) => `dropit:${key}`).sort());
});

test("types, defaults and bounds come from the schema, messages in words", () => {
    const row = (key: string) => configRows().find((candidate) => candidate.key === key);
    expect(row("dropit:server.port")).toMatchObject({ type: "integer", defaultText: "`22`", bounds: ["1 to 65535"], secret: false });
    expect(row("dropit:dns.provider")).toMatchObject({ defaultText: "`manual`", bounds: ["one of `infomaniak`, `manual`"] });
    expect(row("dropit:domain")).toMatchObject({ defaultText: "**required**" });
    expect(row("dropit:dokploy.version")?.bounds).toEqual(["must be a pinned release tag such as v0.30.2 (not `latest` or `canary`)"]);
    expect(row("dropit:dns.adoptExisting")?.type).toBe("boolean or list of strings");
    expect(row("dropit:infomaniakToken")).toMatchObject({ defaultText: "none", secret: true });
});

test("--check exits 1 on a stale file and names the command that fixes it; --out writes a fresh one", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-docs-"));
    try {
        const file = path.join(dir, "configuration.md");
        fs.writeFileSync(file, "# stale\n");
        const stale = spawnSync(TSX, ["scripts/config-reference.ts", "--check", "--out", file], {
            cwd: ROOT,
            encoding: "utf8",
            timeout: 30_000,
        });
        expect(stale.status).toBe(1);
        expect(stale.stderr).toContain(REGENERATE_COMMAND);
        const written = spawnSync(TSX, ["scripts/config-reference.ts", "--out", file], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
        expect(written.status).toBe(0);
        expect(fs.readFileSync(file, "utf8")).toBe(renderConfigReference());
        const fresh = spawnSync(TSX, ["scripts/config-reference.ts", "--check", "--out", file], {
            cwd: ROOT,
            encoding: "utf8",
            timeout: 30_000,
        });
        expect(fresh.status).toBe(0);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
