/** A webhook receiver for the watchdog's alerts and heartbeats: every request it got, with its time, path, Title header and body. */
import * as http from "node:http";

export interface Hit {
    at: number;
    path: string;
    title: string;
    body: string;
}

export interface Receiver {
    hits: Hit[];
    url: string;
    close(): Promise<void>;
}

/** Listens on `address` (a test network's gateway, so that only the test containers reach it); `url` ends with `pathPrefix`. */
export function startReceiver(address: string, pathPrefix: string): Promise<Receiver> {
    return new Promise((resolve, reject) => {
        const hits: Hit[] = [];
        const server = http.createServer((request, response) => {
            let body = "";
            request.on("data", (chunk: Buffer) => (body += chunk.toString()));
            request.on("end", () => {
                hits.push({ at: Date.now(), path: request.url ?? "", title: String(request.headers.title ?? ""), body });
                response.end("OK");
            });
        });
        server.once("error", reject);
        server.listen(0, address, () => {
            const bound = server.address();
            const port = typeof bound === "object" && bound ? bound.port : 0;
            resolve({
                hits,
                url: `http://${address}:${port}${pathPrefix}`,
                close: () => new Promise((done) => server.close(() => done())),
            });
        });
    });
}
