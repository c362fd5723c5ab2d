/**
 * What the engine suites share: the app checkout they deploy (the fixture workspace with the
 * suite's buildable API and web app over it), the configuration every stack of theirs sets as the
 * README tells users, requests through the router on a test VPS, and the reading of a preview.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { dockerOk } from "./dockerd";
import type { PulumiCli } from "./pulumiCli";
import type { TestVps } from "./testHost";

const ROOT = path.resolve(__dirname, "..", "..");

/** The app checkout of one engine suite, inside the project so the paths the state keeps are the same from any checkout. */
export class EngineApp {
    constructor(readonly dir: string) {}

    write(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
        fs.cpSync(path.join(ROOT, "tests", "fixtures", "dropit-app"), this.dir, { recursive: true });
        fs.cpSync(path.join(ROOT, "tests", "engine", "app", "apps"), path.join(this.dir, "apps"), { recursive: true });
    }

    /** Replaces a release marker in one file (a change to that app's source only). */
    release(file: string, from: string, to: string): void {
        const full = path.join(this.dir, file);
        const text = fs.readFileSync(full, "utf8");
        if (!text.includes(from)) throw new Error(`${file} does not hold ${from}`);
        fs.writeFileSync(full, text.replaceAll(from, to));
    }

    /** A new release of the web app: its marker and its hashed asset names change, as a Vite build's do. */
    webRelease(from: string, to: string): void {
        this.release("apps/web/public/index.html", from, to);
        const assets = path.join(this.dir, "apps/web/public/assets");
        for (const file of fs.readdirSync(assets).filter((name) => name.includes(from))) {
            const text = fs.readFileSync(path.join(assets, file), "utf8");
            fs.rmSync(path.join(assets, file));
            fs.writeFileSync(path.join(assets, file.replace(from, to)), text.replaceAll(from, to));
        }
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

export interface BaseStack {
    domain: string;
    /** The first server. */
    vps: TestVps;
    app: EngineApp;
    dokployVersion: string;
    installerUrl: string;
    /** The DNS server the propagation check asks (a fake one on 127.0.0.1). */
    nameserver: string;
    brevoApiKey: string;
}

/** The configuration every engine stack sets, with `pulumi config set` / `--secret` as the README says. */
export async function setBaseStackConfig(cli: PulumiCli, stack: BaseStack): Promise<void> {
    const set = (key: string, value: string) => cli.ok(["config", "set", "--path", key, value]);
    const setSecret = (key: string, value: string) => cli.ok(["config", "set", "--secret", key], { input: value });
    await set("dropit:domain", stack.domain);
    await set("dropit:acmeEmail", `ops@${stack.domain}`);
    await set("dropit:server.host", "127.0.0.1");
    await set("dropit:server.port", String(stack.vps.sshPort));
    await set("dropit:server.user", "deploy");
    await set("dropit:server.hostKey", stack.vps.hostKey);
    await setSecret("dropit:sshPrivateKey", stack.vps.privateKey);
    await setSecret("dropit:brevoApiKey", stack.brevoApiKey);
    await set("dropit:app.source", path.relative(ROOT, stack.app.dir));
    await set("dropit:app.dockerfile", "app");
    await set("dropit:app.webDockerfile", "app");
    await set("dropit:dokploy.version", stack.dokployVersion);
    await set("dropit:dokploy.installerUrl", stack.installerUrl);
    // sshd listens on 22 inside the VPS; the suite reaches it through Docker's port-forward.
    await set("dropit:firewall.sshPort", "22");
    await set("dropit:dns.provider", "manual");
    await set("dropit:dns.nameservers[0]", stack.nameserver);
    await set("dropit:dns.propagationPollSeconds", "1");
    await set("dropit:postgres.version", "15");
    // This machine's kernel has no IPVS: no Swarm virtual IP.
    await set("dropit:swarm.endpointMode", "dnsrr");
}

/** Over HTTPS through Traefik on the VPS's 127.0.0.1 (its curl trusts the stand-in CA). */
export function routed(vps: TestVps, host: string, urlPath: string): { status: string; body: string } {
    // host and path are the suites' constants, not configuration values.
    const out = vps
        .exec(
            `curl -s --max-time 10 -o /tmp/routed -w '%{http_code}' --resolve ${host}:443:127.0.0.1 https://${host}${urlPath}; echo; cat /tmp/routed 2>/dev/null`,
        )
        .stdout.trim();
    const [status, ...body] = out.split("\n");
    return { status, body: body.join("\n") };
}

/** One SQL script in the running PostgreSQL task (local socket, trust), its rows as lines. */
export function sql(vps: TestVps, script: string): string[] {
    const out = vps.execOk(
        `c=$(docker ps -q --filter label=com.docker.swarm.service.name=dropit-postgres | head -n 1); docker exec -i "$c" psql -X -At -v ON_ERROR_STOP=1 -U dropit -d dropit`,
        { input: script },
    );
    return out ? out.split("\n") : [];
}

export interface LoadFigures {
    requests: number;
    failed: number;
    failures: string[];
}

export interface RouterLoad {
    stop(): LoadFigures;
}

/**
 * Requests through the router from inside the VPS while `pulumi up` runs: three loops of curl
 * (bounded: 20 000 each), every answer logged with its status and whether its body is the app's.
 */
export function startRouterLoad(vps: TestVps, label: string, target: { host: string; urlPath: string; marker: string }): RouterLoad {
    const dir = `/var/tmp/dropit-engine-load-${label}`;
    const loops = [1, 2, 3];
    vps.execOk(`rm -rf ${dir} && mkdir -p ${dir} && touch ${dir}/run`);
    for (const loop of loops) {
        const request = `curl -s --max-time 10 -o ${dir}/body-${loop} -w '%{http_code}' --resolve ${target.host}:443:127.0.0.1 https://${target.host}${target.urlPath}`;
        dockerOk([
            "exec",
            "-d",
            vps.container,
            "bash",
            "-c",
            `for i in $(seq 1 20000); do [ -e ${dir}/run ] || break; status=$(${request}); grep -q '${target.marker}' ${dir}/body-${loop} 2>/dev/null && body=app || body=other; echo "$status $body" >> ${dir}/log-${loop}; done; echo done >> ${dir}/log-${loop}`,
        ]);
    }
    return {
        stop() {
            vps.execOk(`rm -f ${dir}/run`);
            const lines = finishedLogs(vps, dir, loops);
            const failures = lines.filter((line) => line !== "200 app");
            return { requests: lines.length, failed: failures.length, failures: [...new Set(failures)] };
        },
    };
}

/** The lines of each loop's log once every loop wrote its final `done` (bounded: 30 s). */
export function finishedLogs(vps: TestVps, dir: string, loops: number[]): string[] {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
        const logs = loops.map((loop) => vps.execOk(`cat ${dir}/log-${loop} 2>/dev/null || true`).split("\n").filter(Boolean));
        if (logs.every((log) => log[log.length - 1] === "done")) return logs.flatMap((log) => log.slice(0, -1));
        execFileSync("sleep", ["0.3"]);
    }
    throw new Error(`the load loops in ${dir} did not finish within 30 s`);
}

/** The resources a `preview --json` plans to change (unchanged and read steps left out). */
export function plannedChanges(previewJson: string): string[] {
    const steps = (JSON.parse(previewJson) as { steps?: { op: string; urn: string }[] }).steps ?? [];
    return steps.filter((step) => !["same", "read"].includes(step.op)).map((step) => `${step.op} ${step.urn.split("::").pop()}`);
}

/** One resource of the state as `pulumi stack export` prints it (the fields the suites read). */
export interface ExportedResource {
    urn: string;
    type: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

/** The resources a stack's state holds (the selected stack unless one is named), read with `pulumi stack export`. */
export async function exportedResources(cli: PulumiCli, stack?: string): Promise<ExportedResource[]> {
    const args = stack ? ["stack", "export", "--stack", stack] : ["stack", "export"];
    const state = JSON.parse((await cli.ok(args)).stdout) as { deployment: { resources?: ExportedResource[] } };
    return state.deployment.resources ?? [];
}

/** Where any of the secret values appears: the state, every file of the backend, the stack file, everything the CLI printed. */
export async function secretsFound(cli: PulumiCli, stackFile: string, canaries: ReadonlyMap<string, string>): Promise<string[]> {
    const found = new Set<string>();
    const search = (where: string, text: string) => {
        for (const [name, value] of canaries) if (value && text.includes(value)) found.add(`${where}: ${name}`);
    };
    search("stack export", (await cli.ok(["stack", "export"])).stdout);
    for (const file of cli.backendFiles()) search(path.relative(cli.stateDir, file), fs.readFileSync(file, "utf8"));
    search("CLI output", cli.transcript.join("\n"));
    search("stack file", fs.readFileSync(stackFile, "utf8"));
    return [...found];
}
