/**
 * The web image's server block (nginx:1.27-alpine, /etc/nginx/conf.d/default.conf, inside the
 * image's own http{} which already includes mime.types). It replaces the app's bare
 * `try_files $uri /index.html;`, whose flaw is that a missing hashed asset after a deploy is
 * answered with index.html and status 200: browsers then run HTML as JavaScript.
 *
 * - Client routes (`/athletes/123`) answer index.html; `/assets/*` never falls back (404).
 * - Hashed assets are immutable for a year; index.html is `no-cache` (always revalidated, so a
 *   deploy is picked up on the next visit while the unchanged case costs a 304).
 * - nginx's add_header is not inherited by a location that declares its own add_header, so
 *   every location repeats the security headers (rendered from one list, below).
 * - HSTS is not set here: Traefik sets it once for every router, and a second copy from the
 *   origin would only drift. The tests assert nginx does not send it.
 * Tested against Debian's real nginx in tests/renderers/nginx.test.ts.
 */

export const WEB_ROOT = "/usr/share/nginx/html";
export const ASSETS_CACHE_CONTROL = "public, max-age=31536000, immutable";
export const INDEX_CACHE_CONTROL = "no-cache";

/** Sent on every response, errors included (`always`). */
export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
    ["X-Content-Type-Options", "nosniff"],
    ["Referrer-Policy", "strict-origin-when-cross-origin"],
    ["Content-Security-Policy", "frame-ancestors 'self'"],
    // For browsers that predate CSP frame-ancestors.
    ["X-Frame-Options", "SAMEORIGIN"],
];

/** text/html is always compressed once gzip is on; listing it again makes nginx warn. */
const GZIP_TYPES = [
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
];

function headerLines(cacheControl: string): string[] {
    return [["Cache-Control", cacheControl] as const, ...SECURITY_HEADERS].map(
        ([name, value]) => `add_header ${name} "${value}" always;`,
    );
}

function block(opening: string, body: readonly string[], indent = "    "): string[] {
    return [`${opening} {`, ...body.map((line) => `${indent}${line}`), "}"];
}

export function renderNginxConf(): string {
    const server = [
        "listen 80;",
        "server_name _;",
        `root ${WEB_ROOT};`,
        "index index.html;",
        "server_tokens off;",
        "",
        "gzip on;",
        "gzip_vary on;",
        "gzip_proxied any;",
        "gzip_comp_level 6;",
        // Below about 1 KB the gzip header costs more than it saves.
        "gzip_min_length 1024;",
        `gzip_types ${GZIP_TYPES.join(" ")};`,
        // No .gz files are shipped next to the assets; compress on the fly.
        "gzip_static off;",
        "",
        // Content-hashed by Vite: a new build has new names, so a year is safe. A missing file is
        // a real 404, never index.html.
        ...block("location /assets/", ["try_files $uri =404;", ...headerLines(ASSETS_CACHE_CONTROL)]),
        "",
        // Every route ends here (through `index` or the fallback below): always revalidate.
        ...block("location = /index.html", headerLines(INDEX_CACHE_CONTROL)),
        "",
        // Client-side routes fall back to the SPA shell; other root files (favicon, robots.txt)
        // are not hashed, so they revalidate too.
        ...block("location /", ["try_files $uri /index.html;", ...headerLines(INDEX_CACHE_CONTROL)]),
    ];
    return ["# Rendered by dropit-infra (renderers/nginx.ts).", ...block("server", server), ""].join("\n");
}
