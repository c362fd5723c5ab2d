import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deadSshAgentProblem, systemAgentProbe } from "../../lib/sshAgent";

describe("a dead SSH agent is found before anything is planned", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dropit-agent-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("says nothing when SSH_AUTH_SOCK is unset", () => {
        expect(deadSshAgentProblem(undefined)).toBeUndefined();
        expect(deadSshAgentProblem("")).toBeUndefined();
    });

    it("names a socket path that does not exist, and how to fix it", () => {
        const missing = path.join(dir, "agent.sock");
        const problem = deadSshAgentProblem(missing);
        expect(problem).toContain(missing);
        expect(problem).toContain("env -u SSH_AUTH_SOCK");
    });

    it("names a socket file nobody listens on (an agent killed without cleaning up)", async () => {
        const socket = path.join(dir, "stale.sock");
        // Node unlinks a socket it closes; a SIGKILLed agent leaves the file behind.
        const child = spawn(process.execPath, [
            "-e",
            `require("net").createServer().listen(${JSON.stringify(socket)}, () => console.log("up"))`,
        ]);
        await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
        child.kill("SIGKILL");
        await new Promise((resolve) => child.once("exit", resolve));
        expect(fs.statSync(socket).isSocket()).toBe(true);
        expect(deadSshAgentProblem(socket)).toContain("no SSH agent answers");
    });

    it("accepts a live ssh-agent", () => {
        const socket = path.join(dir, "live.sock");
        const pid = /SSH_AGENT_PID=(\d+)/.exec(execFileSync("ssh-agent", ["-a", socket], { encoding: "utf8" }))?.[1];
        try {
            expect(systemAgentProbe.isSocket(socket)).toBe(true);
            expect(deadSshAgentProblem(socket)).toBeUndefined();
        } finally {
            if (pid) process.kill(Number(pid), "SIGTERM");
        }
    });
});
