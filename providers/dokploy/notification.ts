/** One notification of Dokploy's panel (channel + events), managed through its API by a dynamic provider. */
import * as pulumi from "@pulumi/pulumi";
import type { NotificationEvent } from "./client";
import { createNotificationProvider, NOTIFICATION_PROVIDER_VERSION } from "./notificationProvider";

export interface DokployNotificationArgs {
    /** The panel's API base, e.g. https://dokploy.example.fr/api. */
    apiUrl: pulumi.Input<string>;
    /** An API key of the panel; always stored as a secret. */
    apiKey: pulumi.Input<string>;
    /** Its name in the panel (Settings > Notifications), which identifies it. */
    name: string;
    channel: "ntfy" | "custom";
    /** ntfy: the topic URL; custom: the endpoint. A credential: always stored as a secret. */
    targetUrl: pulumi.Input<string>;
    /** ntfy priority, 1 to 5. */
    priority: number;
    events: NotificationEvent[];
}

const provider = createNotificationProvider();

export class DokployNotification extends pulumi.dynamic.Resource {
    /** Dokploy's id of the notification. */
    declare readonly notificationId: pulumi.Output<string>;

    constructor(name: string, args: DokployNotificationArgs, opts?: pulumi.CustomResourceOptions) {
        const props = {
            apiUrl: args.apiUrl,
            apiKey: pulumi.secret(args.apiKey),
            name: args.name,
            channel: args.channel,
            targetUrl: pulumi.secret(args.targetUrl),
            priority: args.priority,
            events: args.events,
            providerVersion: NOTIFICATION_PROVIDER_VERSION,
            notificationId: undefined,
            channelId: undefined,
        };
        // The provider keeps the key and the URL in its outputs (update and delete need them): keep them secret too.
        const secretOutputs = [...(opts?.additionalSecretOutputs ?? []), "apiKey", "targetUrl"];
        super(provider, name, props, { ...opts, additionalSecretOutputs: secretOutputs }, "dokploy", "Notification");
    }
}
