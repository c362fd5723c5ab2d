import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import dockerignore from "@balena/dockerignore";
import { APP_BUILD_INPUTS, dockerfilePath } from "../../lib/appImage";
import { contentTag } from "../../lib/contentHash";

let context: string;
const write = (relative: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(context, relative)), { recursive: true });
    fs.writeFileSync(path.join(context, relative), text);
};

describe("with a Dockerfile of its own and ignore files", () => {
    let dockerfile: string;
    const tag = (extras: string[] = ["FROM x"]) => contentTag({ context, dockerfile, paths: ["package.json", "apps/api"], extras });

    beforeEach(() => {
        context = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-hash-"));
        dockerfile = path.join(context, "build", "api.Dockerfile");
        write("package.json", "{}");
        write("apps/api/src/main.ts", "listen()");
        write("build/api.Dockerfile", "FROM x");
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

    test("files outside the inputs or ignored by the context's .dockerignore do not", () => {
        const before = tag();
        write("apps/web/src/main.ts", "web");
        write("apps/api/debug.log", "noise");
        expect(tag()).toBe(before);
    });

    test("<dockerfile>.dockerignore wins over the context's .dockerignore, as in the Docker provider", () => {
        write("build/api.Dockerfile.dockerignore", "apps/api/scratch\n");
        const before = tag();
        write("apps/api/scratch/notes.txt", "ignored by the Dockerfile's own file");
        expect(tag()).toBe(before);
        write("apps/api/debug.log", "only the context's file ignores this, and it is not read");
        expect(tag()).not.toBe(before);
    });
});

describe("this repo's Dockerfiles against a DropIt-shaped checkout", () => {
    const FIXTURE = path.join(__dirname, "..", "fixtures", "dropit-app");
    const builds = [
        ["api", APP_BUILD_INPUTS.api],
        ["web", APP_BUILD_INPUTS.web],
    ] as const;

    beforeEach(() => {
        context = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-checkout-"));
        fs.cpSync(FIXTURE, context, { recursive: true });
    });
    afterEach(() => fs.rmSync(context, { recursive: true, force: true }));

    test.each(builds)("%s: git operations, installed dependencies, build outputs and .env files do not change the tag", (app, paths) => {
        const tag = () => contentTag({ context, dockerfile: dockerfilePath("reference", app, context), paths, extras: [] });
        const before = tag();
        write(".git/HEAD", "ref: refs/heads/other");
        write(".git/objects/ab/cdef", "object");
        write("node_modules/.pnpm/lock.yaml", "x");
        write(`apps/${app}/node_modules/dep/index.js`, "dep");
        write("packages/contract/node_modules/dep/index.js", "dep");
        write(`apps/${app}/dist/main.js`, "built");
        write(`apps/${app}/.turbo/turbo-build.log`, "log");
        write(".pnpm-store/v3/x", "x");
        write(`apps/${app}/.env`, "SECRET=1");
        write(`apps/${app}/.env.local`, "SECRET=2");
        expect(tag()).toBe(before);
        write(`apps/${app}/src/main.ts`, "changed()");
        expect(tag()).not.toBe(before);
    });

    test.each(["api", "web"])(
        "docker/%s.Dockerfile.dockerignore keeps the same files out of the context the provider hashes and sends",
        (app) => {
            const file = `${dockerfilePath("reference", app as "api" | "web", context)}.dockerignore`;
            const matcher = dockerignore({ ignorecase: false }).add(fs.readFileSync(file, "utf8").split(/\r?\n/));
            for (const excluded of [
                ".git",
                ".git/HEAD",
                "node_modules",
                "apps/api/node_modules",
                "apps/web/dist",
                "packages/contract/.turbo",
                ".pnpm-store",
                ".env",
                "apps/api/.env.production",
            ]) {
                expect({ path: excluded, ignored: matcher.ignores(excluded) }).toEqual({ path: excluded, ignored: true });
            }
            for (const kept of [
                "package.json",
                "pnpm-lock.yaml",
                "pnpm-workspace.yaml",
                `apps/${app}/src/main.ts`,
                `apps/${app}/index.html`,
                "apps/api/package.json",
                "apps/web/package.json",
                "packages/contract/src/index.ts",
            ]) {
                expect({ path: kept, ignored: matcher.ignores(kept) }).toEqual({ path: kept, ignored: false });
            }
        },
    );
});

test("the reference ignore files leave the other app out of each image but keep its package.json for pnpm's workspace", () => {
    for (const [app, other] of [
        ["api", "web"],
        ["web", "api"],
    ] as const) {
        const ignoreFile = `${dockerfilePath("reference", app, "/unused")}.dockerignore`;
        const matcher = dockerignore({ ignorecase: false }).add(fs.readFileSync(ignoreFile, "utf8"));
        // What the Docker provider hashes and sends: the other app's sources no more, so a change there rebuilds nothing.
        expect({ app, ignored: matcher.ignores(`apps/${other}/src/main.ts`) }).toEqual({ app, ignored: true });
        expect({ app, ignored: matcher.ignores(`apps/${other}/index.html`) }).toEqual({ app, ignored: true });
        expect({ app, ignored: matcher.ignores(`apps/${other}/package.json`) }).toEqual({ app, ignored: false });
        expect({ app, ignored: matcher.ignores(`apps/${app}/src/main.ts`) }).toEqual({ app, ignored: false });
        expect({ app, ignored: matcher.ignores("packages/contract/src/index.ts") }).toEqual({ app, ignored: false });
    }
});
