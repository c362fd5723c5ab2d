/**
 * Traefik labels for a Swarm service routed by Dokploy's Traefik (v3, swarm provider).
 * Facts: Dokploy's documentation, "Routing a container or swarm service"; docs/architecture.md
 * says why the services are routed through Swarm's VIP (lbswarm).
 */
import { DOKPLOY_NETWORK } from "../config/names";
import { RETRY_MIDDLEWARE, UPSTREAM_TRANSPORT } from "./routerRetry";

/** The only ACME resolver Dokploy's static config defines. */
export const CERT_RESOLVER = "letsencrypt";
/** Defined by Dokploy in dynamic/middlewares.yml. */
export const REDIRECT_MIDDLEWARE = "redirect-to-https@file";

/** One year, the value HSTS preload lists ask for; set here once, not again in nginx. */
const HSTS_SECONDS = 31536000;

export interface TraefikRoute {
    /** Router and service name prefix, unique per Traefik instance (e.g. `dropit-api`). */
    name: string;
    /** Public host name (e.g. `api.dropit-app.fr`). */
    host: string;
    /** Port the container listens on; mandatory for swarm services. */
    port: number;
    /**
     * Retry and the short-timeout transport of renderers/routerRetry.ts (its file must exist
     * before the labels do: Traefik drops a router that names a missing middleware).
     */
    retry?: boolean;
    /**
     * `dnsrr` (no IPVS, no VIP): Traefik balances over the tasks it lists itself (lbswarm off:
     * it skips an lbswarm service that has no VIP), and a retry middleware defined on the
     * service resends a request refused by a task that stopped before Traefik's next listing.
     */
    endpointMode?: "vip" | "dnsrr";
}

/**
 * With dnsrr, how often Traefik lists the tasks (Dokploy's default is 15 s): a new task is routed
 * to within this time of starting, before a start-first update stops the old one (the healthcheck
 * keeps the new task `starting` for longer than this).
 */
export const DNSRR_TASK_LIST_SECONDS = 2;

/** Resends of a request refused by a stopped task (dnsrr), on another task: refusals are immediate. */
const TASK_RETRY = { attempts: 4, initialInterval: "100ms" };

export interface Label {
    label: string;
    value: string;
}

/** HTTP router that only redirects, HTTPS router with a Let's Encrypt certificate and HSTS. */
export function renderTraefikLabels(route: TraefikRoute): Label[] {
    assertRouteName(route.name);
    const rule = `Host(\`${route.host}\`)`;
    const web = `traefik.http.routers.${route.name}-web`;
    const secure = `traefik.http.routers.${route.name}-websecure`;
    const hsts = `${route.name}-hsts`;
    const taskRetry = route.endpointMode === "dnsrr" && !route.retry ? `${route.name}-task-retry` : undefined;
    const labels: Record<string, string> = {
        "traefik.enable": "true",
        "traefik.swarm.network": DOKPLOY_NETWORK,
        // Route through the service's virtual IP: Swarm takes a task out of it before stopping it,
        // whereas Traefik's own task list refreshes only every 15 s and would still send requests
        // to a task that a rolling update has stopped.
        "traefik.swarm.lbswarm": route.endpointMode === "dnsrr" ? "false" : "true",
        [`${web}.rule`]: rule,
        [`${web}.entrypoints`]: "web",
        [`${web}.middlewares`]: REDIRECT_MIDDLEWARE,
        [`${web}.service`]: route.name,
        [`${secure}.rule`]: rule,
        [`${secure}.entrypoints`]: "websecure",
        [`${secure}.tls.certresolver`]: CERT_RESOLVER,
        [`${secure}.middlewares`]: [
            `${hsts}@swarm`,
            ...(route.retry ? [RETRY_MIDDLEWARE] : []),
            ...(taskRetry ? [`${taskRetry}@swarm`] : []),
        ].join(","),
        [`${secure}.service`]: route.name,
        [`traefik.http.middlewares.${hsts}.headers.stsSeconds`]: String(HSTS_SECONDS),
        ...(taskRetry
            ? {
                  [`traefik.http.middlewares.${taskRetry}.retry.attempts`]: String(TASK_RETRY.attempts),
                  [`traefik.http.middlewares.${taskRetry}.retry.initialinterval`]: TASK_RETRY.initialInterval,
              }
            : {}),
        [`traefik.http.services.${route.name}.loadbalancer.server.port`]: String(route.port),
        ...(route.retry ? { [`traefik.http.services.${route.name}.loadbalancer.serverstransport`]: UPSTREAM_TRANSPORT } : {}),
    };
    return Object.entries(labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([label, value]) => ({ label, value }));
}

function assertRouteName(name: string): void {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) {
        throw new Error(`Traefik route name ${JSON.stringify(name)} must be lowercase letters, digits and hyphens`);
    }
}
