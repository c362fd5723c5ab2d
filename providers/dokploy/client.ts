/**
 * The slice of Dokploy's REST API the notification provider uses, as Dokploy publishes it
 * (openapi.json at the root of Dokploy's repository: `/api/<router>.<procedure>`, header
 * `x-api-key`, JSON bodies, queries as GET with query parameters, errors as
 * `{message, code}` with an HTTP status). Serialized into the state with the provider: plain
 * functions, no module state, nothing read at import time. The key is never put in a message.
 */

export interface DokployApi {
    /** The panel's API base, e.g. https://dokploy.example.fr/api. */
    apiUrl: string;
    apiKey: string;
    /** Per request. */
    timeoutMs: number;
}

/** The events a notification can subscribe to (Dokploy's `notification` table columns). */
export const NOTIFICATION_EVENTS = [
    "appDeploy",
    "appBuildError",
    "databaseBackup",
    "volumeBackup",
    "dokployRestart",
    "dokployBackup",
    "dockerCleanup",
    "serverThreshold",
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
export type EventFlags = Record<NotificationEvent, boolean>;

/** A notification as `notification.all` / `notification.one` return it (the fields used here). */
export interface ApiNotification extends Partial<EventFlags> {
    notificationId: string;
    name: string;
    notificationType: string;
    ntfyId?: string | null;
    customId?: string | null;
    ntfy?: { ntfyId: string; serverUrl: string; topic: string; priority: number } | null;
    custom?: { customId: string; endpoint: string } | null;
}

export class DokployError extends Error {
    constructor(
        message: string,
        readonly status?: number,
    ) {
        super(message);
    }
}

/** One request; the API's own message on failure, with what to do for the usual causes. */
export async function callDokploy<T>(
    api: DokployApi,
    method: "GET" | "POST",
    procedure: string,
    input?: Record<string, unknown>,
): Promise<T> {
    const base = api.apiUrl.replace(/\/+$/, "");
    const query =
        method === "GET" && input
            ? `?${new URLSearchParams(Object.entries(input).map(([key, value]): [string, string] => [key, String(value)])).toString()}`
            : "";
    let response: Response;
    try {
        response = await fetch(`${base}/${procedure}${query}`, {
            method,
            headers: {
                "x-api-key": api.apiKey,
                accept: "application/json",
                ...(method === "POST" ? { "content-type": "application/json" } : {}),
            },
            body: method === "POST" ? JSON.stringify(input ?? {}) : undefined,
            signal: AbortSignal.timeout(api.timeoutMs),
        });
    } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as { name?: string }).name ?? "error";
        throw new DokployError(
            `Dokploy API ${procedure}: no answer from ${base} (${cause}). Fix: check that the panel answers at that address.`,
        );
    }
    const text = await response.text();
    let body: unknown;
    try {
        body = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
        throw new DokployError(`Dokploy API ${procedure}: answered ${response.status} with a body that is not JSON`, response.status);
    }
    if (!response.ok) {
        const message = (body as { message?: unknown } | undefined)?.message;
        const hint =
            response.status === 401 || response.status === 403
                ? " Fix: create an API key in the panel (Settings > Profile > API keys) and set it with `pulumi config set --secret --path 'dropit:dokploy.apiKey'`."
                : "";
        throw new DokployError(
            `Dokploy API ${procedure}: ${response.status} ${typeof message === "string" ? message : ""}.${hint}`.replace(" .", "."),
            response.status,
        );
    }
    return body as T;
}

export async function listNotifications(api: DokployApi): Promise<ApiNotification[]> {
    const all = await callDokploy<unknown>(api, "GET", "notification.all");
    if (!Array.isArray(all)) throw new DokployError("Dokploy API notification.all: the answer is not a list");
    return all as ApiNotification[];
}

/** The notification, or undefined when Dokploy no longer has it. */
export async function getNotification(api: DokployApi, notificationId: string): Promise<ApiNotification | undefined> {
    try {
        return await callDokploy<ApiNotification>(api, "GET", "notification.one", { notificationId });
    } catch (error) {
        if (error instanceof DokployError && (error.status === 404 || error.status === 400)) return undefined;
        throw error;
    }
}

export function removeNotification(api: DokployApi, notificationId: string): Promise<unknown> {
    return callDokploy(api, "POST", "notification.remove", { notificationId });
}
