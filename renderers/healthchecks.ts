/** Container healthcheck commands, using only what each image already has. */

/** For Node images (node:20-alpine has no curl or wget guarantee, but always has node). */
export function nodeHttpProbe(port: number, path: string): string[] {
    const url = `http://127.0.0.1:${port}${path}`;
    const script = `require('http').get(${JSON.stringify(url)},r=>process.exit(r.statusCode>=200&&r.statusCode<400?0:1)).on('error',()=>process.exit(1))`;
    return ["CMD", "node", "-e", script];
}

/** For Alpine-based images (busybox wget). */
export function wgetProbe(url: string): string[] {
    return ["CMD", "wget", "-q", "--spider", "-T", "3", url];
}
