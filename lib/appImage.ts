/**
 * The DropIt images: built from the DropIt checkout, tagged by the content of what they are built
 * from, and delivered to the VPS in one of three ways (config/imageDelivery.ts, docs/images.md):
 * built where `pulumi up` runs and sent over SSH (the default), pushed to a registry and pinned by
 * digest (with nodes, or by choice), or built by the VPS's own engine and run from there.
 */
import * as path from "path";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ImagePlan } from "../config/imageDelivery";
import { builderScript } from "../renderers/shellParams";
import type { RegistryCredentials } from "./hostConvergence";
import { NO_PREVIOUS_OUTPUT_IN_ENV } from "./sshConnection";

export type AppName = "api" | "web";

/** What each image is built from, relative to the checkout (a change here rebuilds). */
export const APP_BUILD_INPUTS: Record<AppName, readonly string[]> = {
    api: ["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml", ".npmrc", "apps/api", "packages"],
    web: ["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml", ".npmrc", "apps/web", "packages"],
};

/** `reference`: docker/<app>.Dockerfile of this repository; `app`: the checkout's apps/<app>/Dockerfile. */
export function dockerfilePath(kind: "reference" | "app", app: AppName, appSource: string): string {
    return kind === "reference"
        ? path.join(__dirname, "..", "docker", `${app}.Dockerfile`)
        : path.join(appSource, "apps", app, "Dockerfile");
}

/**
 * Paths go into state relative to the project directory (Pulumi's working directory), so the
 * same checkout planned from another machine or clone location shows no diff.
 */
export function projectRelative(absolute: string): string {
    return path.relative(process.cwd(), absolute) || ".";
}

/** The registry image the builder runs on its 127.0.0.1 for SSH delivery (distribution's reference registry). */
export const LOCAL_REGISTRY_IMAGE = "registry:2.8.3";
/** Its container on the building machine: kept between deploys, so unchanged layers are not pushed again. */
export const LOCAL_REGISTRY_CONTAINER = "dropit-image-registry";

/** The VPS end of SSH delivery: where the tunnel's VPS side is opened. */
export interface SshDeliveryTarget {
    host: string;
    port: number;
    user: string;
    /** `algorithm base64`; absent: the first key seen is trusted. */
    hostKey?: string;
    privateKey: pulumi.Input<string>;
}

/** How an image gets from where it is built to where it runs. */
export type ImageTransport =
    | { kind: "in-place" }
    | { kind: "registry"; registry: RegistryCredentials }
    | { kind: "ssh"; tunnelPort: number; target: SshDeliveryTarget };

export interface ImageDelivery {
    transport: ImageTransport;
    /** The Docker engine that builds (the machine running `pulumi up`); absent: the VPS's, inherited from the parent. */
    builder?: docker.Provider;
    /** Sent only after these (the VPS's Docker engine exists). */
    ready?: pulumi.Resource[];
}

/**
 * The delivery the plan chose. A local build uses the Docker engine of the machine running
 * `pulumi up` (DOCKER_HOST when set, else its default socket).
 */
export function appImageDelivery(
    plan: ImagePlan,
    options: {
        registry?: RegistryCredentials;
        tunnelPort: number;
        server: SshDeliveryTarget;
        ready: pulumi.Resource[];
    },
): ImageDelivery {
    const builder = plan.buildOn === "local" ? new docker.Provider("image-builder", {}) : undefined;
    switch (plan.delivery) {
        case "registry":
            if (!options.registry) throw new Error("registry delivery without registry credentials (config/imageDelivery.ts refuses it)");
            return { transport: { kind: "registry", registry: options.registry }, builder, ready: options.ready };
        case "ssh":
            return {
                transport: { kind: "ssh", tunnelPort: options.tunnelPort, target: options.server },
                builder,
                ready: options.ready,
            };
        case "in-place":
            return { transport: { kind: "in-place" } };
    }
}

/** The repository an image is tagged into: what the chosen transport needs. */
export function imageRepository(transport: ImageTransport, service: string): string {
    switch (transport.kind) {
        case "registry":
            return pushedRepository(transport.registry, service);
        case "ssh":
            return `127.0.0.1:${transport.tunnelPort}/${service}`;
        case "in-place":
            return service;
    }
}

export interface AppImageArgs {
    /** `<repository>:<content tag>` (imageRepository). */
    imageName: pulumi.Input<string>;
    /** Absolute path of the DropIt checkout (the build context). */
    appSource: string;
    /** Absolute path of the Dockerfile. */
    dockerfile: string;
    /** Build arguments (e.g. VITE_API_URL). */
    buildArgs?: Record<string, pulumi.Input<string>>;
}

export interface DeliveredImage {
    image: docker.Image;
    /** What the service runs: pinned by digest unless the image never left the engine that runs it. */
    reference: pulumi.Output<string>;
}

