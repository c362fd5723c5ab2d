/**
 * The dnsrr step that sets Traefik's task-listing interval, run for real by bash on a copy of
 * Dokploy's static config, with `sudo` running the command as it is and `docker` a recorder.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderTraefikSwarmRefresh } from "../../renderers/hostScripts";

const DOKPLOY_STATIC_CONFIG = `global:
  sendAnonymousUsage: false
providers:
  swarm:
    exposedByDefault: false
    watch: true
  docker:
    exposedByDefault: false
    watch: true
    network: dokploy-network
  file:
    directory: /etc/dokploy/traefik/dynamic
    watch: true
entryPoints:
  web:
    address: :80
`;

let dir: string;
let config: string;
beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-refresh-"));
    config = path.join(dir, "traefik.yml");
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin", "sudo"), '#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "bin", "docker"), `#!/bin/sh\necho "docker $*" >> ${dir}/docker.log\n`, { mode: 0o755 });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(seconds: number): { status: number | null; output: string; restarts: number } {
    const result = spawnSync("bash", ["-c", renderTraefikSwarmRefresh(seconds, config)], {
        encoding: "utf8",
        env: { PATH: `${dir}/bin:${process.env.PATH ?? ""}` },
    });
    const log = fs.existsSync(`${dir}/docker.log`) ? fs.readFileSync(`${dir}/docker.log`, "utf8") : "";
    return { status: result.status, output: result.stdout + result.stderr, restarts: log.split("docker restart").length - 1 };
}

test("writes the interval under providers.swarm only, restarts Traefik once, and a re-run changes nothing", () => {
    fs.writeFileSync(config, DOKPLOY_STATIC_CONFIG);
    expect(run(2)).toMatchObject({ status: 0, restarts: 1 });
    const written = fs.readFileSync(config, "utf8");
    expect(written).toBe(DOKPLOY_STATIC_CONFIG.replace("  swarm:\n", "  swarm:\n    refreshSeconds: 2s\n"));
    expect(run(2)).toMatchObject({ status: 0, restarts: 1 });
    expect(fs.readFileSync(config, "utf8")).toBe(written);
});

test("an interval already there is replaced, not duplicated; the docker block's keys are left alone", () => {
    fs.writeFileSync(config, DOKPLOY_STATIC_CONFIG.replace("    watch: true\n  docker:", "    refreshSeconds: 15s\n    watch: true\n  docker:"));
    expect(run(2)).toMatchObject({ status: 0, restarts: 1 });
    const written = fs.readFileSync(config, "utf8");
    expect(written.match(/refreshSeconds/g)).toHaveLength(1);
    expect(written).toContain("  swarm:\n    refreshSeconds: 2s\n    exposedByDefault: false\n    watch: true\n  docker:\n    exposedByDefault: false");
});

test("a static config without a swarm provider is refused by name and left as it was", () => {
    const withoutSwarm = DOKPLOY_STATIC_CONFIG.replace(/ {2}swarm:\n( {4}.*\n)+/, "");
    fs.writeFileSync(config, withoutSwarm);
    const result = run(2);
    expect(result).toMatchObject({ status: 1, restarts: 0 });
    expect(result.output).toContain(`no providers.swarm block in ${config}`);
    expect(fs.readFileSync(config, "utf8")).toBe(withoutSwarm);
});
