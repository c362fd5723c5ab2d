/**
 * What a visitor downloads from the web image: Debian's real nginx with the rendered server
 * block (renderers/nginx.ts) over a Vite-style build, on 127.0.0.1.
 *
 *   npx tsx scripts/bench-frontend.ts
 *
 * - first visit: index.html and every asset, with Accept-Encoding: gzip;
 * - repeat visit: a browser with a warm cache revalidates index.html only (no-cache, so it sends
 *   If-None-Match / If-Modified-Since) and reuses the immutable assets without asking;
 * - the same first visit without gzip, for the compression ratio.
 * Bytes are everything read from the socket (status line, headers, body).
 */
import { BUILD_ASSETS, fetchRaw, FetchResult, startNginx } from "../tests/support/nginxServer";
import { exitWhenDrained, wantsHelp } from "./cli";

const USAGE = `usage: npx tsx scripts/bench-frontend.ts

Serves a Vite-style build with Debian's nginx (/usr/sbin/nginx) and the rendered server block on
127.0.0.1, then prints the bytes of a first visit (with and without gzip) and of a repeat visit.
  -h, --help   print this help and exit`;

interface Row {
    visit: string;
    requests: number;
    wireBytes: number;
    bodyBytes: number;
}

async function visit(port: number, name: string, paths: readonly string[], headers: Record<string, string>): Promise<[Row, FetchResult[]]> {
    const results: FetchResult[] = [];
    for (const path of paths) results.push(await fetchRaw(port, path, headers));
    const failed = results.find((r) => r.status !== 200 && r.status !== 304);
    if (failed) throw new Error(`${name}: unexpected status ${failed.status}`);
    const row = {
        visit: name,
        requests: results.length,
        wireBytes: results.reduce((sum, r) => sum + r.wireBytes, 0),
        bodyBytes: results.reduce((sum, r) => sum + r.body.length, 0),
    };
    return [row, results];
}

function printTable(rows: readonly Row[]): void {
    const header = ["visit", "requests", "bytes on the wire", "body bytes"];
    const cells = rows.map((r) => [r.visit, String(r.requests), String(r.wireBytes), String(r.bodyBytes)]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const line = (cols: string[]) => cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    console.log(line(header));
    console.log(widths.map((w) => "-".repeat(w)).join("  "));
    for (const c of cells) console.log(line(c));
}

async function main(argv: readonly string[]): Promise<void> {
    if (wantsHelp(argv)) {
        console.log(USAGE);
        return;
    }
    if (argv.length > 0) throw new Error(`unexpected argument ${argv[0]}\n${USAGE.split("\n")[0]}`);
    const nginx = await startNginx();
    try {
        const firstPaths = ["/athletes/123", ...BUILD_ASSETS];
        const gzip = { "Accept-Encoding": "gzip" };
        const [plain] = await visit(nginx.port, "first visit, no gzip", firstPaths, {});
        const [first, firstResults] = await visit(nginx.port, "first visit, gzip", firstPaths, gzip);
        const index = firstResults[0];
        const [repeat, repeatResults] = await visit(nginx.port, "repeat visit (warm cache)", ["/athletes/456"], {
            ...gzip,
            "If-None-Match": String(index.headers["etag"]),
            "If-Modified-Since": String(index.headers["last-modified"]),
        });
        if (repeatResults[0].status !== 304) throw new Error(`repeat visit: index.html answered ${repeatResults[0].status}, not 304`);
        printTable([plain, first, repeat]);
        console.log("");
        console.log(`compression ratio (first visit, wire bytes): ${(plain.wireBytes / first.wireBytes).toFixed(2)}x`);
        console.log(`repeat visit / first visit: ${((100 * repeat.wireBytes) / first.wireBytes).toFixed(2)}% of the bytes`);
    } finally {
        await nginx.stop();
    }
}

main(process.argv.slice(2)).then(
    () => exitWhenDrained(0),
    (error: unknown) => {
        console.error(`bench-frontend: ${error instanceof Error ? error.message : String(error)}`);
        return exitWhenDrained(1);
    },
);
