/** The `deployment` stack output: the versioned contract CI reads (never a secret in it). */
import type { AddressRecordSpec } from "./dnsRecords";

export interface DeploymentOutputInputs {
    domain: string;
    hosts: { api: string; traefik: string; dokploy: string };
    healthPath: string;
    serverHost: string;
    dnsProvider: string;
    records: readonly AddressRecordSpec[];
    images: { api: string; web: string };
    services: Record<string, string>;
    /** With offsite backups: how `npm run smoke` reads the newest snapshot's age (over SSH, as the deploy user). */
    backups?: { maxAgeHours: number; ssh: { user: string; port: number; hostKey: string } };
}

/** What `npm run smoke` runs on the VPS: prints the age of the newest offsite snapshot, in seconds. */
export const BACKUP_AGE_COMMAND = "sudo -n /usr/local/sbin/dropit-pg-offsite newest-age";

export function renderDeploymentOutput(inputs: DeploymentOutputInputs) {
    const api = `https://${inputs.hosts.api}`;
    return {
        schemaVersion: 1 as const,
        urls: {
            web: `https://${inputs.domain}`,
            api,
            apiHealth: `${api}${inputs.healthPath}`,
            dokploy: `https://${inputs.hosts.dokploy}`,
            traefik: `https://${inputs.hosts.traefik}`,
        },
        server: { host: inputs.serverHost },
        dns: { provider: inputs.dnsProvider, records: inputs.records.map((record) => ({ ...record })) },
        images: { ...inputs.images },
        services: { ...inputs.services },
        ...(inputs.backups
            ? {
                  backups: {
                      offsiteMaxAgeHours: inputs.backups.maxAgeHours,
                      ssh: { ...inputs.backups.ssh },
                      ageCommand: BACKUP_AGE_COMMAND,
                  },
              }
            : {}),
    };
}
