/**
 * The dynamic provider behind `DokployNotification`: one notification of Dokploy's panel (a
 * channel, ntfy or a custom webhook, and the events it receives), created through Dokploy's
 * API, found again by its name (so a create interrupted after Dokploy saved it adopts it
 * instead of adding a second one), updated in place and removed by id.
 *
 * Pulumi serializes this object into the state (code from this repository by value): it
 * imports `@pulumi/pulumi` for types only and builds its API settings inside each method from
 * the inputs, which the engine hands over with the secrets (key, target URL) already revealed.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
    ApiNotification,
    callDokploy,
    DokployApi,
    EventFlags,
    getNotification,
    listNotifications,
    NOTIFICATION_EVENTS,
    NotificationEvent,
    removeNotification,
} from "./client";

/** Bump when the provider's behaviour changes, so existing resources see a diff. */
export const NOTIFICATION_PROVIDER_VERSION = "1";

export interface NotificationInputs {
    apiUrl: string;
    apiKey: string;
    /** The notification's name in the panel: its identity. */
    name: string;
    channel: "ntfy" | "custom";
    /** ntfy: the topic URL (server + topic); custom: the endpoint Dokploy POSTs to. */
    targetUrl: string;
    /** ntfy priority, 1 to 5. */
    priority: number;
    events: NotificationEvent[];
    providerVersion: string;
}

export interface NotificationOutputs extends NotificationInputs {
    notificationId: string;
    /** The channel row's id (ntfyId or customId), which Dokploy's update calls need. */
    channelId: string;
}

/** Dokploy's createNtfy input does not carry serverThreshold (its schema picks the other events only). */
const NTFY_EVENTS: readonly NotificationEvent[] = NOTIFICATION_EVENTS.filter((event) => event !== "serverThreshold");
const REQUEST_TIMEOUT_MS = 15_000;

