/**
 * What the host suites read off a converged test VPS: a snapshot a re-run must leave unchanged,
 * the stand-in installer's runs, requests through Traefik, and the firewall as seen from outside.
 */
import { execFile, spawnSync } from "node:child_process";
import type { TestVps } from "./testHost";

/** Packages, services, containers, networks, files, groups and firewall rules: what a re-run must not change. */
export function hostSnapshot(vps: TestVps): string {
    return vps.execOk(`
echo '## packages'; dpkg-query -W -f '\${Package} \${Version}\\n'
echo '## services'; docker service ls -q | xargs -r docker service inspect -f '{{.Spec.Name}} v{{.Version.Index}} {{.Spec.TaskTemplate.ContainerSpec.Image}} {{json .Endpoint.Ports}}' | sort
echo '## containers'; docker ps -aq | xargs -r docker inspect -f '{{.Name}} {{.Config.Image}} {{.State.Status}} {{.State.StartedAt}} restarts={{.RestartCount}}' | sort
echo '## networks'; docker network ls --format '{{.ID}} {{.Name}} {{.Driver}}' | sort
echo '## files'; find /etc/dokploy /etc/dropit /var/lib/dropit /etc/systemd/system /etc/sudoers.d /root/.docker -type f 2>/dev/null | sort | xargs -r sha256sum
echo '## groups'; getent group docker sudo
echo '## firewall'; iptables-save | grep -v '^#' | sed -E 's/\\[[0-9]+:[0-9]+\\]//'
`);
}

/** The stand-in installer's runs (`run install …`, `run update …`), oldest first. */
export function installerRuns(vps: TestVps): string[] {
    return vps
        .execOk("cat /var/log/dropit-standin-installer.log 2>/dev/null || true")
        .split("\n")
        .filter((line) => line.startsWith("run "));
}

/** Over HTTPS or HTTP from inside the VPS (its curl trusts the stand-in CA), through Traefik on 127.0.0.1. */
export function curlOnVps(vps: TestVps, url: string, extraArgs = ""): { status: string; body: string } {
    // url and extraArgs are the suites' constants and generated passwords (letters and digits only).
    const host = new URL(url).hostname;
    const port = url.startsWith("https") ? 443 : 80;
    const out = vps.execOk(
        `curl -sS --max-time 10 -o /tmp/body -w '%{http_code}' --resolve ${host}:${port}:127.0.0.1 ${extraArgs} '${url}'; echo; cat /tmp/body`,
    );
    const [status, ...body] = out.split("\n");
    return { status, body: body.join("\n") };
}

/** The firewall's rules without packet counters: what a restore must give back exactly. */
export function firewallRules(vps: TestVps): string {
    return vps.execOk("iptables-save | grep -v '^#' | sed -E 's/\\[[0-9]+:[0-9]+\\]//'");
}

/** HTTP status of a request from this machine (outside the VPS) to one of its ports; "000" when dropped. */
export function statusFromOutside(vps: TestVps, port: number, urlPath = "/"): string {
    const address = vps.execOk("ip -4 -o addr show eth0 | awk '{ print $4 }' | cut -d/ -f1");
    return spawnSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3", `http://${address}:${port}${urlPath}`], {
        encoding: "utf8",
    }).stdout;
}

/** The unit's ExecStart line run as systemd would start it (no systemd in the test VPS), stderr with stdout. */
const execStartScript = (unitFile: string) => `eval "$(sed -n 's/^ExecStart=//p' ${unitFile})" 2>&1`;

/** Runs a systemd unit's ExecStart, its output. */
export function runUnitExecStart(vps: TestVps, unitFile: string, timeoutMs = 60_000): string {
    return vps.execOk(execStartScript(unitFile), { timeoutMs });
}

/**
 * The same without blocking this process: a unit that calls back a receiver in this process (the
 * watchdog's webhook and heartbeat) would wait on it in vain while a synchronous spawn holds the
 * event loop, until curl gives up.
 */
export function runUnitExecStartAsync(vps: TestVps, unitFile: string, timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(
            "docker",
            ["exec", vps.container, "bash", "-c", execStartScript(unitFile)],
            { encoding: "utf8", timeout: timeoutMs },
            (error, stdout) => {
                if (error) reject(new Error(`${unitFile} failed (${error.code ?? error.signal}): ${stdout.slice(-2000)}`));
                else resolve(stdout.trim());
            },
        );
    });
}

/** Each check's state as the watchdog keeps it on the host (/var/lib/dropit/watchdog/<check>). */
export function watchdogStates(vps: TestVps): Record<string, string> {
    const lines = vps.execOk('cd /var/lib/dropit/watchdog && for f in *; do echo "$f $(cut -d\' \' -f1 "$f")"; done').split("\n");
    return Object.fromEntries(lines.map((line) => line.split(" ") as [string, string]));
}

/** Removes the program's chains, as a reboot does, then runs the enabled unit's ExecStart: the rules it gives back. */
export function firewallAfterReboot(vps: TestVps): string {
    vps.execOk(
        "iptables -D INPUT -j DROPIT-INPUT && iptables -F DROPIT-INPUT && iptables -X DROPIT-INPUT && iptables -D DOCKER-USER -j DROPIT-DOCKER && iptables -F DROPIT-DOCKER && iptables -X DROPIT-DOCKER",
    );
    if (vps.execOk("iptables-save").includes("DROPIT")) throw new Error("the program's chains are still there after removing them");
    runUnitExecStart(vps, "/etc/systemd/system/multi-user.target.wants/dropit-firewall.service");
    return firewallRules(vps);
}

/**
 * What a VPS's engine shows of builds since `sinceUnix` (its clock): BuildKit's cache records and
 * image events other than pulls, deletes and untags. A machine that only runs images shows none.
 */
export function buildTraces(vps: TestVps, sinceUnix: number): { buildCacheRecords: number; imageEvents: string[] } {
    const df = vps.execOk("docker system df --format '{{.Type}} {{.TotalCount}}'");
    const cacheLine = df.split("\n").find((line) => line.startsWith("Build Cache "));
    const events = vps
        .execOk(`docker events --since ${sinceUnix} --until "$(date +%s)" --filter type=image --format '{{.Action}} {{.Actor.ID}}'`)
        .split("\n")
        .filter(Boolean);
    return {
        buildCacheRecords: Number(cacheLine?.split(" ").pop() ?? 0),
        imageEvents: events.filter((event) => !/^(pull|delete|untag) /.test(event)),
    };
}
