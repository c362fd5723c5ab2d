/**
 * A real nginx (Debian's /usr/sbin/nginx) serving the rendered server block over a small
 * Vite-style build, on 127.0.0.1 and a free port. Used by the nginx tests and the frontend
 * benchmark (scripts/bench-frontend.ts).
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { renderNginxConf, WEB_ROOT } from "../../renderers/nginx";
import { freePort, sleep, waitForPort } from "./loopback";

export const NGINX_BIN = "/usr/sbin/nginx";

/** The files of the fixture build, as a browser would fetch them for a first visit. */
export const BUILD_ASSETS = ["/assets/index-abc123.js", "/assets/index-def456.css", "/assets/logo-123abc.svg"] as const;

/** Deterministic pseudo-random text that compresses like real minified code, not like zeros. */
function pseudoSource(seed: number, lines: number, line: (rand: () => number, i: number) => string): string {
    let state = seed;
    const rand = () => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return state / 2147483648;
    };
    return Array.from({ length: lines }, (_, i) => line(rand, i)).join("\n");
}

const ident = (rand: () => number) => Math.floor(rand() * 36 ** 4).toString(36);

/** index.html plus hashed JS, CSS and SVG under assets/, as `vite build` lays them out. */
export function createViteBuild(root: string): void {
    fs.mkdirSync(path.join(root, "assets"), { recursive: true });
    const js = pseudoSource(
        1,
        2500,
        (r, i) =>
            `function ${ident(r)}${i}(e,t){const n=e.${ident(r)}??t;return n.map(o=>({id:o.${ident(r)},label:"${ident(r)} ${ident(r)}",v:${Math.floor(r() * 1e6)}}))}`,
    );
    const css = pseudoSource(
        2,
        900,
        (r, i) =>
            `.c-${ident(r)}${i}{display:flex;margin:${Math.floor(r() * 40)}px;color:#${Math.floor(r() * 0xffffff)
                .toString(16)
                .padStart(6, "0")};padding:0 ${Math.floor(r() * 9)}rem}`,
    );
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">${pseudoSource(
        3,
        60,
        (r) =>
            `<circle cx="${Math.floor(r() * 100)}" cy="${Math.floor(r() * 100)}" r="${Math.floor(r() * 20)}" fill="#${Math.floor(
                r() * 0xffffff,
            )
                .toString(16)
                .padStart(6, "0")}"/>`,
    )}</svg>`;
    const html = `<!doctype html>
<html lang="fr">
  <head>
    <meta charset="UTF-8" />
    <link rel="icon" type="image/svg+xml" href="/assets/logo-123abc.svg" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <title>DropIt</title>
    <script type="module" crossorigin src="/assets/index-abc123.js"></script>
    <link rel="stylesheet" crossorigin href="/assets/index-def456.css">
  </head>
  <body>
    <div id="root"></div>
    <!-- ${"padding so that index.html is above gzip_min_length. ".repeat(30)} -->
  </body>
</html>
`;
    fs.writeFileSync(path.join(root, "index.html"), html);
    fs.writeFileSync(path.join(root, "assets/index-abc123.js"), js);
    fs.writeFileSync(path.join(root, "assets/index-def456.css"), css);
    fs.writeFileSync(path.join(root, "assets/logo-123abc.svg"), svg);
}

/** Where a test nginx listens: a loopback address (127.0.0.0/8), and the asset bridge's port when it has one. */
export interface TestListen {
    address?: string;
    bridgePort?: number;
}

/** Our own http{} around the rendered server block, everything under `dir`, loopback only. */
export function wrapForTest(serverBlock: string, dir: string, root: string, port: number, listen: TestListen = {}): string {
    const address = listen.address ?? "127.0.0.1";
    if (!address.startsWith("127.")) throw new Error(`test nginx listens on loopback only, not ${address}`);
    const main = "listen 80;";
    if (!serverBlock.includes(main) || !serverBlock.includes(`root ${WEB_ROOT};`)) {
        throw new Error("rendered server block no longer has `listen 80;` and the image's root");
    }
    let server = serverBlock.replace(main, `listen ${address}:${port};`).replaceAll(`root ${WEB_ROOT};`, `root ${root};`);
    if (listen.bridgePort !== undefined) {
        const bridge = `listen ${listen.bridgePort};`;
        if (!server.includes(bridge)) throw new Error(`rendered config has no \`${bridge}\``);
        server = server.replace(bridge, `listen ${address}:${listen.bridgePort};`);
    }
    // The master runs as root here; workers would otherwise drop to `nobody`, who cannot read
    // a 0700 temp dir.
    const user = process.getuid?.() === 0 ? "user root;" : "";
    return `${user}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
${server}
}
`;
}

export interface RunningNginx {
    /** The loopback address it listens on. */
    address: string;
    port: number;
    dir: string;
    root: string;
    stop(): Promise<void>;
}

export interface StartOptions extends TestListen {
    /** Lays out the web root (default: the fixture Vite build). */
    build?: (root: string) => void;
    /** Runs in the fresh directory before nginx starts (e.g. the bridge's start script). */
    beforeStart?: (dir: string, root: string) => void;
    /** Renders the config for the fresh directory, in place of `serverBlock`. */
    render?: (dir: string) => string;
}

/** Starts nginx over a fresh fixture build; bounded wait for it to listen. */
export async function startNginx(serverBlock = renderNginxConf(), options: StartOptions = {}): Promise<RunningNginx> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-nginx-"));
    const root = path.join(dir, "html");
    (options.build ?? createViteBuild)(root);
    options.beforeStart?.(dir, root);
    const port = await freePort();
    const confFile = path.join(dir, "nginx.conf");
    fs.writeFileSync(confFile, wrapForTest(options.render?.(dir) ?? serverBlock, dir, root, port, options));
    const child: ChildProcess = spawn(NGINX_BIN, ["-c", confFile, "-p", dir, "-g", "daemon off;"], {
        stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    let exited: string | undefined;
    child.once("exit", (code, signal) => (exited = `exit ${code ?? signal}: ${stderr.trim()}`));
    const stop = async () => {
        if (exited === undefined) {
            child.kill("SIGQUIT");
            for (let i = 0; i < 50 && exited === undefined; i += 1) await sleep(50);
            if (exited === undefined) child.kill("SIGKILL");
        }
        fs.rmSync(dir, { recursive: true, force: true });
    };
    try {
        await waitForPort(port, 5000, () => exited, options.address);
    } catch (error) {
        await stop();
        throw error;
    }
    return { address: options.address ?? "127.0.0.1", port, dir, root, stop };
}

export interface FetchResult {
    status: number;
    headers: http.IncomingHttpHeaders;
    /** The body as sent (still gzip-compressed if Content-Encoding says so). */
    body: Buffer;
    /** Every byte read from the socket for this exchange: status line, headers and body. */
    wireBytes: number;
}

/** One GET on its own connection (agent: false) so the socket's byte count is this exchange's. */
export function fetchRaw(port: number, urlPath: string, headers: http.OutgoingHttpHeaders = {}, host = "127.0.0.1"): Promise<FetchResult> {
    return new Promise((resolve, reject) => {
        const req = http.get({ host, port, path: urlPath, headers, agent: false, timeout: 5000 }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () =>
                resolve({
                    status: res.statusCode ?? 0,
                    headers: res.headers,
                    body: Buffer.concat(chunks),
                    wireBytes: res.socket.bytesRead,
                }),
            );
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error(`GET ${urlPath} timed out`)));
        req.on("error", reject);
    });
}
