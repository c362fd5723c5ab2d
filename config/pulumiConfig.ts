/** The Pulumi boundary of the configuration: reads `dropit:*`, fails cleanly, wraps secrets. */
import * as pulumi from "@pulumi/pulumi";
import { deadSshAgentProblem } from "../lib/sshAgent";
import { ConfigError, DropitConfig, parseConfig, resolveAppSource } from "./load";
import { SECRET_KEYS, SecretKey } from "./schema";

/** The SSH key is required by the schema; the other secrets are optional. */
export type StackSecrets = { sshPrivateKey: pulumi.Output<string> } & {
    [K in Exclude<SecretKey, "sshPrivateKey">]: pulumi.Output<string> | undefined;
};

/** The credentials nested in object keys (SECRET_PATHS), removed from `settings`. */
export interface MonitoringSecrets {
    alertUrl?: pulumi.Output<string>;
    heartbeatUrl?: pulumi.Output<string>;
    dokployApiKey?: pulumi.Output<string>;
}

export type MonitoringSettings = Omit<DropitConfig["monitoring"], "alertUrl" | "heartbeatUrl">;
export type DokploySettings = Omit<DropitConfig["dokploy"], "apiKey">;

export interface StackConfig {
    /** Validated values; secret keys and paths removed (they live in `secrets` and `monitoringSecrets`). */
    settings: Omit<DropitConfig, SecretKey | "monitoring" | "dokploy"> & { monitoring: MonitoringSettings; dokploy: DokploySettings };
    secrets: StackSecrets;
    monitoringSecrets: MonitoringSecrets;
    stack: string;
    /** Absolute path of the DropIt checkout the images are built from. */
    appSource: string;
}

/**
 * Validates the whole configuration before any resource is registered. A configuration
 * mistake ends the program with the messages alone (RunError prints no stack trace).
 */
export function readStackConfig(projectDir: string): StackConfig {
    const stack = pulumi.getStack();
    try {
        const config = parseConfig(pulumi.runtime.allConfig(), stack);
        const appSource = resolveAppSource(config, projectDir);
        // A preview dials nothing: there the dead agent is a warning, before an up an error.
        const agentProblem = deadSshAgentProblem(process.env.SSH_AUTH_SOCK);
        if (agentProblem && !pulumi.runtime.isDryRun()) throw new ConfigError([agentProblem]);
        if (agentProblem) void pulumi.log.warn(agentProblem);
        return { ...splitSecrets(config), stack, appSource };
    } catch (error) {
        if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
        throw error;
    }
}

/** Secret keys are secrets even when the user set them without `--secret`. */
function splitSecrets(config: DropitConfig): Pick<StackConfig, "settings" | "secrets" | "monitoringSecrets"> {
    const { alertUrl, heartbeatUrl, ...monitoring } = config.monitoring;
    const { apiKey, ...dokploy } = config.dokploy;
    const monitoringSecrets: MonitoringSecrets = {
        alertUrl: alertUrl === undefined ? undefined : pulumi.secret(alertUrl),
        heartbeatUrl: heartbeatUrl === undefined ? undefined : pulumi.secret(heartbeatUrl),
        dokployApiKey: apiKey === undefined ? undefined : pulumi.secret(apiKey),
    };
    const settings: Record<string, unknown> = { ...config, monitoring, dokploy };
    const secrets: Partial<Record<SecretKey, pulumi.Output<string> | undefined>> = {};
    for (const key of SECRET_KEYS) {
        const value = config[key];
        secrets[key] = value === undefined ? undefined : pulumi.secret(value);
        delete settings[key];
    }
    return { settings: settings as StackConfig["settings"], secrets: secrets as StackSecrets, monitoringSecrets };
}
