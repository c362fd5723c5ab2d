import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { contentTag } from "../../lib/contentHash";

let context: string;
const write = (relative: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(context, relative)), { recursive: true });
    fs.writeFileSync(path.join(context, relative), text);
};
const tag = (extras: string[] = ["FROM x"]) => contentTag({ context, paths: ["package.json", "apps/api"], extras });

beforeEach(() => {
    context = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-hash-"));
    write("package.json", "{}");
    write("apps/api/src/main.ts", "listen()");
    write(".dockerignore", "**/*.log\n");
});
afterEach(() => fs.rmSync(context, { recursive: true, force: true }));

test("same inputs, same tag: an unchanged checkout neither rebuilds nor redeploys", () => {
    expect(tag()).toMatch(/^[0-9a-f]{12}$/);
    expect(tag()).toBe(tag());
});

test("a changed source file, Dockerfile or build arg changes the tag", () => {
    const before = tag();
    expect(tag(["FROM y"])).not.toBe(before);
    write("apps/api/src/main.ts", "listen(1)");
    expect(tag()).not.toBe(before);
});

test("files outside the inputs, ignored by .dockerignore, or in node_modules/.git do not", () => {
    const before = tag();
    write("apps/web/src/main.ts", "web");
    write("apps/api/debug.log", "noise");
    write("apps/api/node_modules/x/index.js", "dep");
    write("apps/api/.git/HEAD", "ref");
    expect(tag()).toBe(before);
});
