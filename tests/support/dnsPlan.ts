/** The three views of the desired DNS records in a plan, and the planned wait run for real. */
import type { Plan } from "../../scripts/plan/harness";
import { createPropagationProvider, type PropagationInputs } from "../../providers/dnsPropagation/propagationProvider";
import { resource, reveal } from "./plan";
import { startFakeDnsServer, type NameBehaviour } from "./fakeDnsServer";

/** Each view as `TYPE fqdn address` lines (CAA left out: it is not an address record). */
export interface DnsViews {
    /** The Infomaniak record resources. */
    managed: string[];
    /** What the propagation wait checks. */
    waitedFor: string[];
    /** The `dnsRecords` stack output (also what manual mode prints). */
    output: string[];
}

export function dnsViews(plan: Plan): DnsViews {
    const wait = reveal(resource(plan, "dns-propagation").inputs) as {
        zone: string;
        names: Array<{ fqdn: string; type: string; value: string }>;
    };
    const managed = plan.resources
        .filter((candidate) => candidate.type === "pulumi-nodejs:dynamic/infomaniak:DnsRecord")
        .map((candidate) => reveal(candidate.inputs) as { source: string; type: string; target: string; zone: string })
        .filter((record) => record.type !== "CAA")
        .map((record) => `${record.type} ${record.source === "@" ? record.zone : `${record.source}.${record.zone}`} ${record.target}`);
    return {
        managed,
        waitedFor: wait.names.map((name) => `${name.type} ${name.fqdn} ${name.value}`),
        output: (plan.outputs.dnsRecords as Array<{ type: string; fqdn: string; value: string }>).map(
            (record) => `${record.type} ${record.fqdn} ${record.value}`,
        ),
    };
}

/**
 * Runs the planned propagation wait (its registered inputs, through the provider's create)
 * against a DNS server on 127.0.0.1 that answers as told; returns the questions it was asked
 * and the wait's error, if any.
 */
export async function runPlannedWait(plan: Plan, answers: Record<string, NameBehaviour>): Promise<{ questions: string[]; error?: string }> {
    const dns = await startFakeDnsServer(answers);
    try {
        const planned = reveal(resource(plan, "dns-propagation").inputs) as PropagationInputs;
        const provider = createPropagationProvider(() => undefined);
        const error = await provider
            .create({ ...planned, nameservers: [dns.address], publicResolver: "", timeoutSeconds: 1, pollSeconds: 0.2 })
            .then(
                () => undefined,
                (caught: unknown) => (caught as Error).message,
            );
        return { questions: [...new Set(dns.questions)].sort(), error };
    } finally {
        await dns.close();
    }
}

export const PUBLIC_NAMES = ["example.fr", "api.example.fr", "traefik.example.fr", "dokploy.example.fr"];
