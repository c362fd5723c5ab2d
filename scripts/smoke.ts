/**
 * Smoke check of a live deployment, from the stack's `deployment` output (schemaVersion 1).
 *
 *   pulumi stack output --json > outputs.json && npx tsx scripts/smoke.ts outputs.json
 *   pulumi stack output --json | npx tsx scripts/smoke.ts
 *
 * Options (the test ones let a test point real hostnames at loopback servers):
 *   --resolve HOST:IP     connect to IP for HOST (repeatable), like curl's --resolve
 *   --ca FILE             also trust this CA (PEM)
 *   --http-port N         port for http:// URLs without a port (default 80)
 *   --https-port N        port for https:// URLs without a port (default 443)
 *   --timeout-ms N        per request (default 10000)
 *   --min-cert-days N     fail when a certificate expires sooner (default 14)
 *   --ssh-key FILE        the deploy user's private key, for the backup-age check
 *
 * Checks, per URL of `deployment.urls`:
 *   https      web, dokploy: 2xx or 3xx; api (the bare origin, where NestJS answers 404 outside
 *              /api): any answer below 500; traefik: exactly 401, because the dashboard sits
 *              behind basic auth and an anonymous 2xx would mean it is open to the world.
 *   redirect   http://host/ answers 301 or 308 with an https://host Location.
 *   health     apiHealth answers 2xx.
 *   deep-link  <web>/athletes/smoke-test answers 200 text/html (the SPA fallback).
 *   hsts       web and api send Strict-Transport-Security (set once, by Traefik).
 *   cert       each host's certificate verifies for its name and has at least --min-cert-days left.
 *   backup-age with offsite backups (`deployment.backups`): the newest offsite snapshot, read on
 *              the VPS over SSH (--ssh-key, the deploy user's key; host key pinned from the
 *              output), is at most offsiteMaxAgeHours old. Without --ssh-key this check fails.
 * Prints a table; exit 0 when every check passes, 1 when one fails, 2 on bad input.
 */
import * as dns from "node:dns";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { LookupFunction } from "node:net";
import * as tls from "node:tls";
import { z } from "zod";
import { spawn } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { writeSshIdentity } from "../lib/sshIdentity";
import { exitWhenDrained, wantsHelp } from "./cli";

const deploymentSchema = z.object({
    schemaVersion: z.literal(1),
    urls: z.object({
        web: z.url({ protocol: /^https$/ }),
        api: z.url({ protocol: /^https$/ }),
        apiHealth: z.url({ protocol: /^https$/ }),
        dokploy: z.url({ protocol: /^https$/ }),
        traefik: z.url({ protocol: /^https$/ }),
    }),
    server: z.object({ host: z.string() }),
    backups: z
        .object({
            offsiteMaxAgeHours: z.number().positive(),
            ssh: z.object({ user: z.string(), port: z.number().int().positive(), hostKey: z.string() }),
            ageCommand: z.string(),
        })
        .optional(),
});
export type Deployment = z.infer<typeof deploymentSchema>;

export interface SmokeOptions {
    resolve: ReadonlyMap<string, string>;
    ca?: Buffer;
    httpPort: number;
    httpsPort: number;
    timeoutMs: number;
    minCertDays: number;
    /** The deploy user's private key file, for the backup-age check over SSH. */
    sshKey?: string;
}

export interface CheckResult {
    check: string;
    target: string;
    ok: boolean;
    detail: string;
}

interface Answer {
    status: number;
    headers: http.IncomingHttpHeaders;
}

const DEFAULTS: SmokeOptions = { resolve: new Map(), httpPort: 80, httpsPort: 443, timeoutMs: 10000, minCertDays: 14 };
const DAY_MS = 86_400_000;

function lookupFor(resolve: ReadonlyMap<string, string>): LookupFunction | undefined {
    if (resolve.size === 0) return undefined;
    return (hostname, options, callback) => {
        const ip = resolve.get(hostname.toLowerCase());
        if (ip === undefined) {
            // Names not mapped resolve normally.
            dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
                if (error) callback(error, "", 0);
                else if (options.all) callback(null, addresses);
                else callback(null, addresses[0]?.address ?? "", addresses[0]?.family ?? 4);
            });
            return;
        }
        const family = ip.includes(":") ? 6 : 4;
        if (options.all) callback(null, [{ address: ip, family }]);
        else callback(null, ip, family);
    };
}

