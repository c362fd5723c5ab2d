/** What every command in scripts/ owes its caller: `--help`, and its whole output on a pipe. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runThroughSlowPipe } from "../support/slowPipe";

const ROOT = path.resolve(__dirname, "..", "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

describe("--help", () => {
    it.each([
        ["plan", "scripts/plan.ts", "usage: npm run plan --"],
        ["smoke", "scripts/smoke.ts", "usage: npm run smoke --"],
        ["bench:plan", "scripts/bench-plan.ts", "usage: npm run bench:plan --"],
        ["bench-frontend", "scripts/bench-frontend.ts", "usage: npx tsx scripts/bench-frontend.ts"],
        ["docs:config", "scripts/config-reference.ts", "usage: npm run docs:config --"],
    ])("%s prints its usage on stdout and exits 0 without doing its work", (_name, script, usage) => {
        for (const flag of ["--help", "-h"]) {
            // stdin is closed: smoke would otherwise wait for outputs on it.
            const result = spawnSync(TSX, [script, flag], { cwd: ROOT, encoding: "utf8", timeout: 30_000, input: "" });
            expect(result.stderr).toBe("");
            expect(result.status).toBe(0);
            expect(result.stdout.startsWith(usage)).toBe(true);
            expect(result.stdout).toMatch(/-h, --help/);
        }
    });

    it("the npm scripts named in the usage exist", () => {
        const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
            .scripts;
        expect(scripts.plan).toBe("node scripts/load-like-pulumi.js scripts/plan.ts");
        expect(scripts.smoke).toBe("tsx scripts/smoke.ts");
        expect(scripts["bench:plan"]).toBe("tsx scripts/bench-plan.ts");
        expect(scripts["docs:config"]).toBe("tsx scripts/config-reference.ts");
    });
});

describe("exitWhenDrained (scripts/cli.ts)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-cli-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const MIB = 1024 * 1024;

    function script(name: string, exit: string): string {
        const file = path.join(dir, name);
        fs.writeFileSync(
            file,
            `import { exitWhenDrained } from ${JSON.stringify(path.join(ROOT, "scripts", "cli"))};
void exitWhenDrained;
process.stdout.write("x".repeat(${MIB}));
${exit};
`,
        );
        return file;
    }

    it("control: process.exit() right after a big write cuts the output of a slow pipe reader", () => {
        const result = runThroughSlowPipe(TSX, [script("cut.ts", "process.exit(0)")], { cwd: ROOT });
        expect(result.status).toBe(0);
        expect(result.stdout.length).toBeLessThan(MIB);
    }, 30_000);

    it("waits for the reader, then exits with the code", () => {
        const result = runThroughSlowPipe(TSX, [script("whole.ts", "void exitWhenDrained(3)")], { cwd: ROOT });
        expect(result.status).toBe(3);
        expect(result.stdout.length).toBe(MIB);
        expect(result.stdout.equals(Buffer.from("x".repeat(MIB)))).toBe(true);
    }, 30_000);

    it("exits, with the code, when the reader goes away (`| head`)", () => {
        const result = spawnSync(
            "bash",
            [
                "-c",
                'set -o pipefail; "$@" | head -c 10 >/dev/null; echo "${PIPESTATUS[0]}"',
                "bash",
                TSX,
                script("head.ts", "void exitWhenDrained(4)"),
            ],
            {
                cwd: ROOT,
                encoding: "utf8",
                timeout: 30_000,
            },
        );
        expect(result.stdout.trim()).toBe("4");
        expect(result.stderr).toBe("");
    });
});
