/** `npm run plan` as a newcomer and as a tool use it: a real process per run. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { fullStack } from "../support/plan";
import { runThroughSlowPipe } from "../support/slowPipe";

const ROOT = path.resolve(__dirname, "..", "..");
/** What `npm run plan` runs: the program loaded as Pulumi's language host loads it. */
const PLAN = ["scripts/load-like-pulumi.js", "scripts/plan.ts"];

function plan(args: string[], env: NodeJS.ProcessEnv = process.env) {
    const diagram = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dropit-plan-")), "deployment.mmd");
    const result = spawnSync(process.execPath, [...PLAN, "--diagram", diagram, ...args], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 60_000,
        env,
    });
    return { ...result, diagram };
}

function stackFile(config: Record<string, unknown>): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dropit-stack-")), "Pulumi.ci.yaml");
    fs.writeFileSync(file, stringify({ config }));
    return file;
}

test("two evaluations of the same config register byte-identical inputs (a second up changes nothing)", () => {
    const file = stackFile(fullStack());
    const first = plan(["--config", file, "--stack", "ci", "--json"]);
    const second = plan(["--config", file, "--stack", "ci", "--json"]);
    expect(first.status).toBe(0);
    expect(first.stdout.length).toBeGreaterThan(1000);
    expect(second.stdout).toBe(first.stdout);
    const parsed = JSON.parse(first.stdout) as { resources: Array<Record<string, unknown>>; outputs: Record<string, unknown> };
    expect(Object.keys(parsed.resources[0]).sort()).toEqual(["dependencies", "inputs", "name", "parent", "type", "urn"]);
    expect(parsed.outputs.postgresPassword).toBe("[secret]");
}, 60_000);

test("the production stack file plans out of the box and draws the diagram", () => {
    const result = plan([]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Plan for stack "prod": 34 resources in 6 components');
    expect(result.stdout).toContain("dropit:sshPrivateKey is not in the stack file");
    // One line says where the images are built.
    expect(result.stdout).toContain("images: built where `pulumi up` runs (the VPS never builds), sent to the VPS over SSH");
    const diagram = fs.readFileSync(result.diagram, "utf8");
    expect(diagram.startsWith("flowchart TD")).toBe(true);
    expect(diagram).toContain("ApiService");
    expect(diagram).toMatch(/c\d+ --> c\d+/);
    // The README shows this very diagram: it may not drift from the program.
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    expect(readme).toContain(`\`\`\`mermaid\n${diagram}\`\`\``);
}, 60_000);

test("an invalid configuration exits 1 with one message per problem and no stack trace", () => {
    const file = stackFile({ "dropit:domain": "https://x", "dropit:server": { host: "nope" }, "dropit:api": { seedDemoData: true } });
    const result = plan(["--config", file, "--stack", "prod", "--json"]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("dropit:domain: must be a bare domain name");
    expect(result.stderr).toContain("dropit:server.host: must be an IPv4 or IPv6 address");
    expect(result.stderr).not.toMatch(/\n\s+at /);
}, 60_000);

test("a dead SSH agent stops the plan, as it would stop an up, with the fix and no stack trace", () => {
    const socket = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dropit-agent-")), "gone.sock");
    const result = plan(["--config", stackFile(fullStack()), "--stack", "prod"], { ...process.env, SSH_AUTH_SOCK: socket });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`SSH_AUTH_SOCK points at ${socket}, which is not a socket`);
    expect(result.stderr).toContain("env -u SSH_AUTH_SOCK pulumi up");
    expect(result.stderr).not.toMatch(/\n\s+at /);
}, 60_000);

test("seeding demo accounts on prod is refused before anything is registered", () => {
    const file = stackFile({ ...fullStack(), "dropit:api": { seedDemoData: true } });
    const result = plan(["--config", file, "--stack", "prod", "--json"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("dropit:api.seedDemoData");
}, 60_000);

test("`--json` reaches a slow reader through a pipe whole, byte for byte what a redirect to a file gets", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-plan-pipe-"));
    // Infomaniak mode: four record providers make the document several pipe buffers long.
    const config = stackFile({ ...fullStack(), "dropit:dns": { provider: "infomaniak" }, "dropit:infomaniakToken": "plan-pipe-token" });
    const args = [...PLAN, "--config", config, "--json", "--diagram", path.join(dir, "deployment.mmd")];
    const fd = fs.openSync(path.join(dir, "plan.json"), "w");
    try {
        expect(spawnSync(process.execPath, args, { cwd: ROOT, stdio: ["ignore", fd, "ignore"], timeout: 60_000 }).status).toBe(0);
    } finally {
        fs.closeSync(fd);
    }
    const toFile = fs.readFileSync(path.join(dir, "plan.json"));
    const piped = runThroughSlowPipe(process.execPath, args, { cwd: ROOT });
    expect(piped.status).toBe(0);
    // Far above a pipe's 64 KiB buffer, where the cut used to happen.
    expect(toFile.length).toBeGreaterThan(2 * 65536);
    expect(piped.stdout.length).toBe(toFile.length);
    expect(piped.stdout.equals(toFile)).toBe(true);
    expect((): unknown => JSON.parse(piped.stdout.toString("utf8"))).not.toThrow();
    fs.rmSync(dir, { recursive: true, force: true });
}, 90_000);
