/**
 * Traefik dynamic configuration (file provider, /etc/dokploy/traefik/dynamic, watched) for the
 * Dokploy panel and Traefik's own dashboard. Pure text: no Pulumi imports.
 *
 * The panel file replaces Dokploy's own `dokploy.yml`, whose `Host(dokploy.docker.localhost)`
 * rule on :80 would otherwise keep the panel reachable by anyone who sends that Host header
 * (Dokploy #5036): afterwards the panel answers only at its domain, over HTTPS. This is what
 * the panel's "Web Server → domain" setting writes into the same file.
 */
import { stringify } from "yaml";
import { CERT_RESOLVER } from "./traefik";

export const TRAEFIK_DYNAMIC_DIR = "/etc/dokploy/traefik/dynamic";
/** Dokploy's own file for its panel route (overwritten with the domain route). */
export const PANEL_ROUTE_FILE = `${TRAEFIK_DYNAMIC_DIR}/dokploy.yml`;
export const DASHBOARD_ROUTE_FILE = `${TRAEFIK_DYNAMIC_DIR}/dropit-traefik-dashboard.yml`;
/** The panel as Dokploy's installer runs it: service `dokploy` on dokploy-network, port 3000. */
export const PANEL_UPSTREAM = "http://dokploy:3000";
export const DASHBOARD_USER = "admin";
/** Dokploy defines it in dynamic/middlewares.yml (same Traefik, same file provider). */
const REDIRECT = "redirect-to-https";

interface Router {
    rule: string;
    service: string;
    entryPoints: string[];
    middlewares?: string[];
    tls?: { certResolver: string };
}

/** An HTTP router that only redirects, and an HTTPS router with a Let's Encrypt certificate. */
function routersFor(name: string, host: string, service: string, middlewares: string[] = []): Record<string, Router> {
    assertHostName(host);
    const rule = `Host(\`${host}\`)`;
    return {
        [`${name}-web`]: { rule, service, entryPoints: ["web"], middlewares: [REDIRECT] },
        [`${name}-websecure`]: {
            rule,
            service,
            entryPoints: ["websecure"],
            ...(middlewares.length > 0 ? { middlewares } : {}),
            tls: { certResolver: CERT_RESOLVER },
        },
    };
}

export function renderPanelRoutes(panelHost: string): string {
    return (
        header("the Dokploy panel, at its domain only") +
        stringify({
            http: {
                routers: routersFor("dokploy-panel", panelHost, "dokploy-panel"),
                services: { "dokploy-panel": { loadBalancer: { servers: [{ url: PANEL_UPSTREAM }], passHostHeader: true } } },
            },
        })
    );
}

/**
 * Traefik's dashboard (`api@internal`) behind basic auth. `bcryptHash` is a secret input: the
 * rendered text goes to the host on stdin, never on a command line.
 */
export function renderDashboardRoutes(dashboardHost: string, bcryptHash: string): string {
    if (!/^\$2[aby]\$\d\d\$[./A-Za-z0-9]+$/.test(bcryptHash)) throw new Error("the dashboard password hash must be a bcrypt hash");
    return (
        header("Traefik's dashboard, behind basic auth") +
        stringify({
            http: {
                routers: routersFor("dropit-traefik-dashboard", dashboardHost, "api@internal", ["dropit-traefik-dashboard-auth"]),
                middlewares: { "dropit-traefik-dashboard-auth": { basicAuth: { users: [`${DASHBOARD_USER}:${bcryptHash}`] } } },
            },
        })
    );
}

function header(what: string): string {
    return `# Written by dropit-infra (renderers/dokployPanel.ts): ${what}. Changes here are overwritten.\n`;
}

function assertHostName(host: string): void {
    if (!/^(?!-)[a-z0-9-]{1,63}(\.(?!-)[a-z0-9-]{1,63})+$/.test(host)) throw new Error(`not a host name: ${host}`);
}
