import { parse } from "yaml";
import { renderRouterRetry, retryAttempts, RETRY_MIDDLEWARE, ROUTER_RETRY_FILE, UPSTREAM_TRANSPORT } from "../../renderers/routerRetry";

interface RouterRetryFile {
    http: { middlewares: Record<string, unknown>; serversTransports: Record<string, unknown> };
}

const rendered = (maxReplicasPerNode: number) => parse(renderRouterRetry(maxReplicasPerNode)) as RouterRetryFile;

test("the file defines the middleware and the transport the labels name, in Traefik's dynamic directory", () => {
    const config = rendered(1);
    expect(ROUTER_RETRY_FILE).toBe("/etc/dokploy/traefik/dynamic/dropit-upstreams.yml");
    expect(Object.keys(config.http.middlewares)).toEqual([RETRY_MIDDLEWARE.replace("@file", "")]);
    expect(Object.keys(config.http.serversTransports)).toEqual([UPSTREAM_TRANSPORT.replace("@file", "")]);
});

test("dials give up after 1 s; no idle connection to a task is reused; an answer's headers are awaited 60 s", () => {
    expect(rendered(1).http.serversTransports["dropit-upstream"]).toEqual({
        maxIdleConnsPerHost: -1,
        forwardingTimeouts: { dialTimeout: "1s", responseHeaderTimeout: "60s" },
    });
});

test("the attempts get past every task a lost node can hold, twice (round robin's ties), plus one", () => {
    expect(rendered(1).http.middlewares["dropit-retry"]).toEqual({ retry: { attempts: 3, initialInterval: "100ms" } });
    expect(rendered(2).http.middlewares["dropit-retry"]).toEqual({ retry: { attempts: 5, initialInterval: "100ms" } });
    expect(() => retryAttempts(0)).toThrow(/positive integer/);
});
