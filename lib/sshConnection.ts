/** The SSH connection every remote command uses: the sudo user, the key, the pinned host key. */
import type * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

export interface ServerLogin {
    /** The server's address (IPv4 or IPv6). */
    host: string;
    /** The SSH port. */
    port: number;
    /** The sudo user every command runs as. */
    user: string;
    /** Its private key (OpenSSH format); kept secret. */
    privateKey: pulumi.Input<string>;
    /** `algorithm base64`, required: without it the remote commands accept any host key. */
    hostKey: string;
}

export function remoteConnection(server: ServerLogin): command.types.input.remote.ConnectionArgs {
    return {
        host: server.host,
        port: server.port,
        user: server.user,
        privateKey: pulumi.secret(server.privateKey),
        hostKey: server.hostKey,
        // Bounded: 10 dials of at most 15 s each before the command fails.
        dialErrorLimit: 10,
        perDialTimeout: 15,
    };
}

/**
 * For every `remote.Command`. By default the provider sets PULUMI_COMMAND_STDOUT/STDERR (the
 * previous run's output) in the environment of each update and delete: sshd refuses variables
 * outside its AcceptEnv (Debian's accepts only LANG and LC_*), so each re-run would warn, and
 * the installer's long output would be carried into the next run for nothing.
 */
export const NO_PREVIOUS_OUTPUT_IN_ENV = { addPreviousOutputInEnv: false } as const;
