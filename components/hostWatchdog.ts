/**
 * The watchdog on the VPS (docs/monitoring.md): one host step that installs the script, its
 * parameters, its secrets (alert and heartbeat URLs, on stdin, written 0600) and the
 * every-minute systemd timer. Deleting the resource removes it all. The URLs arrive as inputs;
 * this component reads no configuration.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { NO_PREVIOUS_OUTPUT_IN_ENV } from "../lib/sshConnection";
import {
    renderInstallWatchdog,
    renderRemoveWatchdog,
    renderWatchdogSecrets,
    WATCHDOG_INTERVAL_SECONDS,
    watchedChecks,
    type WatchdogParameters,
} from "../renderers/watchdog";

export interface HostWatchdogArgs {
    /** SSH to the VPS (DokployHost.connection). */
    connection: command.types.input.remote.ConnectionArgs;
    /** Resources after which Docker runs on the host. */
    hostReady: pulumi.Resource[];
    parameters: WatchdogParameters;
    /** Webhook of the state-change alerts; none: the journal only. Secret. */
    alertUrl?: pulumi.Input<string>;
    /** healthchecks.io-style ping URL; none: no heartbeat. Secret. */
    heartbeatUrl?: pulumi.Input<string>;
}

/** What the stack output `monitoring` says: what is watched and where alerts go (no URL). */
export interface WatchdogSummary {
    everySeconds: number;
    forSeconds: number;
    watched: string[];
    thresholds: {
        diskPercent: number;
        inodePercent: number;
        memoryPercent: number;
        restartsMax: number;
        restartWindowSeconds: number;
        backupMaxAgeHours?: number;
    };
    alerts: string;
    heartbeat: string;
}

export class HostWatchdog extends pulumi.ComponentResource {
    readonly summary: WatchdogSummary;
    readonly install: command.remote.Command;

    constructor(name: string, args: HostWatchdogArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dropit:index:HostWatchdog", name, {}, opts);
        const p = args.parameters;
        const alerts = args.alertUrl
            ? `webhook (${p.alertFormat}), secret output monitoringAlertUrl`
            : "journal only (journalctl -u dropit-watchdog): set monitoring.alertUrl";
        this.summary = {
            everySeconds: WATCHDOG_INTERVAL_SECONDS,
            forSeconds: p.forSeconds,
            watched: watchedChecks(p),
            thresholds: {
                diskPercent: p.diskPercent,
                inodePercent: p.inodePercent,
                memoryPercent: p.memoryPercent,
                restartsMax: p.restartsMax,
                restartWindowSeconds: p.restartWindowSeconds,
                ...(p.backupDir ? { backupMaxAgeHours: p.backupMaxAgeHours } : {}),
            },
            alerts,
            heartbeat: args.heartbeatUrl ? "every run, secret output monitoringHeartbeatUrl" : "none: set monitoring.heartbeatUrl",
        };
        const stdin = pulumi
            .all([args.alertUrl, args.heartbeatUrl])
            .apply(([alertUrl, heartbeatUrl]) => renderWatchdogSecrets({ alertUrl, heartbeatUrl }));
        this.install = new command.remote.Command(
            `${name}-install`,
            {
                connection: args.connection,
                ...NO_PREVIOUS_OUTPUT_IN_ENV,
                create: renderInstallWatchdog(p, args.alertUrl ? `webhook (${p.alertFormat})` : "journal only"),
                delete: renderRemoveWatchdog(),
                stdin: pulumi.secret(stdin),
                logging: "stdoutAndStderr",
            },
            { parent: this, dependsOn: args.hostReady },
        );
        this.registerOutputs({ summary: this.summary });
    }
}
