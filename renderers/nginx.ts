/**
 * The web image's server block (nginx:1.27-alpine, /etc/nginx/conf.d/default.conf, inside the
 * image's own http{} which already includes mime.types). It replaces the app's bare
 * `try_files $uri /index.html;`, whose flaw is that a missing hashed asset after a deploy is
 * answered with index.html and status 200: browsers then run HTML as JavaScript.
 *
 * - Client routes (`/athletes/123`) answer index.html; `/assets/*` never falls back (404).
 * - Hashed assets are immutable for a year; index.html is `no-cache` (always revalidated, so a
 *   deploy is picked up on the next visit while the unchanged case costs a 304).
 * - Only a success (2xx, 304) carries those policies; every other status is `no-store`: a 404 for
 *   an asset (a real one, or one no task of a rollout had) must not be cached, let alone for a
 *   year. The policy is chosen by a `map` on `$status`, so this file holds two http-level `map`
 *   blocks beside the server.
 * - Dotfiles and dot-directories (`/.env`, `/.git/config`, `/assets/.htaccess`) answer 404 even
 *   when the build ships one; `/.well-known/` stays reachable.
 * - nginx's add_header is not inherited by a location that declares its own add_header, so
 *   every location repeats the security headers (rendered from one list, below).
 * - HSTS is not set here: Traefik sets it once for every router, and a second copy from the
 *   origin would only drift. The tests assert nginx does not send it.
 * - Asset bridging (on by default, docs/services.md): during a rollout the old and the new
 *   release serve side by side, so a page from one can ask the other for its hashed assets. A
 *   task that misses an asset asks its peers (every task of the service, resolved at request
 *   time) on a second port that serves only the task's own files, so a request is forwarded at
 *   most once; and a new task copies its running peers' assets at start
 *   (docker/web-asset-bridge.sh), so it keeps serving the previous release's after they stop.
 * Tested against Debian's real nginx in tests/renderers/nginx.test.ts (the bridge: nginx.bridge.test.ts).
 */

import * as path from "path";

export const WEB_ROOT = "/usr/share/nginx/html";
export const ASSETS_CACHE_CONTROL = "public, max-age=31536000, immutable";
export const INDEX_CACHE_CONTROL = "no-cache";
/** Errors (and redirects) are never stored: the next request asks again. */
export const ERROR_CACHE_CONTROL = "no-store";

/** Where a task finds the others and serves them its own files. */
export interface AssetBridge {
    /** A DNS name listing every task of the service (in Swarm: `tasks.<service>`). */
    peers: string;
    /** The port every task serves its own assets on; never routed by Traefik. */
    port: number;
    /** The resolver nginx asks for `peers` at request time (Docker's embedded DNS in a task). */
    resolver: string;
    /** Directory holding this release's asset list, written by docker/web-asset-bridge.sh at start. */
    stateDir: string;
}

export const ASSET_BRIDGE_PORT = 8081;
/** Peers' and our own list of this release's assets, one path under /assets/ per line. */
export const RELEASE_ASSETS_PATH = "/dropit-release-assets.txt";
export const RELEASE_ASSETS_FILE = "release-assets.txt";

/** The bridge inside a Swarm task of `service` (Docker's embedded DNS answers tasks.<service>). */
export function swarmAssetBridge(service: string): AssetBridge {
    return { peers: `tasks.${service}`, port: ASSET_BRIDGE_PORT, resolver: "127.0.0.11", stateDir: "/var/lib/dropit-web-bridge" };
}

/** The start script, and where it is mounted: the nginx image's entrypoint runs the executable scripts of /docker-entrypoint.d/ before nginx. */
export const ASSET_BRIDGE_SCRIPT = {
    source: path.join(__dirname, "..", "docker", "web-asset-bridge.sh"),
    target: "/docker-entrypoint.d/40-dropit-asset-bridge.sh",
} as const;

