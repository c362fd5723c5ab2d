/**
 * scripts/smoke.ts against real loopback servers: an HTTPS server (certificate from a test CA
 * made here with openssl, SANs for every host) answering like Traefik + the app, and an HTTP
 * server redirecting to HTTPS. Host names are mapped to 127.0.0.1 with --resolve.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { checkBackupAge, judgeBackupAge, main, parseOutputs } from "../../scripts/smoke";

const HOSTS = ["example.test", "api.example.test", "dokploy.example.test", "traefik.example.test"];
const OUTPUTS = {
    deployment: {
        schemaVersion: 1,
        urls: {
            web: "https://example.test",
            api: "https://api.example.test",
            apiHealth: "https://api.example.test/api/health",
            dokploy: "https://dokploy.example.test",
            traefik: "https://traefik.example.test",
        },
        server: { host: "127.0.0.1" },
    },
    other: "outputs beside `deployment` are ignored",
};

/** What the fake deployment does; each failing case changes one thing, then restores it. */
const behaviour = { healthStatus: 200, deepLinkStatus: 200, traefikStatus: 401, redirect: true, hsts: true };
const HEALTHY = { ...behaviour };

let dir: string;
let httpsServer: https.Server;
let httpServer: http.Server;
let outputsFile: string;
let certs: { ca: string; key: string; good: string; nearExpiry: string; wrongName: string };

function openssl(args: string[]): void {
    const result = spawnSync("openssl", args, { cwd: dir, encoding: "utf8", timeout: 10000 });
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
}

/** A test CA and leaf certificates signed by it (EC keys: fast to generate). */
function makeCertificates() {
    openssl([
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "30",
        "-subj",
        "/CN=DropIt Smoke Test CA",
    ]);
    openssl([
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=example.test",
    ]);
    const leaf = (name: string, days: string, sans: string[]) => {
        fs.writeFileSync(
            path.join(dir, `${name}.ext`),
            `subjectAltName=${sans.map((h) => `DNS:${h}`).join(",")}\nextendedKeyUsage=serverAuth\n`,
        );
        openssl([
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            days,
            "-extfile",
            `${name}.ext`,
            "-out",
            `${name}.pem`,
        ]);
        return fs.readFileSync(path.join(dir, `${name}.pem`), "utf8");
    };
    return {
        ca: path.join(dir, "ca.pem"),
        key: fs.readFileSync(path.join(dir, "leaf.key"), "utf8"),
        good: leaf("good", "90", HOSTS),
        nearExpiry: leaf("near", "5", HOSTS),
        wrongName: leaf("wrong", "90", ["other.test"]),
    };
}

function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const host = (req.headers.host ?? "").replace(/:\d+$/, "");
    if (behaviour.hsts) res.setHeader("Strict-Transport-Security", "max-age=31536000");
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "Content-Type": type, ...headers });
        res.end(body);
    };
    if (host === "example.test") {
        if (req.url === "/athletes/smoke-test") return send(behaviour.deepLinkStatus, "text/html", "<!doctype html><div id=root></div>");
        return send(200, "text/html", "<!doctype html><div id=root></div>");
    }
    if (host === "api.example.test") {
        if (req.url === "/api/health") return send(behaviour.healthStatus, "application/json", '{"status":"ok"}');
        return send(404, "application/json", '{"statusCode":404}');
    }
    if (host === "dokploy.example.test") return send(302, "text/plain", "", { Location: "/login" });
    if (host === "traefik.example.test")
        return send(behaviour.traefikStatus, "text/plain", "", { "WWW-Authenticate": 'Basic realm="traefik"' });
    send(404, "text/plain", "404 page not found");
}

const listen = (server: net.Server) =>
    new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));

let cliArgs: string[];

beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-smoke-"));
    certs = makeCertificates();
    httpsServer = https.createServer({ key: certs.key, cert: certs.good }, answer);
    httpServer = http.createServer((req, res) => {
        if (!behaviour.redirect) return answer(req, res);
        const host = (req.headers.host ?? "").replace(/:\d+$/, "");
        res.writeHead(308, { Location: `https://${host}${req.url ?? "/"}` }).end();
    });
    const [httpsPort, httpPort] = await Promise.all([listen(httpsServer), listen(httpServer)]);
    outputsFile = path.join(dir, "outputs.json");
    fs.writeFileSync(outputsFile, JSON.stringify(OUTPUTS));
    cliArgs = [
        ...HOSTS.flatMap((h) => ["--resolve", `${h}:127.0.0.1`]),
        "--ca",
        certs.ca,
        "--https-port",
        String(httpsPort),
        "--http-port",
        String(httpPort),
        "--timeout-ms",
        "3000",
    ];
}, 20000);

afterAll(async () => {
    await Promise.all([httpsServer, httpServer].map((s) => new Promise((resolve) => (s ? s.close(resolve) : resolve(undefined)))));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
    Object.assign(behaviour, HEALTHY);
    httpsServer.setSecureContext({ key: certs.key, cert: certs.good });
});

async function smoke(extra: string[] = []): Promise<{ code: number; out: string }> {
    let out = "";
    const code = await main([outputsFile, ...cliArgs, ...extra], { readStdin: () => "", write: (t) => (out += t) });
    return { code, out };
}

const failingLines = (out: string) => out.split("\n").filter((line) => line.startsWith("FAIL"));

