/**
 * shellAssignments over arbitrary values: whatever the characters, real bash reads back exactly
 * the value (sourced from a file and through `eval`), and nothing in it ever runs.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { shellAssignments } from "../../renderers/shellParams";

let dir: string;
beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-quote-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Fragments a shell reads specially, mixed with arbitrary text. */
const hostile = fc
    .array(
        fc.oneof(
            fc.constantFrom(
                "$(touch RAN)",
                "`touch RAN`",
                "${X:-$(touch RAN)}",
                "'",
                '"',
                "\\",
                "\n",
                ";",
                "&",
                "|",
                ">RAN",
                "<",
                "*",
                "?",
                "[a]",
                "~",
                "!",
                "#",
                "$",
                "{",
                "}",
                " ",
                "\t",
                "=",
                "-",
                "é",
                "\u{1F600}",
            ),
            fc.string({ unit: "binary" }),
            fc.string({ unit: fc.constantFrom("$", "(", ")", "`", "t", "~", "*", "{", "}", "'", '"', "\\", "=", ":", "/", "-") }),
        ),
        { maxLength: 12 },
    )
    .map((parts) => parts.join("").replace(/\0/g, ""));

/** Runs the assignments under bash, `mode` source or eval, and prints each value NUL-terminated. */
function readBack(params: Record<string, string>, mode: "source" | "eval"): { values: Buffer[]; ran: boolean } {
    const file = path.join(dir, "params.sh");
    fs.writeFileSync(file, `${shellAssignments(params)}\n`);
    const load = mode === "source" ? `source ${file}` : `eval "$(cat ${file})"`;
    const print = Object.keys(params)
        .map((name) => `printf '%s\\0' "$${name}"`)
        .join("\n");
    const result = spawnSync("bash", ["-c", `set -euo pipefail\n${load}\n${print}`], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C", HOME: dir },
        stdio: ["ignore", "pipe", "pipe"],
    });
    expect(result.stderr.toString()).toBe("");
    const ran = ["RAN", "-"].some((name) => fs.existsSync(path.join(dir, name)));
    const values = result.stdout.length === 0 ? [] : splitNul(result.stdout);
    return { values, ran };
}

function splitNul(buffer: Buffer): Buffer[] {
    const parts: Buffer[] = [];
    let start = 0;
    for (let index = 0; index < buffer.length; index++) {
        if (buffer[index] === 0) {
            parts.push(buffer.subarray(start, index));
            start = index + 1;
        }
    }
    return parts;
}

test.each(["source", "eval"] as const)("any value round-trips through bash (%s) unchanged and never runs", (mode) => {
    fc.assert(
        fc.property(fc.array(hostile, { minLength: 1, maxLength: 3 }), (values) => {
            const params = Object.fromEntries(values.map((value, index) => [`VALUE_${index}`, value]));
            const { values: read, ran } = readBack(params, mode);
            expect(ran).toBe(false);
            expect(read.map((buffer) => buffer.toString("hex"))).toEqual(values.map((value) => Buffer.from(value, "utf8").toString("hex")));
        }),
        { numRuns: 100 },
    );
});

test("a NUL byte is refused, never truncated", () => {
    fc.assert(
        fc.property(fc.string(), fc.string(), (before, after) => {
            expect(() => shellAssignments({ VALUE: `${before}\0${after}` })).toThrow("NUL byte");
        }),
    );
});
