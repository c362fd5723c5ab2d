/**
 * builder/send-image.sh refuses what it must not pass on before it touches Docker or SSH: the
 * image name ends up in a command line the VPS's shell runs. (The whole send, for real, is the
 * engine suite's: tests/engine/program.engine.test.ts.)
 */
import { spawnSync } from "child_process";
import { builderScript } from "../../renderers/shellParams";

function send(environment: Record<string, string>, stdin = "") {
    const result = spawnSync("bash", ["-c", builderScript("send-image")], {
        input: stdin,
        encoding: "utf8",
        // No docker or ssh on this PATH: reaching either would fail differently.
        env: {
            PATH: "/usr/bin:/bin",
            REGISTRY_PORT: "5555",
            REGISTRY_IMAGE: "registry:2.8.3",
            REGISTRY_CONTAINER: "dropit-image-registry",
            SSH_HOST: "203.0.113.10",
            SSH_PORT: "22",
            SSH_USER: "deploy",
            ...environment,
        },
        timeout: 10_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

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
