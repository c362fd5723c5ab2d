/** Every process's command line on a test VPS, sampled every 50 ms (bounded: 5 min) until stopped: where a secret on argv would show. */
import { spawnSync } from "node:child_process";
import type { TestVps } from "./testHost";

export interface PsSamplerOptions {
    /** Each distinct command line once (sorted): a long run's samples stay small enough to read back. */
    distinct?: boolean;
}

export function startPsSampler(vps: TestVps, options: PsSamplerOptions = {}): () => string {
    vps.execOk("touch /run/dropit-ps-sampling && rm -f /var/tmp/ps-samples.log");
    spawnSync("docker", [
        "exec",
        "-d",
        vps.container,
        "bash",
        "-c",
        "for i in $(seq 1 6000); do [ -e /run/dropit-ps-sampling ] || break; ps -eo args >> /var/tmp/ps-samples.log; sleep 0.05; done",
    ]);
    return () => {
        vps.execOk("rm -f /run/dropit-ps-sampling");
        return vps.execOk(options.distinct ? "sort -u /var/tmp/ps-samples.log" : "cat /var/tmp/ps-samples.log");
    };
}
