/**
 * The DropIt web app: the Vite build with the API origin baked in at build time, served by
 * nginx (config from renderers/nginx.ts, mounted as a Swarm config), routed at <domain>.
 */
import * as fs from "fs";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceMemory } from "../config/memoryBudget";
import { APP_BUILD_INPUTS, deliveredImage, dockerfilePath, imageRepository, type ImageDelivery } from "../lib/appImage";
import { WEB_SERVICE } from "../config/names";
import { contentTag } from "../lib/contentHash";
import {
    contentAddressedConfig,
    rolloutSettledCommand,
    swarmServiceArgs,
    swarmServiceOptions,
    type ClusterPlacement,
    type EndpointMode,
} from "../lib/swarmService";
import { wgetProbe } from "../renderers/healthchecks";
import { ASSET_BRIDGE_SCRIPT, assetBridgeEnvironment, renderNginxConf, swarmAssetBridge } from "../renderers/nginx";
import { rolloutSettings } from "../renderers/swarmUpdate";
import { renderTraefikLabels } from "../renderers/traefik";

/**
 * Plain values shape what is rendered at plan time (scripts, labels, health checks, content tags);
 * `pulumi.Input` where a value may be computed by another resource.
 */
export interface FrontendSiteArgs {
    /** Public host name: the apex domain. */
    host: string;
    /** The API origin baked into the bundle (VITE_API_URL, without /api). */
    apiUrl: pulumi.Input<string>;
    /** Number of tasks of the Swarm service. */
    replicas: number;
    /** With several nodes: the tasks spread over the nodes. */
    cluster?: ClusterPlacement;
    /** Where the image is built and how it reaches the VPS (config/imageDelivery.ts). */
    images: ImageDelivery;
    /** Registry credentials the tasks pull with, when the image travels through a registry (DokployHost.registryAuth). */
    pullAuth?: docker.types.input.ServiceAuth;
    /** Memory limit and reservation per task (dropit:web.memoryMb, .memoryReservationMb). */
    memory: ServiceMemory;
    /** Absolute path of the DropIt checkout (the build context). */
    appSource: string;
    /** `reference`: docker/web.Dockerfile of this repository; `app`: the checkout's apps/web/Dockerfile (must declare ARG VITE_API_URL). */
    dockerfile?: "reference" | "app";
    /** Every task serves the old and the new release's assets during a rollout (dropit:web.assetBridge; default true). */
    assetBridge?: boolean;
    /** ID of dokploy-network (DokployHost.networkId). */
    networkId: pulumi.Input<string>;
    /** How the service is reached on dokploy-network (default vip; dnsrr on kernels without IPVS). */
    endpointMode?: EndpointMode;
    /** Resources that must exist before Traefik asks Let's Encrypt for <domain> (DnsZone.readiness). */
    certificateGate: pulumi.Resource[];
    /** SSH to the VPS (DokployHost.connection): the nginx configs are made over it, and after each new image a command waits for Swarm to settle the rollout. */
    connection: command.types.input.remote.ConnectionArgs;
    /** What must exist before a Swarm config can be made (the first server's Docker engine in a Swarm: DokployHost). */
    hostReady: pulumi.Input<pulumi.Resource>[];
}

const NGINX_PORT = 80;

export class FrontendSite extends pulumi.ComponentResource {
    readonly url: string;
    readonly imageName: pulumi.Output<string>;
    readonly service: docker.Service;
    /** Fails `pulumi up` when Swarm rolls back (or pauses) a new image after the provider reported it done. */
    readonly settled: command.remote.Command;

    constructor(name: string, args: FrontendSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dropit:index:FrontendSite", name, {}, opts);
        // The Docker provider comes through `opts.providers` (index.ts): children inherit it from their parent.
        const child = { parent: this };
        const dockerfile = dockerfilePath(args.dockerfile ?? "reference", "web", args.appSource);
        const dockerfileText = fs.readFileSync(dockerfile, "utf8");
        const repository = imageRepository(args.images.transport, WEB_SERVICE);
        const imageName = pulumi
            .output(args.apiUrl)
            .apply(
                (apiUrl) =>
                    `${repository}:${contentTag({ context: args.appSource, dockerfile, paths: APP_BUILD_INPUTS.web, extras: [dockerfileText, `VITE_API_URL=${apiUrl}`] })}`,
            );

        const { image, reference } = deliveredImage(
            name,
            { imageName, appSource: args.appSource, dockerfile, buildArgs: { VITE_API_URL: args.apiUrl } },
            args.images,
            child,
        );
        this.imageName = reference;

        const bridge = (args.assetBridge ?? true) ? swarmAssetBridge(WEB_SERVICE) : undefined;
        const onManager = { connection: args.connection, ready: args.hostReady };
        const nginxConf = contentAddressedConfig(
            `${name}-nginx-conf`,
            "dropit-web-nginx",
            renderNginxConf({ assetBridge: bridge }),
            onManager,
            child,
        );
        const configs: docker.types.input.ServiceTaskSpecContainerSpecConfig[] = [
            { configId: nginxConf.id, configName: nginxConf.name, fileName: "/etc/nginx/conf.d/default.conf" },
        ];
        if (bridge) {
            const script = contentAddressedConfig(
                `${name}-asset-bridge`,
                "dropit-web-asset-bridge",
                fs.readFileSync(ASSET_BRIDGE_SCRIPT.source, "utf8"),
                onManager,
                child,
            );
            configs.push({ configId: script.id, configName: script.name, fileName: ASSET_BRIDGE_SCRIPT.target, fileMode: 0o555 });
        }
        const rollout = rolloutSettings({ healthTest: wgetProbe(`http://127.0.0.1:${NGINX_PORT}/`), startPeriodSeconds: 10 });
        this.service = new docker.Service(
            `${name}-service`,
            swarmServiceArgs({
                name: WEB_SERVICE,
                image: this.imageName,
                networkId: args.networkId,
                endpointMode: args.endpointMode,
                auth: args.pullAuth,
                cluster: args.cluster,
                configs,
                env: bridge ? assetBridgeEnvironment(bridge) : undefined,
                healthcheck: rollout.healthcheck,
                replicas: args.replicas,
                memory: args.memory,
                labels: renderTraefikLabels({
                    name: WEB_SERVICE,
                    host: args.host,
                    port: NGINX_PORT,
                    retry: Boolean(args.cluster),
                    endpointMode: args.endpointMode,
                }),
                updateConfig: rollout.updateConfig,
                rollbackConfig: rollout.rollbackConfig,
            }),
            swarmServiceOptions({ ...child, dependsOn: [...args.certificateGate, ...(args.cluster?.ready ?? [])] }),
        );

        this.settled = rolloutSettledCommand(
            `${name}-rollout-settled`,
            { connection: args.connection, serviceName: WEB_SERVICE, rollout, replicas: args.replicas, imageName: image.imageName },
            { parent: this, service: this.service },
        );

        this.url = `https://${args.host}`;
        this.registerOutputs({ url: this.url, imageName: this.imageName });
    }
}
