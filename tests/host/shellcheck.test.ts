/**
 * Every shell script in the repository (host steps, files installed on the VPS, scripts/*.sh,
 * test support scripts) passes Debian's shellcheck with no finding at severity warning or above.
 * scripts/setup.sh installs shellcheck.
 */
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

/** Tracked and new (not ignored) .sh files: what a commit would hold. */
function shellScripts(): string[] {
    const listed = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", "*.sh"], { cwd: ROOT, encoding: "utf8" });
    if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
    return listed.stdout.split("\n").filter((file) => file && !file.startsWith("node_modules/")).sort();
}

test("shellcheck is installed (scripts/setup.sh)", () => {
    const version = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
    expect(version.error).toBeUndefined();
    expect(version.stdout).toMatch(/^version: \d+\.\d+/m);
});

test("the repository's shell scripts include the host steps, the installed files and the support scripts", () => {
    const files = shellScripts();
    expect(files).toEqual(expect.arrayContaining([
        "host/common.sh", "host/dokploy-install.sh", "host/files/firewall.sh", "host/files/dropit-pg-backup.sh",
        "scripts/setup.sh", "tests/e2e/host/vps/build-image.sh", "tests/support/standInInstaller/install.sh", "docker/web-asset-bridge.sh",
    ]));
});

test("every shell script passes shellcheck -S warning with no finding", () => {
    const files = shellScripts();
    const result = spawnSync("shellcheck", ["-S", "warning", "-f", "gcc", ...files], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(result.error).toBeUndefined();
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
});
