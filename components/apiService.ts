/**
 * The DropIt API: an image built on the VPS's own engine from the DropIt checkout, run as a
 * Swarm service with health-gated `start-first` updates and automatic rollback, routed by
 * Traefik at api.<domain>.
 */
import * as path from "path";
import * as fs from "fs";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { API_SERVICE } from "../config/names";
import { contentTag } from "../lib/contentHash";
import { NO_PREVIOUS_OUTPUT_IN_ENV } from "../lib/sshConnection";
import { swarmServiceArgs, swarmServiceOptions } from "../lib/swarmService";
import { assertUrlSafe, renderApiEnvironment } from "../renderers/apiEnvironment";
import { renderPreDeployBackup } from "../renderers/databaseHost";
import { nodeHttpProbe } from "../renderers/healthchecks";
import { rolloutSettings } from "../renderers/swarmUpdate";
import { renderTraefikLabels } from "../renderers/traefik";

export interface DatabaseConnection {
    /** The database service: the API's tasks start only once it is healthy. */
    service: pulumi.Resource;
    host: string;
    port: number;
    user: string;
    name: string;
    password: pulumi.Output<string>;
}

export interface ApiServiceArgs {
    /** Public host name, e.g. api.dropit-app.fr. */
    host: string;
    /** Origin of the web app, e.g. https://dropit-app.fr (CORS, invitation links). */
    webOrigin: string;
    port: number;
    healthPath: string;
    replicas: number;
    /** Absolute path of the DropIt checkout (the build context). */
    appSource: string;
    /** `reference`: docker/api.Dockerfile of this repo; `app`: the checkout's apps/api/Dockerfile. */
    dockerfile: "reference" | "app";
    database: DatabaseConnection;
    brevo?: { apiKey: pulumi.Output<string>; fromEmail?: string; fromName?: string };
    seedDemoData: boolean;
    /** ID of dokploy-network (DokployInstall.networkId). */
    networkId: pulumi.Input<string>;
    provider: docker.Provider;
    /** Resources that must exist before Traefik asks Let's Encrypt for api.<domain>. */
    certificateGate: pulumi.Resource[];
    /** Dump the database before every new image (the app syncs its schema when it starts). */
    preDeployBackup?: { connection: command.types.input.remote.ConnectionArgs; installed: pulumi.Resource };
}

/** What the API image is built from, relative to the checkout (a change here rebuilds). */
export const API_BUILD_INPUTS = ["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml", ".npmrc", "apps/api", "packages"];

export function dockerfilePath(kind: "reference" | "app", app: "api" | "web", appSource: string): string {
    return kind === "reference" ? path.join(__dirname, "..", "docker", `${app}.Dockerfile`) : path.join(appSource, "apps", app, "Dockerfile");
}

/**
 * Paths go into state relative to the project directory (Pulumi's working directory), so the
 * same checkout planned from another machine or clone location shows no diff.
 */
export function projectRelative(absolute: string): string {
    return path.relative(process.cwd(), absolute) || ".";
}

export class ApiService extends pulumi.ComponentResource {
    /** https://api.<domain>, resolved once the service exists (the web build waits for it). */
    readonly url: pulumi.Output<string>;
    readonly imageName: pulumi.Output<string>;
    readonly betterAuthSecret: pulumi.Output<string>;
    readonly service: docker.Service;

    constructor(name: string, args: ApiServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dropit:index:ApiService", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        const dockerfile = dockerfilePath(args.dockerfile, "api", args.appSource);
        const tag = contentTag({ context: args.appSource, dockerfile, paths: API_BUILD_INPUTS, extras: [fs.readFileSync(dockerfile, "utf8")] });

        const image = new docker.Image(`${name}-image`, {
            imageName: `${API_SERVICE}:${tag}`,
            build: { context: projectRelative(args.appSource), dockerfile: projectRelative(dockerfile), builderVersion: "BuilderBuildKit", platform: "linux/amd64" },
            skipPush: true,
        }, child);
        this.imageName = image.imageName;

        const authSecret = new random.RandomPassword(`${name}-auth-secret`, { length: 48, special: false }, { parent: this });
        this.betterAuthSecret = authSecret.result;

        const apiOrigin = `https://${args.host}`;
        // One secret output per secret value: the names and every other value stay visible.
        const secret = (value: pulumi.Output<string>) => pulumi.secret(value);
        const environment = renderApiEnvironment({
            port: args.port,
            webOrigin: args.webOrigin,
            apiOrigin,
            database: {
                host: args.database.host, port: args.database.port, user: args.database.user, name: args.database.name,
                password: secret(args.database.password.apply(assertUrlSafe)),
            },
            betterAuthSecret: secret(authSecret.result),
            brevo: args.brevo ? { apiKey: secret(args.brevo.apiKey), fromEmail: args.brevo.fromEmail, fromName: args.brevo.fromName } : undefined,
            seedDemoData: args.seedDemoData,
        });

        // A new tag replaces this command, which runs the dump before the service update below.
        const backup = args.preDeployBackup
            ? new command.remote.Command(`${name}-pre-deploy-backup`, {
                  connection: args.preDeployBackup.connection,
                  ...NO_PREVIOUS_OUTPUT_IN_ENV,
                  create: renderPreDeployBackup(),
                  triggers: [image.imageName],
              }, { parent: this, dependsOn: [args.preDeployBackup.installed, args.database.service] })
            : undefined;

        const rollout = rolloutSettings({ healthTest: nodeHttpProbe(args.port, args.healthPath), startPeriodSeconds: 60 });
        this.service = new docker.Service(`${name}-service`, swarmServiceArgs({
            name: API_SERVICE,
            image: image.imageName,
            networkId: args.networkId,
            env: environment,
            healthcheck: rollout.healthcheck,
            replicas: args.replicas,
            labels: renderTraefikLabels({ name: API_SERVICE, host: args.host, port: args.port }),
            updateConfig: rollout.updateConfig,
            rollbackConfig: rollout.rollbackConfig,
        }), swarmServiceOptions({ ...child, dependsOn: [args.database.service, ...(backup ? [backup] : []), ...args.certificateGate] }));

        this.url = this.service.id.apply(() => apiOrigin);
        this.registerOutputs({ url: this.url, imageName: this.imageName });
    }
}
