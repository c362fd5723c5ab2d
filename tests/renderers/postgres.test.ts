/**
 * The rendered init SQL and server flags on a real PostgreSQL (Debian's 15; production is 16:
 * `-c` flags, CREATE EXTENSION IF NOT EXISTS and the contrib extensions behave the same in both).
 */
import { renderInitSql, renderServerArgs } from "../../renderers/postgres";
import { RunningPostgres, startPostgres } from "../support/postgresServer";

const SETTINGS = { shared_buffers: "256MB", max_connections: 200, effective_cache_size: "1GB" } as const;
const EXTENSIONS = ["uuid-ossp", "pgcrypto"] as const;

describe("renderServerArgs and renderInitSql (pure)", () => {
    it("sorts settings and prefixes the postgres command", () => {
        expect(renderServerArgs(SETTINGS)).toEqual([
            "postgres",
            "-c",
            "effective_cache_size=1GB",
            "-c",
            "max_connections=200",
            "-c",
            "shared_buffers=256MB",
        ]);
    });

    it.each([
        [{ "max_connections; drop": 1 }, /parameter name/],
        [{ MaxConnections: 1 }, /parameter name/],
        [{ work_mem: "64MB -c fsync=off" }, /plain word/],
        [{ work_mem: "$(reboot)" }, /plain word/],
        [{ work_mem: "" }, /plain word/],
        [{ archive_command: "true" }, /refused/],
        [{ shared_preload_libraries: "pg_stat_statements" }, /refused/],
        [{ max_connections: -1 }, /non-negative/],
        [{ max_connections: Number.NaN }, /finite/],
    ])("refuses %p", (settings, message) => {
        expect(() => renderServerArgs(settings as Record<string, string | number>)).toThrow(message);
    });

    it("quotes extension names as identifiers and is idempotent SQL", () => {
        expect(renderInitSql([...EXTENSIONS, "uuid-ossp"])).toBe(
            '-- Rendered by dropit-infra (renderers/postgres.ts). Idempotent.\nCREATE EXTENSION IF NOT EXISTS "uuid-ossp";\nCREATE EXTENSION IF NOT EXISTS "pgcrypto";\n',
        );
    });

    it.each(['uuid"ossp', "pgcrypto; DROP TABLE x", "", "PGCrypto"])("refuses extension name %p", (name) => {
        expect(() => renderInitSql([name])).toThrow(/extension name/);
    });
});

describe("on a real PostgreSQL server", () => {
    let pg: RunningPostgres;

    beforeAll(async () => {
        // Exactly the production flags, without the leading "postgres" (the image's entrypoint word).
        const [command, ...flags] = renderServerArgs(SETTINGS);
        expect(command).toBe("postgres");
        pg = await startPostgres(flags);
    }, 30000);

    afterAll(async () => {
        await pg?.stop();
    });

    it("runs with the rendered settings", () => {
        expect(pg.psql("SHOW max_connections")).toBe("200");
        expect(pg.psql("SHOW shared_buffers")).toBe("256MB");
        expect(pg.psql("SHOW effective_cache_size")).toBe("1GB");
        // The values come from the command line, not from a config file someone could edit.
        expect(pg.psql("SELECT source FROM pg_settings WHERE name = 'max_connections'")).toBe("command line");
    });

    it("creates the extensions, and applying the SQL twice is harmless", () => {
        const sql = renderInitSql(EXTENSIONS);
        pg.psql(sql);
        pg.psql(sql);
        expect(pg.psql("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname").split("\n")).toEqual([
            "pgcrypto",
            "uuid-ossp",
        ]);
        expect(pg.psql("SELECT length(uuid_generate_v4()::text) + length(encode(gen_random_bytes(4), 'hex'))")).toBe("44");
    });

    it("control: a server started without the flags shows the defaults, so the assertions above can fail", () => {
        expect(pg.psql("SELECT boot_val FROM pg_settings WHERE name = 'max_connections'")).toBe("100");
    });
});
