/** `npm run plan` prints the memory budget and warns, in one line, when the limits overcommit the host. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { fullStack } from "../support/plan";

const ROOT = path.resolve(__dirname, "..", "..");

function plan(config: Record<string, unknown> | undefined, extra: string[] = []) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-plan-"));
    const args = ["scripts/load-like-pulumi.js", "scripts/plan.ts", "--diagram", path.join(dir, "deployment.mmd")];
    if (config) {
        const file = path.join(dir, "Pulumi.ci.yaml");
        fs.writeFileSync(file, stringify({ config }));
        args.push("--config", file, "--stack", "ci");
    }
    return spawnSync(process.execPath, [...args, ...extra], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
}

const warnings = (text: string) => text.split("\n").filter((line) => line.startsWith("warning: memory limits overcommit"));

test("the production stack fits: the budget is printed with its totals and no warning", () => {
    const result = plan(undefined);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Memory budget (MiB, per task × tasks): host 2048, Dokploy and the OS 896");
    expect(result.stdout).toMatch(/ {2}postgres +reservation +192 +limit +512 +× 1/);
    expect(result.stdout).toContain("limits 896 + 896 = 1792 of 2048");
    expect(warnings(result.stdout)).toEqual([]);
}, 60_000);

test("limits that overcommit the host plan anyway, with one warning line (stdout, or stderr beside --json)", () => {
    // Two API replicas and both optional services: 512 + 2×320 + 64 + 96 + 160 = 1472, + 896 > 2048.
    const human = plan(fullStack());
    expect(human.status).toBe(0);
    expect(warnings(human.stdout)).toEqual([
        "warning: memory limits overcommit the host: 1472 MiB of service limits + 896 MiB for Dokploy = 2368 MiB > dropit:server.memoryMb 2048 MiB (the kernel kills a task when the host runs out; lower dropit:<service>.memoryMb or use a bigger VPS)",
    ]);
    const json = plan(fullStack(), ["--json"]);
    expect(json.status).toBe(0);
    expect(warnings(json.stderr)).toHaveLength(1);
    expect(JSON.parse(json.stdout)).toHaveProperty("outputs.memory.limitsMb", 1472);
}, 120_000);

test("reservations over the host stop the plan with exit 1 and the keys to change", () => {
    const result = plan({ ...fullStack(), "dropit:server": { ...(fullStack()["dropit:server"] as object), memoryMb: 1024 } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("dropit:server.memoryMb: the memory reservations need");
    expect(result.stderr).toContain("dropit:api.memoryReservationMb");
    expect(result.stderr).not.toMatch(/\n\s+at /);
}, 60_000);
