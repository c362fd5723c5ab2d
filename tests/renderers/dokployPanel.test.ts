/** The Traefik dynamic files for the panel and the dashboard, parsed back as Traefik would read them. */
import { parse } from "yaml";
import { renderDashboardRoutes, renderPanelRoutes } from "../../renderers/dokployPanel";
import { allowedTcpPorts, assertKeepsSsh, renderFirewallUnit } from "../../renderers/firewall";

const HASH = `$2y$10$${"a".repeat(53)}`;

test("the panel is routed at its domain only: HTTP redirects, HTTPS has a Let's Encrypt certificate", () => {
    const config = parse(renderPanelRoutes("dokploy.example.fr")) as {
        http: { routers: Record<string, Record<string, unknown>>; services: Record<string, unknown> };
    };
    expect(config.http.routers["dokploy-panel-web"]).toEqual({
        rule: "Host(`dokploy.example.fr`)",
        service: "dokploy-panel",
        entryPoints: ["web"],
        middlewares: ["redirect-to-https"],
    });
    expect(config.http.routers["dokploy-panel-websecure"]).toMatchObject({
        entryPoints: ["websecure"],
        tls: { certResolver: "letsencrypt" },
    });
    expect(config.http.services["dokploy-panel"]).toEqual({
        loadBalancer: { servers: [{ url: "http://dokploy:3000" }], passHostHeader: true },
    });
    expect(JSON.stringify(config)).not.toContain("docker.localhost");
});

test("the dashboard is api@internal behind basic auth with the bcrypt hash, on HTTPS only", () => {
    const config = parse(renderDashboardRoutes("traefik.example.fr", HASH)) as {
        http: { routers: Record<string, Record<string, unknown>>; middlewares: Record<string, unknown> };
    };
    expect(config.http.routers["dropit-traefik-dashboard-websecure"]).toMatchObject({
        service: "api@internal",
        middlewares: ["dropit-traefik-dashboard-auth"],
    });
    expect(config.http.routers["dropit-traefik-dashboard-web"].middlewares).toEqual(["redirect-to-https"]);
    expect(config.http.middlewares["dropit-traefik-dashboard-auth"]).toEqual({ basicAuth: { users: [`admin:${HASH}`] } });
    expect(() => renderDashboardRoutes("traefik.example.fr", "plain-password")).toThrow("bcrypt");
    expect(() => renderPanelRoutes("https://x")).toThrow("not a host name");
});

test("the firewall always keeps the SSH port, and its boot unit runs after Docker", () => {
    expect(allowedTcpPorts({ sshPort: 2222 })).toEqual([80, 443, 2222]);
    expect(allowedTcpPorts({ sshPort: 22, publicTcpPorts: [443] })).toEqual([22, 443]);
    expect(() => assertKeepsSsh({ sshPort: 0 })).toThrow("not a TCP port");
    expect(renderFirewallUnit()).toMatch(/After=network-online.target docker.service/);
    expect(renderFirewallUnit()).toContain("ExecStart=/bin/sh /etc/dropit/firewall.sh");
});
