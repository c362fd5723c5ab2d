/** contentTag over arbitrary trees: order never matters, ignored files never do, content always does. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { contentTag } from "../../lib/contentHash";

let root: string;
beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-hash-prop-"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const segment = fc.constantFrom("src", "lib", "a", "b", "main.ts", "util.ts", "x.log", "notes.md", "node_modules");
const file = fc.record({
    path: fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join("/")),
    content: fc.string({ maxLength: 20 }),
});
/** Files whose paths never make one file another's directory. */
const tree = fc
    .uniqueArray(file, { selector: (entry) => entry.path, minLength: 1, maxLength: 8 })
    .filter((files) => files.every((a) => files.every((b) => !b.path.startsWith(`${a.path}/`))));

let counter = 0;
function checkout(files: readonly { path: string; content: string }[], ignore: string): { context: string; dockerfile: string } {
    const context = path.join(root, `c${counter++}`);
    for (const entry of files) {
        fs.mkdirSync(path.dirname(path.join(context, "app", entry.path)), { recursive: true });
        fs.writeFileSync(path.join(context, "app", entry.path), entry.content);
    }
    fs.writeFileSync(path.join(context, ".dockerignore"), ignore);
    return { context, dockerfile: path.join(context, "Dockerfile") };
}

test("the tag ignores the order files were written and paths were listed in", () => {
    fc.assert(
        fc.property(tree, fc.context(), (files, ctx) => {
            const first = checkout(files, "");
            const second = checkout([...files].reverse(), "");
            const tops = [...new Set(files.map((entry) => `app/${entry.path.split("/")[0]}`))];
            ctx.log(JSON.stringify(tops));
            const tag = contentTag({ ...first, paths: tops, extras: ["FROM x"] });
            expect(contentTag({ ...second, paths: [...tops].reverse(), extras: ["FROM x"] })).toBe(tag);
            expect(contentTag({ ...second, paths: ["app"], extras: ["FROM x"] })).toBe(
                contentTag({ ...first, paths: ["app"], extras: ["FROM x"] }),
            );
        }),
        { numRuns: 40 },
    );
});

test("files matched by the ignore patterns never change the tag; any other file's content does", () => {
    const ignore = "**/*.log\n**/node_modules\n";
    const visibleTree = tree.filter((files) =>
        files.every((entry) => !entry.path.split("/").some((part) => part.endsWith(".log") || part === "node_modules")),
    );
    fc.assert(
        fc.property(visibleTree, fc.string({ minLength: 1, maxLength: 20 }), fc.nat(), (files, extra, pick) => {
            const base = contentTag({ ...checkout(files, ignore), paths: ["app"], extras: [] });
            // Ignored files beside and below the tree's directories (never where a file is).
            const dirs = [
                "",
                ...new Set(
                    files.flatMap((entry) =>
                        entry.path
                            .split("/")
                            .slice(0, -1)
                            .map((_, i, parts) => `${parts.slice(0, i + 1).join("/")}/`),
                    ),
                ),
            ];
            const ignored = dirs.flatMap((dir) => [
                { path: `${dir}trace.log`, content: extra },
                { path: `${dir}node_modules/dep.js`, content: extra },
            ]);
            expect(contentTag({ ...checkout([...files, ...ignored], ignore), paths: ["app"], extras: [] })).toBe(base);
            const target = files[pick % files.length];
            const changed = files.map((entry) => (entry === target ? { ...entry, content: `${entry.content}${extra}` } : entry));
            expect(contentTag({ ...checkout(changed, ignore), paths: ["app"], extras: [] })).not.toBe(base);
        }),
        { numRuns: 40 },
    );
});
