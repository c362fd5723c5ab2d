import { renderTraefikLabels } from "../../renderers/traefik";

test("HTTP redirects, HTTPS gets a Let's Encrypt certificate and HSTS, the port is explicit", () => {
    const labels = Object.fromEntries(
        renderTraefikLabels({ name: "dropit-api", host: "api.example.fr", port: 3000 }).map((l) => [l.label, l.value]),
    );
    expect(labels).toEqual({
        "traefik.enable": "true",
        "traefik.swarm.network": "dokploy-network",
        "traefik.swarm.lbswarm": "true",
        "traefik.http.routers.dropit-api-web.rule": "Host(`api.example.fr`)",
        "traefik.http.routers.dropit-api-web.entrypoints": "web",
        "traefik.http.routers.dropit-api-web.middlewares": "redirect-to-https@file",
        "traefik.http.routers.dropit-api-web.service": "dropit-api",
        "traefik.http.routers.dropit-api-websecure.rule": "Host(`api.example.fr`)",
        "traefik.http.routers.dropit-api-websecure.entrypoints": "websecure",
        "traefik.http.routers.dropit-api-websecure.tls.certresolver": "letsencrypt",
        "traefik.http.routers.dropit-api-websecure.middlewares": "dropit-api-hsts@swarm",
        "traefik.http.routers.dropit-api-websecure.service": "dropit-api",
        "traefik.http.middlewares.dropit-api-hsts.headers.stsSeconds": "31536000",
        "traefik.http.services.dropit-api.loadbalancer.server.port": "3000",
    });
});

test("labels are sorted, so two evaluations are byte-identical", () => {
    const labels = renderTraefikLabels({ name: "dropit-web", host: "example.fr", port: 80 }).map((l) => l.label);
    expect(labels).toEqual([...labels].sort((a, b) => a.localeCompare(b)));
});

test("a router name Traefik would misread is refused", () => {
    expect(() => renderTraefikLabels({ name: "Dropit.API", host: "x.fr", port: 1 })).toThrow(/lowercase/);
});

test("with retry, the HTTPS router also retries and the service uses the short-timeout transport, both from the file provider", () => {
    const plain = new Map(renderTraefikLabels({ name: "dropit-web", host: "example.fr", port: 8080 }).map((l) => [l.label, l.value]));
    const labels = new Map(
        renderTraefikLabels({ name: "dropit-web", host: "example.fr", port: 8080, retry: true }).map((l) => [l.label, l.value]),
    );
    expect(labels.get("traefik.http.routers.dropit-web-websecure.middlewares")).toBe("dropit-web-hsts@swarm,dropit-retry@file");
    expect(labels.get("traefik.http.services.dropit-web.loadbalancer.serverstransport")).toBe("dropit-upstream@file");
    // The HTTP router only redirects: nothing to retry there.
    expect(labels.get("traefik.http.routers.dropit-web-web.middlewares")).toBe("redirect-to-https@file");
    expect([...labels.keys()].filter((label) => !plain.has(label))).toEqual([
        "traefik.http.services.dropit-web.loadbalancer.serverstransport",
    ]);
});

test("without a VIP (dnsrr), Traefik balances over the tasks and a refused request is retried by a middleware of the service's own", () => {
    const labels = new Map(
        renderTraefikLabels({ name: "dropit-web", host: "example.fr", port: 8080, endpointMode: "dnsrr" }).map((l) => [l.label, l.value]),
    );
    // Traefik skips a service labelled lbswarm=true that has no VIP.
    expect(labels.get("traefik.swarm.lbswarm")).toBe("false");
    expect(labels.get("traefik.http.routers.dropit-web-websecure.middlewares")).toBe("dropit-web-hsts@swarm,dropit-web-task-retry@swarm");
    expect(labels.get("traefik.http.middlewares.dropit-web-task-retry.retry.attempts")).toBe("4");
    expect(labels.get("traefik.http.middlewares.dropit-web-task-retry.retry.initialinterval")).toBe("100ms");
    // With the file provider's retry (several nodes), that one is used alone.
    const withFileRetry = new Map(
        renderTraefikLabels({ name: "dropit-web", host: "example.fr", port: 8080, endpointMode: "dnsrr", retry: true }).map((l) => [
            l.label,
            l.value,
        ]),
    );
    expect(withFileRetry.get("traefik.http.routers.dropit-web-websecure.middlewares")).toBe("dropit-web-hsts@swarm,dropit-retry@file");
    expect([...withFileRetry.keys()].some((label) => label.includes("task-retry"))).toBe(false);
});
