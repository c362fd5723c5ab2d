/**
 * Traefik dynamic configuration (file provider) that keeps requests succeeding when a node is
 * lost (docs/nodes.md, "Losing a node"): a retry middleware and a transport to the tasks. Written
 * on the first server only when `dropit:nodes` lists machines; the API and web labels name both.
 *
 * Why each setting (Traefik v3.6, pkg/middlewares/retry and pkg/server/service/transport.go):
 * - The retry middleware retries only while nothing of the request was written to the task, so
 *   a POST is never sent twice; it retries what a dead node causes: a connection that cannot be
 *   opened.
 * - A dead node drops packets instead of refusing them: without a short dial timeout (Traefik's
 *   default is 30 s) a request would wait that long before each retry.
 * - Reused idle connections are disabled: a request written into a kept-alive connection to a
 *   task on a dead node counts as sent, so it is not retried and waits for an answer that never
 *   comes. One TCP handshake per request on the overlay is the price.
 * - An answer's headers must start within RESPONSE_HEADER_TIMEOUT: a request in flight when a
 *   node dies fails after that bound rather than hanging until the client gives up.
 */
import { stringify } from "yaml";
import { TRAEFIK_DYNAMIC_DIR } from "./dokployPanel";

export const ROUTER_RETRY_FILE = `${TRAEFIK_DYNAMIC_DIR}/dropit-upstreams.yml`;
/** References for labels (the swarm provider cannot define a transport itself). */
export const RETRY_MIDDLEWARE = "dropit-retry@file";
export const UPSTREAM_TRANSPORT = "dropit-upstream@file";

/**
 * Attempts in all, the first included. A lost node holds at most `maxReplicasPerNode` tasks of a
 * service. Round robin takes the next task on each attempt, but tasks due in the same round are
 * taken in no fixed order (Traefik's weighted round robin breaks ties by its heap), so the lost
 * tasks can come last in one round and first in the next: twice as many failures in a row, one
 * more attempt reaches a live task.
 */
export function retryAttempts(maxReplicasPerNode: number): number {
    if (!Number.isInteger(maxReplicasPerNode) || maxReplicasPerNode < 1)
        throw new Error(`maxReplicasPerNode must be a positive integer, got ${maxReplicasPerNode}`);
    return 2 * maxReplicasPerNode + 1;
}
export const RETRY_INITIAL_INTERVAL = "100ms";
/**
 * A dial that times out is retried on the next task, so a short bound costs little: on a healthy
 * network a connection opens in milliseconds; a lost SYN (resent after 1 s) moves on to another task.
 */
export const DIAL_TIMEOUT = "1s";
export const RESPONSE_HEADER_TIMEOUT = "60s";

export function renderRouterRetry(maxReplicasPerNode: number): string {
    const [retryName] = RETRY_MIDDLEWARE.split("@");
    const [transportName] = UPSTREAM_TRANSPORT.split("@");
    return (
        "# Written by dropit-infra (renderers/routerRetry.ts): retries and timeouts towards the API and web tasks. Changes here are overwritten.\n" +
        stringify({
            http: {
                middlewares: {
                    [retryName]: { retry: { attempts: retryAttempts(maxReplicasPerNode), initialInterval: RETRY_INITIAL_INTERVAL } },
                },
                serversTransports: {
                    [transportName]: {
                        maxIdleConnsPerHost: -1,
                        forwardingTimeouts: { dialTimeout: DIAL_TIMEOUT, responseHeaderTimeout: RESPONSE_HEADER_TIMEOUT },
                    },
                },
            },
        })
    );
}
