/**
 * pulumi-command dials the agent named by SSH_AUTH_SOCK before it uses the configured key, and a
 * failed dial fails every remote command, key or not. A dead agent is common (a closed
 * terminal's forwarded socket, a killed ssh-agent), so it is found before anything is planned.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";

export interface AgentProbe {
    /** Whether the path exists and is a Unix socket. */
    isSocket(path: string): boolean;
    /** `ssh-add -l`'s exit status (2: no agent answers), or undefined when ssh-add cannot run. */
    listKeysStatus(socket: string): number | undefined;
}

export const systemAgentProbe: AgentProbe = {
    isSocket: (path) => {
        try {
            return fs.statSync(path).isSocket();
        } catch {
            return false;
        }
    },
    listKeysStatus: (socket) => {
        const result = spawnSync("ssh-add", ["-l"], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: "ignore", timeout: 5_000 });
        return result.error ? undefined : (result.status ?? undefined);
    },
};

const ADVICE =
    "Start the agent again, or run Pulumi with it unset (`env -u SSH_AUTH_SOCK pulumi up`): the key in dropit:sshPrivateKey is enough.";

/** The problem with SSH_AUTH_SOCK, or undefined when it is unset or an agent answers on it. */
export function deadSshAgentProblem(socket: string | undefined, probe: AgentProbe = systemAgentProbe): string | undefined {
    if (!socket) return undefined;
    if (!probe.isSocket(socket))
        return `SSH_AUTH_SOCK points at ${socket}, which is not a socket: every remote command would fail. ${ADVICE}`;
    if (probe.listKeysStatus(socket) === 2)
        return `SSH_AUTH_SOCK points at ${socket}, but no SSH agent answers there: every remote command would fail. ${ADVICE}`;
    return undefined;
}
