/**
 * builder/send-image.sh refuses what it must not pass on before it touches Docker or SSH: the
 * image name ends up in a command line the VPS's shell runs; and a remote DOCKER_HOST, whose
 * registry this machine's 127.0.0.1 cannot reach, is named when the send fails for it. (The whole
 * send, for real, is the engine suite's: tests/engine/program.engine.test.ts.)
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { builderScript } from "../../renderers/shellParams";

/** The parameters lib/appImage.ts gives the script, for a VPS that is never reached. */
const PARAMETERS = {
    REGISTRY_PORT: "5555",
    REGISTRY_IMAGE: "registry:2.8.3",
    REGISTRY_CONTAINER: "dropit-image-registry",
    SSH_HOST: "203.0.113.10",
    SSH_PORT: "22",
    SSH_USER: "deploy",
};

function runScript(script: string, env: Record<string, string>, stdin: string) {
    const result = spawnSync("bash", ["-c", script], { input: stdin, encoding: "utf8", env: { ...PARAMETERS, ...env }, timeout: 10_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// No docker or ssh on this PATH: reaching either would fail differently.
const send = (environment: Record<string, string>, stdin = "") =>
    runScript(builderScript("send-image"), { PATH: "/usr/bin:/bin", ...environment }, stdin);

test.each([
    ["a shell metacharacter", "127.0.0.1:5555/dropit-api:abc;touch /tmp/x"],
    ["another registry", "docker.io/dropit/dropit-api:abc"],
    ["a command substitution", "127.0.0.1:5555/$(id):abc"],
])("an image name with %s is refused with its value, nothing printed on stdout", (_what, image) => {
    const result = send({ IMAGE: image }, "key\n");
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`dropit: not an image of the local registry: ${image}`);
});

test("an image of another port than the tunnel's is refused", () => {
    const result = send({ IMAGE: "127.0.0.1:6000/dropit-api:abc" }, "key\n");
    expect(result).toMatchObject({ status: 1, stdout: "" });
    expect(result.stderr).toContain("is not in the registry on 127.0.0.1:5555");
});

test("no key on stdin stops it before any connection", () => {
    const result = send({ IMAGE: "127.0.0.1:5555/dropit-api:abc" });
    expect(result).toMatchObject({ status: 1, stdout: "" });
    expect(result.stderr).toContain("dropit: no SSH private key on stdin");
});

test("a missing parameter is named", () => {
    const result = send({ IMAGE: "127.0.0.1:5555/dropit-api:abc", SSH_USER: "" }, "key\n");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("SSH_USER");
});

describe("with DOCKER_HOST naming another machine's engine", () => {
    let shims: string;

    beforeAll(() => {
        // Stand-ins that make the send reach its registry wait: docker says the registry runs,
        // nothing answers on this machine's 127.0.0.1, and the wait's pauses take no time.
        shims = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-send-shims-"));
        const shim = (name: string, body: string) => fs.writeFileSync(path.join(shims, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
        shim("docker", 'case "$1" in inspect) echo true ;; esac');
        shim("curl", "exit 7");
        shim("sleep", "exit 0");
    });

    afterAll(() => fs.rmSync(shims, { recursive: true, force: true }));

    const sendWithRegistryWait = (dockerHost: string | undefined) =>
        runScript(
            builderScript("send-image", ["local-registry"]),
            { PATH: `${shims}:/usr/bin:/bin`, IMAGE: "127.0.0.1:5555/dropit-api:abc", ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}) },
            "key\n",
        );

    test.each(["tcp://10.0.0.5:2375", "ssh://builder@ci.example.com"])(
        "%s: the failure says SSH delivery needs a local engine",
        (dockerHost) => {
            const result = sendWithRegistryWait(dockerHost);
            expect(result).toMatchObject({ status: 1, stdout: "" });
            expect(result.stderr).toContain("dropit: no registry answers on 127.0.0.1:5555");
            expect(result.stderr).toContain(
                `the Docker engine is DOCKER_HOST=${dockerHost}; its registry is not on this machine's 127.0.0.1`,
            );
            expect(result.stderr).toContain("set dropit:app.delivery registry");
        },
    );

    test("a local engine (DOCKER_HOST unset or a socket) gets no such hint", () => {
        for (const dockerHost of [undefined, "unix:///run/user/1000/docker.sock"]) {
            const result = sendWithRegistryWait(dockerHost);
            expect(result.status).toBe(1);
            expect(result.stderr).toContain("dropit: no registry answers on 127.0.0.1:5555");
            expect(result.stderr).not.toContain("DOCKER_HOST");
        }
    });
});
