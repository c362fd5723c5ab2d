/**
 * The dynamic provider behind `DnsPropagation`: its create and update wait (bounded) until DNS
 * answers every managed name with the server's address. Nothing exists remotely, so delete is
 * a no-op and read returns the state as it is.
 *
 * Serialized into the state by Pulumi: captures only plain data and module functions, and
 * imports nothing of @pulumi/pulumi at run time. The SDK is serialized by value, and what it drags
 * along (the whole stack configuration, secrets included) depends on how the program was loaded.
 */
import type * as pulumi from "@pulumi/pulumi";
import { Bounds, PROPAGATION_POLL_SECONDS, PROPAGATION_TIMEOUT_SECONDS, withinBounds } from "../../config/rules";
import { authoritativeServers, ExpectedName, waitForRecords } from "./propagation";

export const PROPAGATION_PROVIDER_VERSION = "1";

export interface PropagationInputs {
    zone: string;
    names: ExpectedName[];
    /** Explicit servers (`ip` or `ip:port`); empty means the zone's NS, looked up at apply time. */
    nameservers: string[];
    /** Also ask this resolver (`ip` or `ip:port`); "" for none. */
    publicResolver: string;
    timeoutSeconds: number;
    pollSeconds: number;
    /** Printed when the wait starts (manual mode: the records to create); "" for none. */
    instructions: string;
    providerVersion: string;
}

export interface PropagationOutputs extends PropagationInputs {
    /** The servers that were asked at the last wait. */
    checkedServers: string[];
}

/** A change in any of these means the answers must be checked again. */
const RECHECK_ON = ["zone", "names", "nameservers", "publicResolver", "providerVersion"] as const;

export type ProgressLog = (line: string) => void;

/**
 * `log` defaults to stdout: the dynamic provider's process has no engine connection, so the
 * engine relays what it prints (which is all `pulumi.log` would do there). Tests pass their own.
 */
export function createPropagationProvider(log?: ProgressLog): pulumi.dynamic.ResourceProvider {
    const progress: ProgressLog = log ?? ((line) => console.log(`dns propagation: ${line}`));

    const wait = async (inputs: PropagationInputs): Promise<PropagationOutputs> => {
        const authoritative =
            inputs.nameservers.length > 0
                ? inputs.nameservers
                : await authoritativeServers(inputs.zone, inputs.publicResolver || undefined);
        const servers = inputs.publicResolver ? [...authoritative, inputs.publicResolver] : [...authoritative];
        await waitForRecords({
            names: inputs.names,
            servers,
            timeoutMs: inputs.timeoutSeconds * 1000,
            pollMs: inputs.pollSeconds * 1000,
            log: progress,
            instructions: inputs.instructions || undefined,
        });
        return { ...inputs, checkedServers: servers };
    };

    return {
        check(_olds: PropagationInputs, news: PropagationInputs): Promise<pulumi.dynamic.CheckResult> {
            const failures: pulumi.dynamic.CheckFailure[] = [];
            const bounded = (property: "timeoutSeconds" | "pollSeconds", bounds: Bounds) => {
                if (!withinBounds(news[property], bounds))
                    failures.push({ property, reason: `must be a whole number of seconds from ${bounds.min} to ${bounds.max}` });
            };
            bounded("timeoutSeconds", PROPAGATION_TIMEOUT_SECONDS);
            bounded("pollSeconds", PROPAGATION_POLL_SECONDS);
            return Promise.resolve({ inputs: news, failures });
        },

        diff(_id: string, olds: PropagationOutputs, news: PropagationInputs): Promise<pulumi.dynamic.DiffResult> {
            const changed = RECHECK_ON.filter((key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
            return Promise.resolve({ changes: changed.length > 0, replaces: [] });
        },

        async create(inputs: PropagationInputs): Promise<pulumi.dynamic.CreateResult> {
            return { id: `dns-propagation-${inputs.zone}`, outs: await wait(inputs) };
        },

        async update(_id: string, _olds: PropagationOutputs, news: PropagationInputs): Promise<pulumi.dynamic.UpdateResult> {
            return { outs: await wait(news) };
        },

        read(id: string, props: PropagationOutputs): Promise<pulumi.dynamic.ReadResult> {
            return Promise.resolve({ id, props });
        },

        async delete(): Promise<void> {
            // Nothing exists outside the state.
        },
    };
}
