/** The contract between builder/send-image.sh and the program: the last line it prints is what the service runs. */
import { imageRepository, sentReference } from "../../lib/appImage";

const DIGEST = "a".repeat(64);

test("the reference is the last line the script printed, pinned by digest", () => {
    expect(sentReference(`noise\n127.0.0.1:5555/dropit-web@sha256:${DIGEST}\n`)).toBe(`127.0.0.1:5555/dropit-web@sha256:${DIGEST}`);
});

test("anything but a digest reference of the local registry is refused, quoting what came", () => {
    expect(() => sentReference("127.0.0.1:5555/dropit-web:latest")).toThrow(
        /printed no digest reference \(got "127\.0\.0\.1:5555\/dropit-web:latest"\)/,
    );
    expect(() => sentReference(`docker.io/x/dropit-web@sha256:${DIGEST}`)).toThrow(/no digest reference/);
    expect(() => sentReference("")).toThrow(/no digest reference/);
});

test("each transport tags into the repository it needs", () => {
    expect(imageRepository({ kind: "in-place" }, "dropit-api")).toBe("dropit-api");
    expect(imageRepository({ kind: "registry", registry: { server: "ghcr.io", username: "me", password: "x" } }, "dropit-api")).toBe(
        "ghcr.io/me/dropit-api",
    );
    expect(
        imageRepository(
            { kind: "ssh", tunnelPort: 6000, target: { host: "203.0.113.10", port: 22, user: "deploy", privateKey: "k" } },
            "dropit-api",
        ),
    ).toBe("127.0.0.1:6000/dropit-api");
});

test("a send that has not run (a refresh before the first up) gives no reference rather than an error", () => {
    expect(sentReference(undefined)).toBe("");
});