/** `<server>/<username>/<service>`: the repository of a pushed image (Docker Hub, GHCR and most registries accept it). */
export function pushedRepository(registry: Pick<RegistryCredentials, "server" | "username">, service: string): string {
    return `${registry.server}/${registry.username}/${service}`;
}

const DIGEST_REFERENCE = /^127\.0\.0\.1:\d+\/[a-z0-9][a-z0-9._/-]*@sha256:[0-9a-f]{64}$/;

/** Registers the build (and, for SSH delivery, the sending); `opts.parent` is the component. */
export function deliveredImage(
    name: string,
    args: AppImageArgs,
    delivery: ImageDelivery,
    opts: { parent: pulumi.Resource },
): DeliveredImage {
    const { transport } = delivery;
    const image = new docker.Image(
        `${name}-image`,
        {
            imageName: args.imageName,
            build: {
                context: projectRelative(args.appSource),
                dockerfile: projectRelative(args.dockerfile),
                ...buildCache(transport, args),
                builderVersion: "BuilderBuildKit",
                platform: "linux/amd64",
            },
            ...(transport.kind === "registry"
                ? {
                      skipPush: false,
                      registry: {
                          server: transport.registry.server,
                          username: transport.registry.username,
                          password: pulumi.secret(transport.registry.password),
                      },
                  }
                : { skipPush: true }),
        },
        { ...opts, ...(delivery.builder ? { provider: delivery.builder } : {}) },
    );
    if (transport.kind === "in-place") return { image, reference: image.imageName };
    if (transport.kind === "registry") return { image, reference: image.repoDigest };
    const send = sendOverSsh(`${name}-image-send`, image, transport, { ...opts, dependsOn: [image, ...(delivery.ready ?? [])] });
    return { image, reference: send.stdout.apply(sentReference) };
}

/** The tag in the builder's registry that each build's cache is kept under (builder/send-image.sh pushes it). */
export const BUILD_CACHE_TAG = "buildcache";

/**
 * With SSH delivery the build imports its cache from the builder's registry (the previous image,
 * which carries BuildKit's inline cache), so a runner that starts empty but has that registry's
 * storage back from its CI cache rebuilds only what changed. Elsewhere: the build arguments only.
 */
function buildCache(transport: ImageTransport, args: AppImageArgs): Pick<docker.types.input.DockerBuild, "args" | "cacheFrom"> {
    if (transport.kind !== "ssh") return args.buildArgs ? { args: args.buildArgs } : {};
    const repository = pulumi.output(args.imageName).apply((name) => name.replace(/:[^:/]+$/, ""));
    return {
        args: { ...args.buildArgs, BUILDKIT_INLINE_CACHE: "1" },
        cacheFrom: { images: [pulumi.interpolate`${repository}:${BUILD_CACHE_TAG}`] },
    };
}

/** The builder pushes into its own 127.0.0.1 registry; the VPS pulls what it lacks through the SSH tunnel (builder/send-image.sh). */
function sendOverSsh(
    name: string,
    image: docker.Image,
    transport: Extract<ImageTransport, { kind: "ssh" }>,
    opts: pulumi.CustomResourceOptions,
): command.local.Command {
    const { target } = transport;
    return new command.local.Command(
        name,
        {
            // The script travels in the environment, so a failure quotes this short line, not the whole script.
            create: 'bash -c "$DROPIT_SCRIPT"',
            environment: {
                DROPIT_SCRIPT: builderScript("send-image", ["local-registry"]),
                IMAGE: image.imageName,
                REGISTRY_PORT: String(transport.tunnelPort),
                REGISTRY_IMAGE: LOCAL_REGISTRY_IMAGE,
                REGISTRY_CONTAINER: LOCAL_REGISTRY_CONTAINER,
                SSH_HOST: target.host,
                SSH_PORT: String(target.port),
                SSH_USER: target.user,
                SSH_HOST_KEY: target.hostKey ?? "",
            },
            // ssh refuses a key file without its final newline ("error in libcrypto").
            stdin: pulumi.secret(pulumi.output(target.privateKey).apply((key) => (key.endsWith("\n") ? key : `${key}\n`))),
            // A new build (new image id) sends again; the tag alone would miss a rebuild under the same tag.
            triggers: [image.repoDigest],
            ...NO_PREVIOUS_OUTPUT_IN_ENV,
        },
        opts,
    );
}

/**
 * The last line the script printed: the digest-pinned reference; anything else is a failed send.
 * No output at all is a send that has not run (a refresh that runs the program before the first `up`).
 */
export function sentReference(stdout: string | undefined): string {
    if (stdout === undefined) return "";
    const reference = stdout.trim().split("\n").pop() ?? "";
    if (!DIGEST_REFERENCE.test(reference))
        throw new Error(`sending the image printed no digest reference (got ${JSON.stringify(reference.slice(0, 200))})`);
    return reference;
}
