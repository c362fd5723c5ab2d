/**
 * The simulated VPS's memory, read every second from its cgroup on this machine (cgroup v1:
 * /sys/fs/cgroup/memory/docker/<id>; a VPS started with `memoryMb` has its engine's containers
 * under it, tests/support/testHost.ts). "Used" is what `docker stats` shows: usage minus the
 * inactive file cache, which the kernel reclaims before it kills anything.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { dockerOk } from "./dockerd";

const MIB = 1024 * 1024;

export interface MemoryFigures {
    samples: number;
    /** Highest "used" seen, MiB. */
    peakMb: number;
    /** "Used" at the first sample, MiB. */
    startMb: number;
    /** OOM kills inside the VPS's cgroup during the sampling. */
    oomKills: number;
}

export interface VpsMemory {
    limitMb(): number;
    usedMb(): number;
    oomKills(): number;
    /** Samples every second until the returned function is called, which gives the figures. */
    sample(): () => MemoryFigures;
}

function readNumber(file: string): number {
    return Number(fs.readFileSync(file, "utf8").trim());
}

function statField(dir: string, field: string): number {
    const line = fs
        .readFileSync(path.join(dir, "memory.stat"), "utf8")
        .split("\n")
        .find((candidate) => candidate.startsWith(`${field} `));
    return line ? Number(line.split(" ")[1]) : 0;
}

export function vpsMemory(container: string): VpsMemory {
    const id = dockerOk(["inspect", "-f", "{{.Id}}", container]);
    const dir = ["/sys/fs/cgroup/memory/docker", "/sys/fs/cgroup/memory/system.slice"]
        .map((parent) => (parent.endsWith("system.slice") ? path.join(parent, `docker-${id}.scope`) : path.join(parent, id)))
        .find((candidate) => fs.existsSync(path.join(candidate, "memory.usage_in_bytes")));
    if (!dir)
        throw new Error(
            `no cgroup v1 memory directory for ${container} (this measure needs cgroup v1 with the cgroupfs or systemd driver)`,
        );
    const usedMb = () => (readNumber(path.join(dir, "memory.usage_in_bytes")) - statField(dir, "total_inactive_file")) / MIB;
    const oomKills = () => {
        const line = fs
            .readFileSync(path.join(dir, "memory.oom_control"), "utf8")
            .split("\n")
            .find((candidate) => candidate.startsWith("oom_kill "));
        return line ? Number(line.split(" ")[1]) : 0;
    };
    return {
        limitMb: () => readNumber(path.join(dir, "memory.limit_in_bytes")) / MIB,
        usedMb,
        oomKills,
        sample() {
            const oomBefore = oomKills();
            const startMb = usedMb();
            let peakMb = startMb;
            let samples = 1;
            const timer = setInterval(() => {
                peakMb = Math.max(peakMb, usedMb());
                samples += 1;
            }, 1000);
            return () => {
                clearInterval(timer);
                peakMb = Math.max(peakMb, usedMb());
                return { samples: samples + 1, peakMb: Math.round(peakMb), startMb: Math.round(startMb), oomKills: oomKills() - oomBefore };
            };
        },
    };
}
