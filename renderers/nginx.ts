/**
 * The web image's server block (nginx:1.27-alpine, /etc/nginx/conf.d/default.conf, inside the
 * image's own http{} which already includes mime.types). It replaces the app's bare
 * `try_files $uri /index.html;`, whose flaw is that a missing hashed asset after a deploy is
 * answered with index.html and status 200: browsers then run HTML as JavaScript.
 *
 * - Client routes (`/athletes/123`) answer index.html; `/assets/*` never falls back (404).
 * - Hashed assets are immutable for a year; index.html is `no-cache` (always revalidated, so a
 *   deploy is picked up on the next visit while the unchanged case costs a 304).
 * - Only a success (2xx, 304) carries those policies; every other status is `no-store`. During a
 *   start-first rolling update a browser holding the new index.html can reach the old task for a
 *   new asset: that 404 must not be cached, let alone for a year. The policy is chosen by a
 *   `map` on `$status`, so this file holds two http-level `map` blocks beside the server.
 * - Dotfiles and dot-directories (`/.env`, `/.git/config`, `/assets/.htaccess`) answer 404 even
 *   when the build ships one; `/.well-known/` stays reachable.
 * - nginx's add_header is not inherited by a location that declares its own add_header, so
 *   every location repeats the security headers (rendered from one list, below).
 * - HSTS is not set here: Traefik sets it once for every router, and a second copy from the
 *   origin would only drift. The tests assert nginx does not send it.
 * Tested against Debian's real nginx in tests/renderers/nginx.test.ts.
 */

export const WEB_ROOT = "/usr/share/nginx/html";
export const ASSETS_CACHE_CONTROL = "public, max-age=31536000, immutable";
export const INDEX_CACHE_CONTROL = "no-cache";
/** Errors (and redirects) are never stored: the next request asks again. */
export const ERROR_CACHE_CONTROL = "no-store";

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

/** Statuses a cache may keep under a location's policy; anything else gets ERROR_CACHE_CONTROL. */
const SUCCESS_STATUS = "~^(2\\d\\d|304)$";

/** Cache-Control per status, resolved when the headers are sent (add_header reads `$status` late). */
const CACHE_POLICIES = {
    assets: { variable: "$dropit_assets_cache_control", success: ASSETS_CACHE_CONTROL },
    page: { variable: "$dropit_page_cache_control", success: INDEX_CACHE_CONTROL },
} as const;

function cacheMaps(): string[] {
    return Object.values(CACHE_POLICIES).flatMap(({ variable, success }) =>
        block(`map $status ${variable}`, [`"${SUCCESS_STATUS}" "${success}";`, `default "${ERROR_CACHE_CONTROL}";`]),
    );
}

function headerLines(cacheControl: string): string[] {
    return [["Cache-Control", cacheControl] as const, ...SECURITY_HEADERS].map(([name, value]) => `add_header ${name} "${value}" always;`);
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
        // A regex location wins over the prefix ones below, so this also covers /assets/.env.
        // nginx matches the decoded, normalized path: /%2Eenv and /assets/../.env land here too.
        ...block('location ~ "/\\.(?!well-known/)"', ["return 404;", ...headerLines(ERROR_CACHE_CONTROL)]),
        "",
        // Content-hashed by Vite: a new build has new names, so a year is safe. A missing file is
        // a real 404, never index.html, and is not cached.
        ...block("location /assets/", ["try_files $uri =404;", ...headerLines(CACHE_POLICIES.assets.variable)]),
        "",
        // Every route ends here (through `index` or the fallback below): always revalidate.
        ...block("location = /index.html", headerLines(CACHE_POLICIES.page.variable)),
        "",
        // Client-side routes fall back to the SPA shell; other root files (favicon, robots.txt)
        // are not hashed, so they revalidate too.
        ...block("location /", ["try_files $uri /index.html;", ...headerLines(CACHE_POLICIES.page.variable)]),
    ];
    return ["# Rendered by dropit-infra (renderers/nginx.ts).", ...cacheMaps(), "", ...block("server", server), ""].join("\n");
}
