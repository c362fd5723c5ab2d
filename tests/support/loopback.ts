/** Loopback helpers shared by the real-server tests: free ports and bounded waits. */
import * as net from "node:net";

/** A port the kernel considers free on 127.0.0.1 right now (tiny race accepted in tests). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            const port = typeof address === "object" && address ? address.port : 0;
            server.close(() => (port ? resolve(port) : reject(new Error("no port assigned"))));
        });
    });
}

function canConnect(port: number, host: string): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        const done = (ok: boolean) => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(500, () => done(false));
        socket.once("connect", () => done(true));
        socket.once("error", () => done(false));
    });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until something accepts on host:port (default 127.0.0.1); bounded by `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, isDead?: () => string | undefined, host = "127.0.0.1"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; Date.now() < deadline && attempt < 1000; attempt += 1) {
        const dead = isDead?.();
        if (dead) throw new Error(`server exited before listening on ${port}: ${dead}`);
        if (await canConnect(port, host)) return;
        await sleep(50);
    }
    throw new Error(`nothing listened on ${host}:${port} within ${timeoutMs} ms`);
}
