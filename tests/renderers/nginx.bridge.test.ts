/**
 * Asset bridging on Debian's real nginx: two "tasks" of two releases on their own loopback
 * addresses, found through a DNS server on 127.0.0.1 that answers the peers' name with both,
 * as Docker's embedded DNS answers tasks.<service>; and the start script (docker/web-asset-bridge.sh)
 * copying a running peer's assets for real over HTTP.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ASSET_BRIDGE_SCRIPT, ASSETS_CACHE_CONTROL, ERROR_CACHE_CONTROL, renderNginxConf, type AssetBridge } from "../../renderers/nginx";
import { startFakeDnsServer, type FakeDnsServer } from "../support/fakeDnsServer";
import { freePort } from "../support/loopback";
import { fetchRaw, startNginx, type RunningNginx } from "../support/nginxServer";

const SCRIPT = ASSET_BRIDGE_SCRIPT.source;
const PEERS = "tasks.dropit-web";
const OLD = { address: "127.0.0.2", asset: "index-old111.js" };
const NEW = { address: "127.0.0.3", asset: "index-new222.js" };

let dns: FakeDnsServer;
let bridgePort: number;
let oldTask: RunningNginx;
let newTask: RunningNginx;

/** A release: index.html referencing one hashed asset, and that asset. */
function release(asset: string) {
    return (root: string) => {
        fs.mkdirSync(path.join(root, "assets"), { recursive: true });
        fs.writeFileSync(path.join(root, "index.html"), `<script type="module" src="/assets/${asset}"></script>\n`);
        fs.writeFileSync(path.join(root, "assets", asset), `console.log("${asset}");\n`);
    };
}

function bridgeIn(dir: string): AssetBridge {
    return { peers: PEERS, port: bridgePort, resolver: dns.address, stateDir: path.join(dir, "bridge") };
}

/** The start script as the task's entrypoint runs it: its whole input is the environment. */
function runStartScript(dir: string, root: string, peers: string, budgetSeconds = 20) {
    return spawnSync("sh", [SCRIPT], {
        encoding: "utf8",
        timeout: 30_000,
        env: {
            PATH: process.env.PATH,
            DROPIT_ASSET_PEERS: peers,
            DROPIT_ASSET_BRIDGE_PORT: String(bridgePort),
            DROPIT_ASSET_BRIDGE_STATE: path.join(dir, "bridge"),
            DROPIT_WEB_ROOT: root,
            DROPIT_ASSET_FETCH_SECONDS: String(budgetSeconds),
        },
    });
}

/** A task of one release, its config rendered for its own directory, the start script run before nginx. */
function startTask(task: { address: string; asset: string }, startPeers: string): Promise<RunningNginx> {
    return startNginx(undefined, {
        address: task.address,
        bridgePort,
        build: release(task.asset),
        beforeStart: (dir, root) => {
            const run = runStartScript(dir, root, startPeers);
            if (run.status !== 0) throw new Error(`start script failed: ${run.stderr}`);
        },
        render: (dir) => renderNginxConf({ assetBridge: bridgeIn(dir) }),
    });
}

const get = (task: RunningNginx, urlPath: string) => fetchRaw(task.port, urlPath, {}, task.address);

beforeAll(async () => {
    dns = await startFakeDnsServer({ [PEERS]: { kind: "answer", address: [OLD.address, NEW.address] } });
    bridgePort = await freePort();
    // The old release starts alone (no peer answers); the new one starts beside it and copies its assets.
    oldTask = await startTask(OLD, "127.0.0.9");
    newTask = await startTask(NEW, OLD.address);
}, 30_000);

afterAll(async () => {
    await oldTask?.stop();
    await newTask?.stop();
    await dns?.close();
});

