/** Every process's command line on a test VPS, sampled every 50 ms (bounded: 5 min) until stopped: where a secret on argv would show. */
import { spawnSync } from "node:child_process";
import type { TestVps } from "./testHost";

export function startPsSampler(vps: TestVps): () => string {
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
        return vps.execOk("cat /var/tmp/ps-samples.log");
    };
}
