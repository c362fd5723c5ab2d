/**
 * Where the API and web images are built and how they reach the VPS (docs/images.md). Pure: no
 * Pulumi runtime, so the plan, the program and the tests share it.
 */
import { keyName } from "./errors";
import { isMultiNode } from "./nodes";
import type { DropitConfig } from "./schema";

/**
 * - `ssh`: built where `pulumi up` runs; the VPS pulls the missing layers from a registry on the
 *   builder's 127.0.0.1 through an SSH tunnel (no registry account);
 * - `registry`: pushed to dropit:registry and pinned by digest (built locally or on the VPS);
 * - `in-place`: built by the VPS's own engine and run from there.
 */
export type ImageDelivery = "ssh" | "registry" | "in-place";

export interface ImagePlan {
    buildOn: "local" | "vps";
    delivery: ImageDelivery;
    /** One line for the plan: where the images are built and how they travel. */
    summary: string;
}

type ImageConfig = Pick<DropitConfig, "app" | "nodes" | "cluster">;

export function imagePlan(config: ImageConfig & Pick<DropitConfig, "registry">): ImagePlan {
    const { buildOn } = config.app;
    const delivery: ImageDelivery =
        (config.app.delivery ?? (isMultiNode(config) ? "registry" : "ssh")) === "registry"
            ? "registry"
            : buildOn === "vps"
              ? "in-place"
              : "ssh";
    const where = buildOn === "local" ? "where `pulumi up` runs (the VPS never builds)" : "on the VPS by its own engine";
    const how = {
        ssh: `sent to the VPS over SSH: it pulls only the layers it lacks from 127.0.0.1:${config.app.tunnelPort} of this machine`,
        registry: `pushed to ${config.registry.server} and pinned by digest; the VPS pulls them`,
        "in-place": "run where they are built",
    }[delivery];
    return { buildOn, delivery, summary: `images: built ${where}, ${how}` };
}

/** Choices that cannot work together, each with its fix. */
export function imageDeliveryProblems(config: ImageConfig & Pick<DropitConfig, "registry">): string[] {
    const problems: string[] = [];
    if (config.app.delivery === "ssh" && isMultiNode(config)) {
        problems.push(
            `${keyName(["app", "delivery"])}: ssh sends an image to the first server only; with nodes every node pulls from the registry. ` +
                "Fix: `pulumi config rm --path 'dropit:app.delivery'` (with nodes the default is registry).",
        );
    }
    if (config.app.delivery === "registry" && !config.registry.username && !isMultiNode(config)) {
        problems.push(
            `${keyName(["app", "delivery"])}: registry pushes the images to dropit:registry, which has no login. ` +
                "Fix: `pulumi config set --path 'dropit:registry.username' <user>` and `pulumi config set --secret dropit:registryPassword` (it prompts), " +
                "or `pulumi config rm --path 'dropit:app.delivery'` to send the images over SSH.",
        );
    }
    return problems;
}