describe("asset bridging", () => {
    it("renders the bridge's second server only when asked (the tasks above run nginx on it)", () => {
        const conf = renderNginxConf({ assetBridge: { peers: PEERS, port: 8081, resolver: "127.0.0.11", stateDir: "/var/lib/b" } });
        expect(conf).toContain("listen 8081;");
        expect(conf).toContain("proxy_next_upstream error timeout http_404;");
        expect(renderNginxConf()).not.toContain("8081");
    });

    it("the old task serves the new release's asset, asked of its peers, under the immutable policy", async () => {
        // nginx starts its round robin over the peers anywhere: whichever answers first, every request succeeds.
        for (let i = 0; i < 6; i += 1) {
            const res = await get(oldTask, `/assets/${NEW.asset}`);
            expect(res.status).toBe(200);
            expect(res.body.toString()).toContain(NEW.asset);
            expect(res.headers["cache-control"]).toBe(ASSETS_CACHE_CONTROL);
            expect(res.headers["x-content-type-options"]).toBe("nosniff");
        }
    });

    it("the new task copied the old release's asset at start, and lists only its own for its peers", async () => {
        expect(fs.existsSync(path.join(newTask.root, "assets", OLD.asset))).toBe(true);
        expect(fs.readFileSync(path.join(newTask.dir, "bridge", "release-assets.txt"), "utf8")).toBe(`${NEW.asset}\n`);
        const res = await get(newTask, `/assets/${OLD.asset}`);
        expect(res.status).toBe(200);
        expect(res.body.toString()).toContain(OLD.asset);
    });

    it("an asset no task has is an uncached 404 at once: a forwarded request is never forwarded again", async () => {
        const started = Date.now();
        const res = await get(oldTask, "/assets/index-none333.js");
        expect(res.status).toBe(404);
        expect(res.headers["cache-control"]).toBe(ERROR_CACHE_CONTROL);
        expect(Date.now() - started).toBeLessThan(1000);
    });

    it("the bridge port serves only the task's own files and its list", async () => {
        const bridge = (urlPath: string) => fetchRaw(bridgePort, urlPath, {}, OLD.address);
        expect((await bridge(`/assets/${OLD.asset}`)).status).toBe(200);
        expect((await bridge(`/assets/${NEW.asset}`)).status).toBe(404);
        expect((await bridge("/")).status).toBe(404);
        expect((await bridge("/index.html")).status).toBe(404);
        expect((await bridge("/dropit-release-assets.txt")).body.toString()).toBe(`${OLD.asset}\n`);
    });

    it("with the peers' name unknown to DNS, a missing asset is the same 404, not a gateway error", async () => {
        dns.names.delete(PEERS);
        try {
            await new Promise((resolve) => setTimeout(resolve, 1100)); // the resolver keeps an answer 1 s
            const res = await get(oldTask, "/assets/index-none444.js");
            expect(res.status).toBe(404);
            expect(res.headers["cache-control"]).toBe(ERROR_CACHE_CONTROL);
        } finally {
            dns.names.set(PEERS, { kind: "answer", address: [OLD.address, NEW.address] });
        }
    });

    it("the start script never stops nginx from starting: no peer answering, no configuration", () => {
        const dir = fs.mkdtempSync(path.join(newTask.dir, "alone-"));
        const root = path.join(dir, "html");
        release("index-alone555.js")(root);
        const started = Date.now();
        const unreachable = runStartScript(dir, root, "127.0.0.9", 5);
        expect(unreachable.status).toBe(0);
        expect(unreachable.stderr).toContain("did not list its assets");
        expect(Date.now() - started).toBeLessThan(10_000);
        const unset = spawnSync("sh", [SCRIPT], { encoding: "utf8", timeout: 10_000, env: { PATH: process.env.PATH } });
        expect(unset.status).toBe(0);
        expect(unset.stderr).toContain("must be set");
    });

    it("control: without the bridge, each task 404s the other release's asset (the failure the bridge removes)", async () => {
        const plain = await startNginx(renderNginxConf(), { address: "127.0.0.4", build: release(OLD.asset) });
        try {
            const res = await fetchRaw(plain.port, `/assets/${NEW.asset}`, {}, plain.address);
            expect(res.status).toBe(404);
        } finally {
            await plain.stop();
        }
    });
});
