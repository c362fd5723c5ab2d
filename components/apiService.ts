/**
 * The DropIt API: an image built from the DropIt checkout (where, and how it reaches the VPS:
 * lib/appImage.ts), run as a
 * Swarm service with health-gated `start-first` updates and automatic rollback, routed by
 * Traefik at api.<domain>.
 */
import * as fs from "fs";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ServiceMemory } from "../config/memoryBudget";
import { APP_BUILD_INPUTS, deliveredImage, dockerfilePath, imageRepository, type ImageDelivery } from "../lib/appImage";
import { API_SERVICE } from "../config/names";
import { contentTag } from "../lib/contentHash";
import { NO_PREVIOUS_OUTPUT_IN_ENV } from "../lib/sshConnection";
import {
    rolloutSettledCommand,
    swarmServiceArgs,
    swarmServiceOptions,
    type ClusterPlacement,
    type EndpointMode,
} from "../lib/swarmService";
import { assertUrlSafe, renderApiEnvironment } from "../renderers/apiEnvironment";
import { renderPreDeployBackup } from "../renderers/databaseHost";
import { nodeHttpProbe } from "../renderers/healthchecks";
import { rolloutSettings } from "../renderers/swarmUpdate";
import { renderTraefikLabels } from "../renderers/traefik";

export interface DatabaseConnection {
    /** The database service: the API's tasks start only once it is healthy. */
    service: pulumi.Resource;
    /** Its DNS name on dokploy-network (PostgresService.host). */
    host: string;
    /** Its port on that network. */
    port: number;
    /** The role the API logs in as. */
    user: string;
    /** The database the API uses. */
    name: string;
    /** The role's password, URL-safe (checked at apply time); passed on as a secret. */
    password: pulumi.Input<string>;
}

/**
 * Plain values shape what is rendered at plan time (scripts, labels, health checks, content tags);
 * `pulumi.Input` where a value may be computed by another resource.
 */
export interface ApiServiceArgs {
    /** Public host name, e.g. api.dropit-app.fr. */
    host: string;
    /** Origin of the web app, e.g. https://dropit-app.fr (CORS, invitation links). */
    webOrigin: string;
    /** The port the API listens on inside its containers (Traefik routes to it). */
    port: number;
    /** The path the health check and the rollout probe ask, e.g. /api. */
    healthPath: string;
    /** Number of tasks of the Swarm service. */
    replicas: number;
    /** With several nodes: the tasks spread over the nodes. */
    cluster?: ClusterPlacement;
    /** Where the image is built and how it reaches the VPS (config/imageDelivery.ts). */
    images: ImageDelivery;
    /** Registry credentials the tasks pull with, when the image travels through a registry (DokployHost.registryAuth). */
    pullAuth?: docker.types.input.ServiceAuth;
    /** Memory limit and reservation per task (dropit:api.memoryMb, .memoryReservationMb). */
    memory: ServiceMemory;
    /** Absolute path of the DropIt checkout (the build context). */
    appSource: string;
    /** `reference`: docker/api.Dockerfile of this repo; `app`: the checkout's apps/api/Dockerfile. */
    dockerfile: "reference" | "app";
    /** The database the API connects to, and the service it waits for. */
    database: DatabaseConnection;
    /** Transactional email through Brevo; without it the API sends none. */
    brevo?: { apiKey: pulumi.Input<string>; fromEmail?: string; fromName?: string };
    /** Seed the demo data when the API starts (never on a production database). */
    seedDemoData: boolean;
    /** ID of dokploy-network (DokployHost.networkId). */
    networkId: pulumi.Input<string>;
    /** How the service is reached on dokploy-network (default vip; dnsrr on kernels without IPVS). */
    endpointMode?: EndpointMode;
    /** Resources that must exist before Traefik asks Let's Encrypt for api.<domain>. */
    certificateGate: pulumi.Resource[];
    /** SSH to the VPS (DokployHost.connection): after each new image, a command waits for Swarm to settle the rollout. */
    connection: command.types.input.remote.ConnectionArgs;
    /** Dump the database before every new image (the app syncs its schema when it starts). */
    preDeployBackup?: { connection: command.types.input.remote.ConnectionArgs; installed: pulumi.Resource };
}