function portOf(url: URL, opts: SmokeOptions): number {
    if (url.port) return Number(url.port);
    return url.protocol === "https:" ? opts.httpsPort : opts.httpPort;
}

/** One GET, no redirects followed, body discarded, bounded by the timeout. */
function request(target: string, opts: SmokeOptions): Promise<Answer> {
    const url = new URL(target);
    const secure = url.protocol === "https:";
    const options: https.RequestOptions = {
        host: url.hostname,
        port: portOf(url, opts),
        path: `${url.pathname}${url.search}`,
        method: "GET",
        headers: { "User-Agent": "dropit-smoke/1", Accept: "text/html,application/json;q=0.9,*/*;q=0.8" },
        lookup: lookupFor(opts.resolve),
        agent: false,
        timeout: opts.timeoutMs,
        ...(secure ? { servername: url.hostname, ca: opts.ca ? [...tls.rootCertificates, opts.ca.toString()] : undefined } : {}),
    };
    return new Promise((resolve, reject) => {
        const req = (secure ? https : http).request(options, (res) => {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
        req.on("error", reject);
        req.end();
    });
}

/** The server's leaf certificate, verified against the trusted CAs and the host name. */
function peerCertificate(host: string, opts: SmokeOptions): Promise<tls.PeerCertificate> {
    return new Promise((resolve, reject) => {
        const socket = tls.connect({
            host,
            port: opts.httpsPort,
            servername: host,
            lookup: lookupFor(opts.resolve),
            ca: opts.ca ? [...tls.rootCertificates, opts.ca.toString()] : undefined,
            timeout: opts.timeoutMs,
        });
        socket.once("secureConnect", () => {
            const cert = socket.getPeerCertificate();
            socket.end();
            resolve(cert);
        });
        socket.once("timeout", () => socket.destroy(new Error(`no TLS handshake within ${opts.timeoutMs} ms`)));
        socket.once("error", reject);
    });
}

const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function check(name: string, target: string, run: () => Promise<[boolean, string]>): Promise<CheckResult> {
    try {
        const [ok, detail] = await run();
        return { check: name, target, ok, detail };
    } catch (error) {
        return { check: name, target, ok: false, detail: describeError(error) };
    }
}

/** Runs the output's age command on the VPS over SSH (key from --ssh-key, host key pinned); resolves with its stdout. */
function remoteAge(backups: NonNullable<Deployment["backups"]>, host: string, keyFile: string, timeoutMs: number): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-smoke-"));
    const options = writeSshIdentity({ host, port: backups.ssh.port, hostKey: backups.ssh.hostKey }, fs.readFileSync(keyFile, "utf8"), dir);
    return new Promise((resolve, reject) => {
        const child = spawn(
            "ssh",
            [...options, "-o", "ConnectTimeout=10", "-p", String(backups.ssh.port), `${backups.ssh.user}@${host}`, backups.ageCommand],
            {
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("close", (status) => {
            clearTimeout(timer);
            fs.rmSync(dir, { recursive: true, force: true });
            if (status === 0) resolve(stdout.trim());
            else
                reject(
                    new Error(
                        `${backups.ageCommand} on the VPS failed (${status ?? "killed"}): ${stderr.trim().split("\n").slice(-2).join(" ")}`,
                    ),
                );
        });
    });
}

/** The backup-age verdict: [ok, detail] for an age in seconds against the maximum in hours. */
export function judgeBackupAge(ageText: string, maxAgeHours: number): [boolean, string] {
    if (!/^\d+$/.test(ageText)) return [false, `unreadable age ${JSON.stringify(ageText.slice(0, 40))}`];
    const hours = Number(ageText) / 3600;
    return [hours <= maxAgeHours, `newest offsite snapshot ${hours.toFixed(1)} h old (maximum ${maxAgeHours} h)`];
}

/** With offsite backups: the newest snapshot's age, read on the VPS, against offsiteMaxAgeHours. */
export function checkBackupAge(deployment: Deployment, options: Partial<SmokeOptions> = {}): Promise<CheckResult> {
    const opts: SmokeOptions = { ...DEFAULTS, ...options };
    return check("backup-age", deployment.server.host, async () => {
        const backups = deployment.backups;
        if (!backups) return [true, "no offsite backups configured"];
        if (!opts.sshKey)
            return [false, "offsite backups are configured: pass --ssh-key <deploy user's key> to read the newest snapshot's age"];
        return judgeBackupAge(
            await remoteAge(backups, deployment.server.host, opts.sshKey, opts.timeoutMs * 6),
            backups.offsiteMaxAgeHours,
        );
    });
}

const isRedirectToHttps = (answer: Answer, host: string) => {
    const location = answer.headers.location ?? "";
    return (
        (answer.status === 301 || answer.status === 308) &&
        location.startsWith(`https://${host}`) &&
        (location.length === `https://${host}`.length || /^[/:?]/.test(location.slice(`https://${host}`.length)))
    );
};

type StatusRule = [string, (status: number) => boolean];
const TWO_OR_THREE: StatusRule = ["2xx/3xx", (s) => s >= 200 && s < 400];
const BELOW_500: StatusRule = ["<500", (s) => s > 0 && s < 500];
const UNAUTHORIZED: StatusRule = ["401 (basic auth)", (s) => s === 401];

export async function runSmoke(deployment: Deployment, options: Partial<SmokeOptions> = {}): Promise<CheckResult[]> {
    const opts: SmokeOptions = { ...DEFAULTS, ...options };
    const { urls } = deployment;
    const statusChecks: Array<[string, string, StatusRule]> = [
        ["web", urls.web, TWO_OR_THREE],
        ["api", urls.api, BELOW_500],
        ["dokploy", urls.dokploy, TWO_OR_THREE],
        ["traefik", urls.traefik, UNAUTHORIZED],
    ];
    const hosts = [...new Set(statusChecks.map(([, url]) => new URL(url).hostname))];
    const deepLink = new URL("/athletes/smoke-test", urls.web).toString();

    const checks: Array<Promise<CheckResult>> = [
        ...statusChecks.map(([name, url, [expected, accepts]]) =>
            check(`https ${name}`, url, async () => {
                const answer = await request(url, opts);
                return [accepts(answer.status), `${answer.status} (expected ${expected})`];
            }),
        ),
        ...hosts.map((host) =>
            check("redirect", `http://${host}/`, async () => {
                const answer = await request(`http://${host}/`, opts);
                return [isRedirectToHttps(answer, host), `${answer.status} ${answer.headers.location ?? "(no Location)"}`];
            }),
        ),
        check("health", urls.apiHealth, async () => {
            const answer = await request(urls.apiHealth, opts);
            return [answer.status >= 200 && answer.status < 300, `${answer.status} (expected 2xx)`];
        }),
        check("deep-link", deepLink, async () => {
            const answer = await request(deepLink, opts);
            const type = answer.headers["content-type"] ?? "";
            return [answer.status === 200 && type.startsWith("text/html"), `${answer.status} ${type || "(no Content-Type)"}`];
        }),
        ...[urls.web, urls.api].map((url) =>
            check("hsts", url, async () => {
                const value = (await request(url, opts)).headers["strict-transport-security"];
                return [/max-age=\d+/.test(value ?? ""), value ?? "missing"];
            }),
        ),
        ...hosts.map((host) =>
            check("cert", host, async () => {
                const cert = await peerCertificate(host, opts);
                const daysLeft = Math.floor((new Date(cert.valid_to).getTime() - Date.now()) / DAY_MS);
                return [
                    daysLeft >= opts.minCertDays,
                    `${daysLeft} days left (minimum ${opts.minCertDays}), ${[cert.issuer?.CN ?? "?"].flat().join(", ")}`,
                ];
            }),
        ),
    ];
    if (deployment.backups) checks.push(checkBackupAge(deployment, opts));
    return Promise.all(checks);
}

export function formatTable(results: readonly CheckResult[]): string {
    const rows = results.map((r) => [r.ok ? "ok" : "FAIL", r.check, r.target, r.detail]);
    const header = ["", "check", "target", "detail"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    return [header, ...rows]
        .map((row) =>
            row
                .map((cell, i) => cell.padEnd(widths[i]))
                .join("  ")
                .trimEnd(),
        )
        .join("\n");
}

/** Accepts the whole `pulumi stack output --json` object or just its `deployment`. */
export function parseOutputs(text: string): Deployment {
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch {
        throw new Error("stack outputs are not JSON (use `pulumi stack output --json`)");
    }
    const candidate = typeof json === "object" && json !== null && "deployment" in json ? json.deployment : json;
    const parsed = deploymentSchema.safeParse(candidate);
    if (!parsed.success) {
        const issues = parsed.error.issues.map((issue) => `deployment.${issue.path.join(".")}: ${issue.message}`);
        throw new Error(`stack outputs have no usable \`deployment\` (schemaVersion 1):\n  ${issues.join("\n  ")}`);
    }
    return parsed.data;
}

function positiveInt(flag: string, value: string | undefined): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive whole number`);
    return n;
}

export function parseArgs(argv: readonly string[]): { file?: string; options: Partial<SmokeOptions> } {
    const resolve = new Map<string, string>();
    const options: Partial<SmokeOptions> = { resolve };
    let file: string | undefined;
    for (let i = 0; i < argv.length; i += 1) {
        const arg = argv[i];
        const value = () => {
            i += 1;
            if (argv[i] === undefined) throw new Error(`${arg} needs a value`);
            return argv[i];
        };
        switch (arg) {
            case "--resolve": {
                const spec = value();
                const colon = spec.indexOf(":");
                if (colon <= 0) throw new Error(`--resolve expects HOST:IP, got ${spec}`);
                resolve.set(spec.slice(0, colon).toLowerCase(), spec.slice(colon + 1));
                break;
            }
            case "--ca":
                options.ca = fs.readFileSync(value());
                break;
            case "--http-port":
                options.httpPort = positiveInt(arg, value());
                break;
            case "--https-port":
                options.httpsPort = positiveInt(arg, value());
                break;
            case "--timeout-ms":
                options.timeoutMs = positiveInt(arg, value());
                break;
            case "--min-cert-days":
                options.minCertDays = positiveInt(arg, value());
                break;
            case "--ssh-key":
                options.sshKey = value();
                break;
            default:
                if (arg.startsWith("--") || file !== undefined) throw new Error(`unexpected argument ${arg}`);
                file = arg;
        }
    }
    return { file, options };
}

export const USAGE = `usage: npm run smoke -- [options] [outputs.json]
       pulumi stack output --json | npm run smoke -- [options]

Checks a live deployment from the stack's \`deployment\` output (file, or stdin without one).
  --resolve HOST:IP     connect to IP for HOST (repeatable), like curl's --resolve
  --ca FILE             also trust this CA (PEM)
  --http-port N         port for http:// URLs without a port (default 80)
  --https-port N        port for https:// URLs without a port (default 443)
  --timeout-ms N        per request (default 10000)
  --min-cert-days N     fail when a certificate expires sooner (default 14)
  --ssh-key FILE        the deploy user's private key: with offsite backups, reads the newest
                        snapshot's age on the VPS over SSH (fails above offsiteMaxAgeHours)
  -h, --help            print this help and exit
Exit status: 0 every check passed, 1 a check failed, 2 bad input.
`;

/** Returns the exit code; `read` and `write` are injectable for tests. */
export async function main(
    argv: readonly string[],
    io: { readStdin: () => string; write: (text: string) => void } = {
        readStdin: () => fs.readFileSync(0, "utf8"),
        write: (text) => process.stdout.write(text),
    },
): Promise<number> {
    if (wantsHelp(argv)) {
        io.write(USAGE);
        return 0;
    }
    let deployment: Deployment;
    let options: Partial<SmokeOptions>;
    try {
        const parsed = parseArgs(argv);
        options = parsed.options;
        deployment = parseOutputs(parsed.file ? fs.readFileSync(parsed.file, "utf8") : io.readStdin());
    } catch (error) {
        io.write(`smoke: ${describeError(error)}\n`);
        return 2;
    }
    const results = await runSmoke(deployment, options);
    const failed = results.filter((r) => !r.ok);
    io.write(`${formatTable(results)}\n\n`);
    io.write(
        failed.length === 0
            ? `smoke: all ${results.length} checks passed\n`
            : `smoke: ${failed.length} of ${results.length} checks FAILED: ${failed.map((r) => `${r.check} ${r.target}`).join(", ")}\n`,
    );
    return failed.length === 0 ? 0 : 1;
}

if (require.main === module) {
    // Exit (open keep-alive sockets must not hold the process) once the table is written out.
    void main(process.argv.slice(2)).then(exitWhenDrained, (error: unknown) => {
        console.error(`smoke: ${describeError(error)}`);
        return exitWhenDrained(2);
    });
}
