/**
 * The Dokploy notification provider against the fake of Dokploy's API (tests/support/fakeDokploy.ts,
 * a real HTTP server on 127.0.0.1): create, idempotent re-create, update, read, delete, errors
 * without secrets; and the copy Pulumi serializes into the state, loaded back the way the engine
 * loads it. No real Dokploy was available: the shapes come from Dokploy's published API.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    createNotificationProvider,
    NOTIFICATION_PROVIDER_VERSION,
    type NotificationInputs,
    type NotificationOutputs,
} from "../../../providers/dokploy/notificationProvider";
import { FAKE_DOKPLOY_KEY, startFakeDokploy, type FakeDokploy } from "../../support/fakeDokploy";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => { handler: () => pulumi.dynamic.ResourceProvider };

const TOPIC_URL = "https://ntfy.example.net/dropit-TOPICsecret9c1d";
let fake: FakeDokploy;

beforeEach(async () => {
    fake = await startFakeDokploy();
});
afterEach(async () => {
    await fake.close();
});

const inputs = (overrides: Partial<NotificationInputs> = {}): NotificationInputs => ({
    apiUrl: fake.url,
    apiKey: FAKE_DOKPLOY_KEY,
    name: "dropit-alerts",
    channel: "ntfy",
    targetUrl: TOPIC_URL,
    priority: 4,
    events: ["appBuildError", "databaseBackup", "dockerCleanup"],
    providerVersion: NOTIFICATION_PROVIDER_VERSION,
    ...overrides,
});

const provider = () => createNotificationProvider(2_000);

test("create makes one ntfy notification with the chosen events; a second create (an interrupted run) adopts it", async () => {
    const { id, outs } = (await provider().create(inputs())) as { id: string; outs: NotificationOutputs };
    expect(fake.notifications()).toHaveLength(1);
    const [saved] = fake.notifications();
    expect(saved).toMatchObject({
        notificationId: id,
        name: "dropit-alerts",
        notificationType: "ntfy",
        appBuildError: true,
        databaseBackup: true,
        dockerCleanup: true,
        appDeploy: false,
        serverThreshold: false,
        ntfy: { serverUrl: "https://ntfy.example.net", topic: "dropit-TOPICsecret9c1d", priority: 4, accessToken: "" },
    });
    expect(outs.channelId).toBe(saved.ntfyId);

    fake.dropNextCreate();
    const interrupted = await provider()
        .create(inputs({ name: "other" }))
        .then(
            () => undefined,
            (error: unknown) => error as Error,
        );
    expect(interrupted?.message).toContain("notification.createNtfy: no answer");
    // Dokploy saved it; the retry finds it by name instead of adding a second one.
    const retried = (await provider().create(inputs({ name: "other", events: ["appDeploy"] }))) as { id: string };
    expect(fake.notifications().filter((candidate) => candidate.name === "other")).toHaveLength(1);
    expect(fake.notifications().find((candidate) => candidate.name === "other")).toMatchObject({
        notificationId: retried.id,
        appDeploy: true,
        appBuildError: false,
    });
});

test("update changes the events in place; read reports them; delete removes it, and a second delete is a no-op", async () => {
    const p = provider();
    const { id, outs } = (await p.create(inputs())) as { id: string; outs: NotificationOutputs };
    const news = inputs({ events: ["appBuildError"], priority: 5 });
    expect((await p.diff!(id, outs, news)).changes).toBe(true);
    expect((await p.diff!(id, outs, inputs())).changes).toBe(false);
    const updated = (await p.update!(id, outs, news)) as { outs: NotificationOutputs };
    expect(fake.notifications()[0]).toMatchObject({
        appBuildError: true,
        databaseBackup: false,
        dockerCleanup: false,
        ntfy: { priority: 5 },
    });
    const read = await p.read!(id, updated.outs);
    expect(read.props).toMatchObject({ events: ["appBuildError"] });
    await p.delete!(id, updated.outs);
    expect(fake.notifications()).toEqual([]);
    await p.delete!(id, updated.outs);
    expect(await p.read!(id, updated.outs)).toEqual({});
});

test("a custom webhook carries serverThreshold; ntfy refuses it at check, as Dokploy's ntfy schema does not take it", async () => {
    const p = provider();
    const refused = await p.check!({}, inputs({ events: ["serverThreshold"] }));
    expect(refused.failures?.[0]).toMatchObject({ property: "events" });
    expect(refused.failures?.[0].reason).toContain("serverThreshold cannot go to an ntfy channel");
    const custom = inputs({
        channel: "custom",
        targetUrl: "https://hooks.example.net/dropit-HOOKsecret",
        events: ["serverThreshold", "appBuildError"],
    });
    expect((await p.check!({}, custom)).failures).toEqual([]);
    await p.create(custom);
    expect(fake.notifications()[0]).toMatchObject({
        notificationType: "custom",
        serverThreshold: true,
        appBuildError: true,
        custom: { endpoint: "https://hooks.example.net/dropit-HOOKsecret" },
    });
});

test("a wrong key fails with the fix, and neither the key nor the URL appears in the message", async () => {
    const failure = await provider()
        .create(inputs({ apiKey: "wrong-KEYsecret-0000" }))
        .then(
            () => undefined,
            (error: unknown) => error as Error,
        );
    expect(failure?.message).toContain("Dokploy API notification.all: 401 Unauthorized. Fix: create an API key in the panel");
    expect(failure?.message).not.toContain("wrong-KEYsecret-0000");
    const named = await provider()
        .create(inputs({ name: "dup" }))
        .then(() => provider().create(inputs({ name: "dup", channel: "custom" })))
        .then(
            () => undefined,
            (error: unknown) => error as Error,
        );
    expect(named?.message).toContain('Dokploy already has a ntfy notification named "dup"');
    expect(named?.message).not.toContain("TOPICsecret");
});

test("the provider survives closure serialization without capturing a secret or the SDK, and the loaded copy works", async () => {
    const original = createNotificationProvider(2_000);
    const serialized = await pulumi.runtime.serializeFunction(() => original, { allowSecrets: true });
    expect(serialized.containsSecrets).toBe(false);
    expect(serialized.text).not.toContain(FAKE_DOKPLOY_KEY);
    expect(serialized.text).not.toMatch(/require\("@pulumi\/pulumi/);
    expect(serialized.text.length).toBeLessThan(48_000);
    const loaded = requireFromString(serialized.text).handler();
    const { id, outs } = (await loaded.create(inputs())) as { id: string; outs: NotificationOutputs };
    expect(fake.notifications()).toHaveLength(1);
    await loaded.delete!(id, outs);
    expect(fake.notifications()).toEqual([]);
    expect(fake.requests.every((request) => !JSON.stringify(request).includes(FAKE_DOKPLOY_KEY))).toBe(true);
});