export class ApiService extends pulumi.ComponentResource {
    /** https://api.<domain>, resolved once the service exists (the web build waits for it). */
    readonly url: pulumi.Output<string>;
    readonly imageName: pulumi.Output<string>;
    readonly betterAuthSecret: pulumi.Output<string>;
    readonly service: docker.Service;
    /** Fails `pulumi up` when Swarm rolls back (or pauses) a new image after the provider reported it done. */
    readonly settled: command.remote.Command;

    constructor(name: string, args: ApiServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dropit:index:ApiService", name, {}, opts);
        // The Docker provider comes through `opts.providers` (index.ts): children inherit it from their parent.
        const child = { parent: this };
        const dockerfile = dockerfilePath(args.dockerfile, "api", args.appSource);
        const tag = contentTag({
            context: args.appSource,
            dockerfile,
            paths: APP_BUILD_INPUTS.api,
            extras: [fs.readFileSync(dockerfile, "utf8")],
        });
        const { image, reference } = deliveredImage(
            name,
            { imageName: `${imageRepository(args.images.transport, API_SERVICE)}:${tag}`, appSource: args.appSource, dockerfile },
            args.images,
            child,
        );
        this.imageName = reference;

        const authSecret = new random.RandomPassword(`${name}-auth-secret`, { length: 48, special: false }, { parent: this });
        this.betterAuthSecret = authSecret.result;

        const apiOrigin = `https://${args.host}`;
        // One secret output per secret value: the names and every other value stay visible.
        const secret = (value: pulumi.Input<string>) => pulumi.secret(value);
        const environment = renderApiEnvironment({
            port: args.port,
            webOrigin: args.webOrigin,
            apiOrigin,
            database: {
                host: args.database.host,
                port: args.database.port,
                user: args.database.user,
                name: args.database.name,
                password: secret(pulumi.output(args.database.password).apply(assertUrlSafe)),
            },
            betterAuthSecret: secret(authSecret.result),
            brevo: args.brevo
                ? { apiKey: secret(args.brevo.apiKey), fromEmail: args.brevo.fromEmail, fromName: args.brevo.fromName }
                : undefined,
            seedDemoData: args.seedDemoData,
        });

        // A new tag replaces this command, which runs the dump before the service update below.
        const backup = args.preDeployBackup
            ? new command.remote.Command(
                  `${name}-pre-deploy-backup`,
                  {
                      connection: args.preDeployBackup.connection,
                      ...NO_PREVIOUS_OUTPUT_IN_ENV,
                      create: renderPreDeployBackup(),
                      triggers: [image.imageName],
                  },
                  { parent: this, dependsOn: [args.preDeployBackup.installed, args.database.service] },
              )
            : undefined;

        const rollout = rolloutSettings({ healthTest: nodeHttpProbe(args.port, args.healthPath), startPeriodSeconds: 60 });
        this.service = new docker.Service(
            `${name}-service`,
            swarmServiceArgs({
                name: API_SERVICE,
                image: this.imageName,
                networkId: args.networkId,
                endpointMode: args.endpointMode,
                env: environment,
                auth: args.pullAuth,
                cluster: args.cluster,
                healthcheck: rollout.healthcheck,
                replicas: args.replicas,
                memory: args.memory,
                labels: renderTraefikLabels({
                    name: API_SERVICE,
                    host: args.host,
                    port: args.port,
                    retry: Boolean(args.cluster),
                    endpointMode: args.endpointMode,
                }),
                updateConfig: rollout.updateConfig,
                rollbackConfig: rollout.rollbackConfig,
            }),
            swarmServiceOptions({
                ...child,
                dependsOn: [args.database.service, ...(backup ? [backup] : []), ...args.certificateGate, ...(args.cluster?.ready ?? [])],
            }),
        );

        this.settled = rolloutSettledCommand(
            `${name}-rollout-settled`,
            { connection: args.connection, serviceName: API_SERVICE, rollout, replicas: args.replicas, imageName: image.imageName },
            { parent: this, service: this.service },
        );

        this.url = this.service.id.apply(() => apiOrigin);
        this.registerOutputs({ url: this.url, imageName: this.imageName });
    }
}
