/** The rendered server block, served by Debian's real nginx over a Vite-style build. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { ASSETS_CACHE_CONTROL, ERROR_CACHE_CONTROL, renderNginxConf, SECURITY_HEADERS } from "../../renderers/nginx";
import { BUILD_ASSETS, fetchRaw, FetchResult, NGINX_BIN, RunningNginx, startNginx, wrapForTest } from "../support/nginxServer";

const GZIP = { "Accept-Encoding": "gzip" };
let nginx: RunningNginx;

beforeAll(async () => {
    nginx = await startNginx();
}, 15000);

afterAll(async () => {
    await nginx?.stop();
});

const get = (urlPath: string, headers = GZIP) => fetchRaw(nginx.port, urlPath, headers);
const decoded = (res: FetchResult) => (res.headers["content-encoding"] === "gzip" ? gunzipSync(res.body) : res.body);
const indexHtml = () => fs.readFileSync(path.join(nginx.root, "index.html"));

function expectSecurityHeaders(res: FetchResult) {
    for (const [name, value] of SECURITY_HEADERS) {
        expect(res.headers[name.toLowerCase()]).toBe(value);
    }
    // HSTS is Traefik's job, set once there.
    expect(res.headers["strict-transport-security"]).toBeUndefined();
}

describe("renderNginxConf", () => {
    it("is accepted by `nginx -t` inside an http{} like the image's", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-nginx-t-"));
        try {
            const conf = path.join(dir, "nginx.conf");
            fs.writeFileSync(conf, wrapForTest(renderNginxConf(), dir, dir, 8080));
            const result = spawnSync(NGINX_BIN, ["-t", "-c", conf, "-p", dir], { encoding: "utf8", timeout: 5000 });
            expect(result.stderr).toContain("syntax is ok");
            expect(result.stderr).not.toContain("[warn]");
            expect(result.status).toBe(0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("control: the app's bare `try_files $uri /index.html;` fails the missing-asset check", async () => {
        const naive = "server {\n    listen 80;\n    root /usr/share/nginx/html;\n    location / { try_files $uri /index.html; }\n}\n";
        const other = await startNginx(naive);
        try {
            const res = await fetchRaw(other.port, "/assets/missing-abc123.js", GZIP);
            expect(res.status).toBe(200); // the bug our block fixes, seen by the same check
            expect(res.headers["x-content-type-options"]).toBeUndefined();
        } finally {
            await other.stop();
        }
    });

    it.each([
        "/",
        "/athletes/123",
        "/workouts/create",
        "/login",
        "/accept-invitation/abc-def",
        "/library/exercises",
        "/athletes/jean.dupont",
    ])("answers the SPA shell for client route %s with 200, no-cache and the security headers", async (route) => {
        const res = await get(route);
        expect(res.status).toBe(200);
        expect(res.headers["content-type"]).toMatch(/^text\/html/);
        expect(decoded(res).equals(indexHtml())).toBe(true);
        expect(res.headers["cache-control"]).toBe("no-cache");
        expectSecurityHeaders(res);
    });

    it("answers 404, not index.html, for a missing hashed asset, and never lets it be cached", async () => {
        // During a start-first rolling update a browser can ask the old task for a new asset:
        // a cached 404 would break the page for as long as the cache lifetime.
        const res = await get("/assets/missing-abc123.js");
        expect(res.status).toBe(404);
        expect(decoded(res).toString()).not.toContain('<div id="root">');
        expect(res.headers["cache-control"]).toBe(ERROR_CACHE_CONTROL);
        expect(res.headers["cache-control"]).not.toMatch(/immutable|max-age=[1-9]/);
        expect(res.headers["expires"]).toBeUndefined();
        expectSecurityHeaders(res);
    });

    it("keeps the year-long caching on a 304 for a present hashed asset", async () => {
        const first = await get(BUILD_ASSETS[0]);
        const again = await fetchRaw(nginx.port, BUILD_ASSETS[0], { ...GZIP, "If-None-Match": first.headers["etag"] as string });
        expect(again.status).toBe(304);
        expect(again.headers["cache-control"]).toBe(ASSETS_CACHE_CONTROL);
    });

    describe("dotfiles in the served root", () => {
        const SECRET = "DB_PASSWORD=canary-dotfile-4b1d";
        beforeAll(() => {
            fs.writeFileSync(path.join(nginx.root, ".env"), `${SECRET}\n`);
            fs.writeFileSync(path.join(nginx.root, "assets", ".env"), `${SECRET}\n`);
            fs.writeFileSync(path.join(nginx.root, ".htaccess"), `# ${SECRET}\n`);
            fs.mkdirSync(path.join(nginx.root, ".git"), { recursive: true });
            fs.writeFileSync(path.join(nginx.root, ".git", "config"), `[remote "origin"]\n\turl = https://${SECRET}@example.test/x.git\n`);
            fs.mkdirSync(path.join(nginx.root, ".well-known"), { recursive: true });
            fs.writeFileSync(path.join(nginx.root, ".well-known", "security.txt"), "Contact: mailto:security@example.fr\n");
        });

        it.each(["/.env", "/.git/config", "/.git/", "/.htaccess", "/assets/.env", "/%2Eenv", "/assets/../.env", "//.env", "/.env?x=1"])(
            "answers %s with 404, without the file and uncached",
            async (urlPath) => {
                const res = await get(urlPath);
                expect(res.status).toBe(404);
                expect(decoded(res).toString()).not.toContain("canary-dotfile");
                expect(decoded(res).toString()).not.toContain('<div id="root">');
                expect(res.headers["cache-control"]).toBe(ERROR_CACHE_CONTROL);
                expectSecurityHeaders(res);
            },
        );

        it("still serves /.well-known/", async () => {
            const res = await get("/.well-known/security.txt");
            expect(res.status).toBe(200);
            expect(decoded(res).toString()).toContain("Contact:");
        });
    });

    it.each(BUILD_ASSETS)("serves %s as immutable for a year, gzip-compressed, with the security headers", async (asset) => {
        const res = await get(asset);
        expect(res.status).toBe(200);
        expect(res.headers["cache-control"]).toBe(ASSETS_CACHE_CONTROL);
        expect(res.headers["content-encoding"]).toBe("gzip");
        expect(res.headers["vary"]).toMatch(/Accept-Encoding/i);
        const original = fs.readFileSync(path.join(nginx.root, asset));
        expect(decoded(res).equals(original)).toBe(true);
        expect(res.body.length).toBeLessThan(original.length / 2);
        expectSecurityHeaders(res);
    });

    it("compresses index.html and JSON too", async () => {
        fs.writeFileSync(path.join(nginx.root, "manifest.json"), JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ i })) }));
        const json = await get("/manifest.json");
        expect(json.headers["content-type"]).toBe("application/json");
        expect(json.headers["content-encoding"]).toBe("gzip");
        expect((await get("/athletes/1")).headers["content-encoding"]).toBe("gzip");
    });

    it("does not compress for clients that do not ask for it", async () => {
        const res = await get("/assets/index-abc123.js", {} as typeof GZIP);
        expect(res.headers["content-encoding"]).toBeUndefined();
    });

    it("lets a warm browser revalidate index.html with a 304", async () => {
        const first = await get("/athletes/123");
        const etag = first.headers["etag"];
        const lastModified = first.headers["last-modified"];
        expect(etag).toBeDefined();
        const again = await fetchRaw(nginx.port, "/athletes/123", { ...GZIP, "If-None-Match": etag as string });
        expect(again.status).toBe(304);
        expect(again.body.length).toBe(0);
        const byDate = await fetchRaw(nginx.port, "/", { ...GZIP, "If-Modified-Since": lastModified as string });
        expect(byDate.status).toBe(304);
    });
});
