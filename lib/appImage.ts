/**
 * The DropIt images: built by the VPS's own Docker engine (the provider the calling component
 * inherits) from the DropIt checkout, tagged by the content of what they are built from. On one
 * node they are never pushed; with several nodes they are pushed to the registry every node
 * pulls from, and services pin them by digest (docs/nodes.md).
 */
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { RegistryCredentials } from "./hostConvergence";

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

export interface AppImageArgs {
    /** `<service>:<content tag>`. */
    imageName: pulumi.Input<string>;
    /** Absolute path of the DropIt checkout (the build context). */
    appSource: string;
    /** Absolute path of the Dockerfile. */
    dockerfile: string;
    /** Build arguments (e.g. VITE_API_URL). */
    buildArgs?: Record<string, pulumi.Input<string>>;
    /** Pushed to this registry (imageName must then name a repository in it); absent: kept on the building engine. */
    push?: RegistryCredentials;
}

/** `<server>/<username>/<service>`: the repository of a pushed image (Docker Hub, GHCR and most registries accept it). */
export function pushedRepository(registry: Pick<RegistryCredentials, "server" | "username">, service: string): string {
    return `${registry.server}/${registry.username}/${service}`;
}

/** Registers the image build; `opts` carries the parent, whose Docker provider builds it. */
export function appImage(name: string, args: AppImageArgs, opts: pulumi.CustomResourceOptions): docker.Image {
    return new docker.Image(
        name,
        {
            imageName: args.imageName,
            build: {
                context: projectRelative(args.appSource),
                dockerfile: projectRelative(args.dockerfile),
                ...(args.buildArgs ? { args: args.buildArgs } : {}),
                builderVersion: "BuilderBuildKit",
                platform: "linux/amd64",
            },
            ...(args.push
                ? {
                      skipPush: false,
                      registry: { server: args.push.server, username: args.push.username, password: pulumi.secret(args.push.password) },
                  }
                : { skipPush: true }),
        },
        opts,
    );
}