export function createNotificationProvider(timeoutMs: number = REQUEST_TIMEOUT_MS): pulumi.dynamic.ResourceProvider {
    const apiOf = (props: Pick<NotificationInputs, "apiUrl" | "apiKey">): DokployApi => ({
        apiUrl: props.apiUrl,
        apiKey: props.apiKey,
        timeoutMs,
    });
    /** Errors leave the provider through this, so neither the key nor the target rides along in a message. */
    const guarded = async <T>(props: Partial<NotificationInputs>, work: () => Promise<T>): Promise<T> => {
        try {
            return await work();
        } catch (error) {
            let message = error instanceof Error ? error.message : String(error);
            for (const secret of [props.apiKey, props.targetUrl]) if (secret) message = message.split(secret).join("[secret]");
            throw new Error(message);
        }
    };
    const flags = (props: NotificationInputs, allowed: readonly NotificationEvent[]): Partial<EventFlags> =>
        Object.fromEntries(allowed.map((event) => [event, props.events.includes(event)]));
    /** The create/update body in Dokploy's words. */
    const body = (props: NotificationInputs): Record<string, unknown> => {
        if (props.channel === "ntfy") {
            const url = new URL(props.targetUrl);
            return {
                name: props.name,
                ...flags(props, NTFY_EVENTS),
                serverUrl: url.origin,
                topic: url.pathname.replace(/^\/+|\/+$/g, ""),
                accessToken: "",
                priority: props.priority,
            };
        }
        return { name: props.name, ...flags(props, NOTIFICATION_EVENTS), endpoint: props.targetUrl, headers: {} };
    };
    const procedure = (props: NotificationInputs, verb: "create" | "update") =>
        `notification.${verb}${props.channel === "ntfy" ? "Ntfy" : "Custom"}`;
    const channelIdOf = (found: ApiNotification, channel: NotificationInputs["channel"]): string =>
        (channel === "ntfy" ? (found.ntfyId ?? found.ntfy?.ntfyId) : (found.customId ?? found.custom?.customId)) ?? "";
    const findByName = async (api: DokployApi, name: string) =>
        (await listNotifications(api)).filter((candidate) => candidate.name === name);
    const update = async (props: NotificationInputs, notificationId: string, channelId: string) => {
        const idKey = props.channel === "ntfy" ? "ntfyId" : "customId";
        await callDokploy(apiOf(props), "POST", procedure(props, "update"), { ...body(props), notificationId, [idKey]: channelId });
    };

    return {
        check(_olds: Partial<NotificationInputs>, news: NotificationInputs): Promise<pulumi.dynamic.CheckResult> {
            return Promise.resolve({ inputs: news, failures: inputProblems(news) });
        },

        diff(_id: string, olds: NotificationOutputs, news: NotificationInputs): Promise<pulumi.dynamic.DiffResult> {
            const replaces = ["channel", "apiUrl"].filter(
                (key) => olds[key as keyof NotificationInputs] !== news[key as keyof NotificationInputs],
            );
            const updates = (["name", "targetUrl", "priority", "apiKey", "providerVersion"] as const).filter(
                (key) => olds[key] !== news[key],
            );
            const eventsChanged = [...olds.events].sort().join(",") !== [...news.events].sort().join(",");
            return Promise.resolve({ changes: replaces.length + updates.length > 0 || eventsChanged, replaces, deleteBeforeReplace: true });
        },

        async create(inputs: NotificationInputs): Promise<pulumi.dynamic.CreateResult> {
            return guarded(inputs, async () => {
                const api = apiOf(inputs);
                let [found] = await findByName(api, inputs.name);
                if (found && found.notificationType === inputs.channel) {
                    // Saved by an earlier, interrupted run (or made by hand with this name): brought to the wanted state.
                    await update(inputs, found.notificationId, channelIdOf(found, inputs.channel));
                } else if (found) {
                    throw new Error(
                        `Dokploy already has a ${found.notificationType} notification named ${JSON.stringify(inputs.name)}. Fix: delete or rename it in the panel (Settings > Notifications), then run \`pulumi up\` again.`,
                    );
                } else {
                    await callDokploy(api, "POST", procedure(inputs, "create"), body(inputs));
                    // Dokploy's create answers without the new ids: read them back by name.
                    [found] = await findByName(api, inputs.name);
                    if (!found)
                        throw new Error(`Dokploy API: the notification ${JSON.stringify(inputs.name)} was created but is not listed`);
                }
                const outs: NotificationOutputs = {
                    ...inputs,
                    notificationId: found.notificationId,
                    channelId: channelIdOf(found, inputs.channel),
                };
                return { id: found.notificationId, outs };
            });
        },

        async read(id: string, props: NotificationOutputs): Promise<pulumi.dynamic.ReadResult> {
            return guarded(props, async () => {
                const found = await getNotification(apiOf(props), id);
                // Deleted in the panel: an empty result tells the engine to forget it (and recreate on up).
                if (!found) return {};
                const events = NOTIFICATION_EVENTS.filter((event) => found[event] === true);
                return { id, props: { ...props, name: found.name, events } };
            });
        },

        async update(id: string, olds: NotificationOutputs, news: NotificationInputs): Promise<pulumi.dynamic.UpdateResult> {
            return guarded(news, async () => {
                await update(news, id, olds.channelId);
                return { outs: { ...news, notificationId: id, channelId: olds.channelId } };
            });
        },

        async delete(id: string, props: NotificationOutputs): Promise<void> {
            await guarded(props, async () => {
                // Already gone in the panel: nothing to do.
                if (await getNotification(apiOf(props), id)) await removeNotification(apiOf(props), id);
            });
        },
    };
}

function inputProblems(news: NotificationInputs): pulumi.dynamic.CheckFailure[] {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (!["ntfy", "custom"].includes(news.channel)) failures.push({ property: "channel", reason: "must be ntfy or custom" });
    if (!Array.isArray(news.events) || news.events.length === 0 || news.events.some((event) => !NOTIFICATION_EVENTS.includes(event)))
        failures.push({ property: "events", reason: `must be a non-empty list of ${NOTIFICATION_EVENTS.join(", ")}` });
    else if (news.channel === "ntfy" && news.events.includes("serverThreshold"))
        failures.push({
            property: "events",
            reason: "serverThreshold cannot go to an ntfy channel (Dokploy's ntfy notifications do not carry it); use monitoring.alertFormat json (a custom webhook) or drop it",
        });
    if (!Number.isInteger(news.priority) || news.priority < 1 || news.priority > 5)
        failures.push({ property: "priority", reason: "must be a whole number from 1 to 5" });
    if (typeof news.name !== "string" || news.name.trim() === "") failures.push({ property: "name", reason: "must not be empty" });
    return failures;
}