describe("smoke", () => {
    it("passes every check against a healthy deployment", async () => {
        const { code, out } = await smoke();
        expect(failingLines(out)).toEqual([]);
        expect(out).toContain("smoke: all 16 checks passed");
        expect(code).toBe(0);
        expect(out).toMatch(/^ok\s+cert\s+example\.test\s+(89|90) days left/m);
        expect(out).toMatch(/^ok\s+redirect\s+http:\/\/api\.example\.test\/\s+308 https:\/\/api\.example\.test\//m);
    });

    it.each([
        ["health answers 503", { healthStatus: 503 }, /^FAIL\s+health\s+https:\/\/api\.example\.test\/api\/health\s+503/m],
        ["deep link answers 404", { deepLinkStatus: 404 }, /^FAIL\s+deep-link\s+https:\/\/example\.test\/athletes\/smoke-test\s+404/m],
        ["Traefik dashboard open without auth", { traefikStatus: 200 }, /^FAIL\s+https traefik\s+.*200 \(expected 401/m],
        ["HTTP not redirected", { redirect: false }, /^FAIL\s+redirect\s+http:\/\/example\.test\/\s+200/m],
        ["no HSTS", { hsts: false }, /^FAIL\s+hsts\s+https:\/\/example\.test\s+missing/m],
    ])("fails and names the check when %s", async (_name, change, line) => {
        Object.assign(behaviour, change);
        const { code, out } = await smoke();
        expect(code).toBe(1);
        expect(out).toMatch(line);
        expect(out).toMatch(/smoke: \d+ of 16 checks FAILED/);
    });

    it("fails on a certificate that expires within the threshold", async () => {
        httpsServer.setSecureContext({ key: certs.key, cert: certs.nearExpiry });
        const { code, out } = await smoke();
        expect(code).toBe(1);
        expect(failingLines(out).filter((l) => /^FAIL\s+cert/.test(l))).toHaveLength(4);
        expect(out).toMatch(/^FAIL\s+cert\s+example\.test\s+[45] days left \(minimum 14\)/m);
        // The threshold is an option.
        expect((await smoke(["--min-cert-days", "3"])).code).toBe(0);
    });

    it("fails on a certificate for another name, and without the test CA", async () => {
        httpsServer.setSecureContext({ key: certs.key, cert: certs.wrongName });
        const wrong = await smoke();
        expect(wrong.code).toBe(1);
        expect(wrong.out).toMatch(/^FAIL\s+cert\s+example\.test\s+.*(altnames|Hostname)/m);
        httpsServer.setSecureContext({ key: certs.key, cert: certs.good });
        const untrusted = cliArgs.filter((a, i) => a !== "--ca" && cliArgs[i - 1] !== "--ca");
        let out = "";
        const code = await main([outputsFile, ...untrusted], { readStdin: () => "", write: (t) => (out += t) });
        expect(code).toBe(1);
        expect(out).toMatch(/^FAIL\s+cert\s+example\.test\s+.*(certificate|issuer)/m);
    });

    it("fails within the per-request timeout when a server accepts but never answers", async () => {
        const sockets: net.Socket[] = [];
        const silent = net.createServer((socket) => sockets.push(socket));
        const port = await listen(silent);
        try {
            const started = Date.now();
            const { code, out } = await smoke(["--https-port", String(port), "--http-port", String(port), "--timeout-ms", "800"]);
            expect(code).toBe(1);
            expect(failingLines(out)).toHaveLength(16);
            expect(out).toContain("within 800 ms");
            expect(Date.now() - started).toBeLessThan(4000);
        } finally {
            sockets.forEach((s) => s.destroy());
            await new Promise((resolve) => silent.close(resolve));
        }
    });

    it("fails when nothing listens", async () => {
        const { code, out } = await smoke(["--https-port", "1", "--http-port", "1"]);
        expect(code).toBe(1);
        expect(out).toMatch(/^FAIL\s+health\s+.*ECONNREFUSED/m);
    });

    it("rejects outputs without a usable deployment object (exit 2)", async () => {
        expect(() => parseOutputs("not json")).toThrow(/not JSON/);
        expect(() => parseOutputs(JSON.stringify({ deployment: { schemaVersion: 2 } }))).toThrow(/schemaVersion/);
        expect(() =>
            parseOutputs(
                JSON.stringify({ deployment: { ...OUTPUTS.deployment, urls: { ...OUTPUTS.deployment.urls, web: "http://example.test" } } }),
            ),
        ).toThrow(/urls\.web/);
        let out = "";
        expect(await main(["--bogus"], { readStdin: () => "", write: (t) => (out += t) })).toBe(2);
        expect(out).toContain("unexpected argument --bogus");
    });

    it("runs as a command reading the outputs on stdin", async () => {
        const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "../../scripts/smoke.ts"), ...cliArgs], {
            cwd: path.join(__dirname, "../.."),
            stdio: ["pipe", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.stdin.end(JSON.stringify(OUTPUTS));
        const code = await new Promise<number | null>((resolve) => {
            const timer = setTimeout(() => child.kill("SIGKILL"), 15000);
            child.on("exit", (c) => {
                clearTimeout(timer);
                resolve(c);
            });
        });
        expect(out).toContain("smoke: all 16 checks passed");
        expect(code).toBe(0);
    }, 20000);

    it("with offsite backups, the backup-age check fails without --ssh-key and judges the age the VPS reports (the SSH path: tests/e2e/backup)", async () => {
        const backups = { offsiteMaxAgeHours: 26, ssh: { user: "deploy", port: 22, hostKey: "ssh-ed25519 AAAA" }, ageCommand: "true" };
        const deployment = parseOutputs(JSON.stringify({ deployment: { ...OUTPUTS.deployment, backups } }));
        const result = await checkBackupAge(deployment, {});
        expect(result).toMatchObject({ check: "backup-age", ok: false, detail: expect.stringContaining("--ssh-key") });
        expect(judgeBackupAge(String(25 * 3600), 26)).toEqual([true, "newest offsite snapshot 25.0 h old (maximum 26 h)"]);
        expect(judgeBackupAge(String(27 * 3600), 26)).toEqual([false, "newest offsite snapshot 27.0 h old (maximum 26 h)"]);
        expect(judgeBackupAge("dropit-pg-offsite: ERROR: no snapshot", 26)[0]).toBe(false);
    });
});
