/**
 * A fake of the notification procedures of Dokploy's REST API on 127.0.0.1, written from
 * Dokploy's published shapes (openapi.json and the zod inputs in its source: `apiCreateNtfy`,
 * `apiCreateCustom`, `apiUpdateNtfy`, `apiUpdateCustom`, `apiFindOneNotification`):
 * `/api/notification.<procedure>`, header `x-api-key`, POST bodies in JSON, GET queries as
 * parameters, errors as `{message, code}`. Like Dokploy, a create answers without the new ids,
 * createNtfy requires every one of its fields (its schema is `.required()`) and drops keys its
 * schema does not pick (serverThreshold), and `all` returns the channel row beside each
 * notification. Every request is logged; a scripted fault can drop the connection after a
 * create was applied (an interrupted `pulumi up`).
 */
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export const FAKE_DOKPLOY_KEY = "dokployKEY-SUPERSECRET-5b9e";

const EVENTS = [
    "appDeploy",
    "appBuildError",
    "databaseBackup",
    "volumeBackup",
    "dokployRestart",
    "dokployBackup",
    "dockerCleanup",
    "serverThreshold",
];
const NTFY_EVENTS = EVENTS.filter((event) => event !== "serverThreshold");

export interface FakeNotification {
    notificationId: string;
    name: string;
    notificationType: "ntfy" | "custom";
    ntfyId: string | null;
    customId: string | null;
    ntfy: { ntfyId: string; serverUrl: string; topic: string; accessToken: string; priority: number } | null;
    custom: { customId: string; endpoint: string; headers: Record<string, string> } | null;
    [event: string]: unknown;
}

export interface FakeDokploy {
    url: string;
    notifications(): FakeNotification[];
    requests: { method: string; procedure: string; body: unknown }[];
    /** The next create is applied, then its connection is closed without an answer. */
    dropNextCreate(): void;
    close(): Promise<void>;
}

class BadRequest extends Error {}

function required(body: Record<string, unknown>, keys: readonly string[], type: "string" | "boolean" | "number"): void {
    for (const key of keys) if (typeof body[key] !== type) throw new BadRequest(`${key}: expected ${type}, received ${typeof body[key]}`);
}

export function startFakeDokploy(): Promise<FakeDokploy> {
    const store: FakeNotification[] = [];
    const requests: FakeDokploy["requests"] = [];
    let dropCreate = false;
    const pickEvents = (body: Record<string, unknown>, events: readonly string[]) =>
        Object.fromEntries(events.map((event) => [event, body[event] === true]));

    const handle = (
        method: string,
        procedure: string,
        body: Record<string, unknown>,
        query: URLSearchParams,
    ): { status: number; json?: unknown } => {
        const find = (id: unknown) => {
            const found = store.find((candidate) => candidate.notificationId === id);
            if (!found) throw Object.assign(new Error("Notification not found"), { status: 404 });
            return found;
        };
        switch (`${method} ${procedure}`) {
            case "GET notification.all":
                return { status: 200, json: [...store].reverse() };
            case "GET notification.one":
                return { status: 200, json: find(query.get("notificationId")) };
            case "POST notification.createNtfy": {
                required(body, ["name", "serverUrl", "topic", "accessToken"], "string");
                required(body, NTFY_EVENTS, "boolean");
                if (typeof body.priority !== "number" || body.priority < 1) throw new BadRequest("priority: expected number >= 1");
                const ntfyId = randomUUID();
                store.push({
                    notificationId: randomUUID(),
                    name: String(body.name),
                    notificationType: "ntfy",
                    ntfyId,
                    customId: null,
                    ...pickEvents(body, NTFY_EVENTS),
                    serverThreshold: false,
                    ntfy: {
                        ntfyId,
                        serverUrl: String(body.serverUrl),
                        topic: String(body.topic),
                        accessToken: String(body.accessToken),
                        priority: body.priority,
                    },
                    custom: null,
                });
                return { status: 200 };
            }
            case "POST notification.createCustom": {
                required(body, ["name", "endpoint"], "string");
                const customId = randomUUID();
                store.push({
                    notificationId: randomUUID(),
                    name: String(body.name),
                    notificationType: "custom",
                    ntfyId: null,
                    customId,
                    ...pickEvents(body, EVENTS),
                    ntfy: null,
                    custom: { customId, endpoint: String(body.endpoint), headers: (body.headers as Record<string, string>) ?? {} },
                });
                return { status: 200 };
            }
            case "POST notification.updateNtfy":
            case "POST notification.updateCustom": {
                const found = find(body.notificationId);
                const channel = procedure === "notification.updateNtfy" ? "ntfy" : "custom";
                const idKey = channel === "ntfy" ? "ntfyId" : "customId";
                if (found[idKey] !== body[idKey]) throw new BadRequest(`${idKey} does not belong to this notification`);
                const events = channel === "ntfy" ? NTFY_EVENTS : EVENTS;
                for (const event of events) if (typeof body[event] === "boolean") found[event] = body[event];
                if (typeof body.name === "string") found.name = body.name;
                if (channel === "ntfy" && found.ntfy) {
                    for (const key of ["serverUrl", "topic", "accessToken", "priority"] as const)
                        if (body[key] !== undefined) Object.assign(found.ntfy, { [key]: body[key] });
                }
                if (channel === "custom" && found.custom && typeof body.endpoint === "string") found.custom.endpoint = body.endpoint;
                return { status: 200, json: found };
            }
            case "POST notification.remove": {
                const found = find(body.notificationId);
                store.splice(store.indexOf(found), 1);
                return { status: 200, json: found };
            }
            default:
                return { status: 404, json: { message: "Not found", code: "NOT_FOUND" } };
        }
    };

    const server = http.createServer((request, response) => {
        let text = "";
        request.on("data", (chunk: Buffer) => (text += chunk.toString()));
        request.on("end", () => {
            const url = new URL(request.url ?? "/", "http://127.0.0.1");
            const procedure = url.pathname.replace(/^\/api\//, "");
            const answer = (status: number, json?: unknown) => {
                response.writeHead(status, { "content-type": "application/json" });
                response.end(json === undefined ? "" : JSON.stringify(json));
            };
            if (request.headers["x-api-key"] !== FAKE_DOKPLOY_KEY) return answer(401, { message: "Unauthorized", code: "UNAUTHORIZED" });
            let body: Record<string, unknown> = {};
            try {
                body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
            } catch {
                return answer(400, { message: "Invalid JSON", code: "PARSE_ERROR" });
            }
            requests.push({ method: request.method ?? "", procedure, body });
            try {
                const result = handle(request.method ?? "", procedure, body, url.searchParams);
                if (dropCreate && /^notification\.create/.test(procedure)) {
                    dropCreate = false;
                    request.socket.destroy();
                    return;
                }
                answer(result.status, result.json);
            } catch (error) {
                const status = (error as { status?: number }).status ?? (error instanceof BadRequest ? 400 : 500);
                answer(status, { message: (error as Error).message, code: status === 404 ? "NOT_FOUND" : "BAD_REQUEST" });
            }
        });
    });
    return new Promise((resolve) => {
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as AddressInfo;
            resolve({
                url: `http://127.0.0.1:${port}/api`,
                notifications: () => store,
                requests,
                dropNextCreate: () => (dropCreate = true),
                close: () => new Promise((done) => server.close(() => done())),
            });
        });
    });
}
