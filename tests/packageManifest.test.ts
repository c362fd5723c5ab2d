/** package.json tells the truth: what the program needs at run time, and which Node runs it all. */
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as path from "node:path";
// semver comes with npm's own dependency tree (through @pulumi/pulumi); the test only reads ranges.
import * as semver from "semver";

const ROOT = path.resolve(__dirname, "..");
interface Manifest {
    engines: { node: string };
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
}
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as Manifest;
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } | string[] }>;
};

/** The program's own sources: what `pulumi up` and the shipped commands load (tests excluded). */
function programFiles(): string[] {
    const files = ["index.ts"];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
            const relative = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(relative);
            else if (entry.name.endsWith(".ts")) files.push(relative);
        }
    };
    for (const dir of ["components", "config", "lib", "renderers", "scripts"]) walk(dir);
    return files;
}

/** Package names a file imports (`from "x"`, `from "@scope/x/sub"`, `require("x")`), node: builtins aside. */
function importedPackages(file: string): string[] {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const specifiers = [...text.matchAll(/(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*)["']([^"'.][^"']*)["']/g)].map((match) => match[1]);
    return specifiers
        .filter((specifier) => !specifier.startsWith("node:"))
        .map((specifier) =>
            specifier
                .split("/")
                .slice(0, specifier.startsWith("@") ? 2 : 1)
                .join("/"),
        );
}

test("runtime dependencies are exactly the packages the program imports; test-only ones are devDependencies", () => {
    const builtins = new Set(builtinModules);
    const imported = new Set(
        programFiles()
            .flatMap(importedPackages)
            .filter((name) => !builtins.has(name)),
    );
    // dns2 serves the fake DNS server of the tests only.
    expect(manifest.dependencies.dns2).toBeUndefined();
    expect(manifest.devDependencies.dns2).toBeDefined();
    expect(Object.keys(manifest.dependencies).sort()).toEqual([...imported].sort());
    expect(lock.packages["node_modules/dns2"].dev).toBe(true);
});

test("engines.node is honest: every locked package supports every Node version it admits", () => {
    const ours = manifest.engines.node;
    expect(semver.validRange(ours)).not.toBeNull();
    const dishonest = Object.entries(lock.packages)
        .filter(([name, entry]) => name !== "" && !Array.isArray(entry.engines) && typeof entry.engines?.node === "string")
        .filter(([, entry]) => !semver.subset(ours, (entry.engines as { node: string }).node))
        .map(
            ([name, entry]) =>
                `${name.replace(/^.*node_modules\//, "")}@${entry.version} wants node ${(entry.engines as { node: string }).node}`,
        );
    expect(dishonest).toEqual([]);
    // The Node this machine and CI run.
    expect(semver.satisfies(process.versions.node, ours)).toBe(true);
});