/** What docker/web-asset-bridge.sh reads: plain data in the task's environment, never spliced into its code. */
export function assetBridgeEnvironment(bridge: AssetBridge): Record<string, string> {
    return {
        DROPIT_ASSET_PEERS: bridge.peers,
        DROPIT_ASSET_BRIDGE_PORT: String(bridge.port),
        DROPIT_ASSET_BRIDGE_STATE: bridge.stateDir,
        DROPIT_WEB_ROOT: WEB_ROOT,
    };
}

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

/** Every dotfile answers 404; the regex wins over prefix locations, so this also covers /assets/.env. */
function dotfileLocation(): string[] {
    // nginx matches the decoded, normalized path: /%2Eenv and /assets/../.env land here too.
    return block('location ~ "/\\.(?!well-known/)"', ["return 404;", ...headerLines(ERROR_CACHE_CONTROL)]);
}

/**
 * Content-hashed by Vite: a new build has new names, so a year is safe. A missing file is a real
 * 404, never index.html, and is not cached. With a bridge, a file this task lacks is asked of
 * every peer in turn (a 404 or a refused connection moves on to the next) before that 404.
 */
function assetLocations(bridge: AssetBridge | undefined): string[] {
    const assets = CACHE_POLICIES.assets.variable;
    if (!bridge) return block("location /assets/", ["try_files $uri =404;", ...headerLines(assets)]);
    return [
        ...block("location /assets/", ["try_files $uri @asset_peers;", ...headerLines(assets)]),
        "",
        ...block("location @asset_peers", [
            // Resolved per request (a variable in proxy_pass), so peers that start or stop are seen within a second.
            `resolver ${bridge.resolver} valid=1s ipv6=off;`,
            "resolver_timeout 2s;",
            `set $dropit_asset_peers ${bridge.peers};`,
            `proxy_pass http://$dropit_asset_peers:${bridge.port};`,
            "proxy_next_upstream error timeout http_404;",
            "proxy_next_upstream_timeout 10s;",
            "proxy_connect_timeout 1s;",
            "proxy_read_timeout 5s;",
            // No peer has it, or none answers: the same uncached 404 as without a bridge.
            "proxy_intercept_errors on;",
            "error_page 404 500 502 503 504 = @asset_missing;",
            ...headerLines(assets),
        ]),
        "",
        ...block("location @asset_missing", ["return 404;", ...headerLines(ERROR_CACHE_CONTROL)]),
    ];
}

/** A task's own files for its peers: no fallback of any kind, so a forwarded request never travels on. */
function bridgeServer(bridge: AssetBridge): string[] {
    return block("server", [
        `listen ${bridge.port};`,
        "server_name _;",
        `root ${WEB_ROOT};`,
        "server_tokens off;",
        "access_log off;",
        "gzip off;",
        ...dotfileLocation(),
        ...block("location /assets/", ["try_files $uri =404;"]),
        ...block(`location = ${RELEASE_ASSETS_PATH}`, ["default_type text/plain;", `alias ${bridge.stateDir}/${RELEASE_ASSETS_FILE};`]),
        ...block("location /", ["return 404;"]),
    ]);
}

export interface NginxOptions {
    /** Omitted: each task serves only its own release's assets. */
    assetBridge?: AssetBridge;
}

export function renderNginxConf(options: NginxOptions = {}): string {
    const bridge = options.assetBridge;
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
        ...dotfileLocation(),
        "",
        ...assetLocations(bridge),
        "",
        // Every route ends here (through `index` or the fallback below): always revalidate.
        ...block("location = /index.html", headerLines(CACHE_POLICIES.page.variable)),
        "",
        // Client-side routes fall back to the SPA shell; other root files (favicon, robots.txt)
        // are not hashed, so they revalidate too.
        ...block("location /", ["try_files $uri /index.html;", ...headerLines(CACHE_POLICIES.page.variable)]),
    ];
    return [
        "# Rendered by dropit-infra (renderers/nginx.ts).",
        ...cacheMaps(),
        "",
        ...block("server", server),
        ...(bridge ? ["", ...bridgeServer(bridge)] : []),
        "",
    ].join("\n");
}
