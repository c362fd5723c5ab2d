/**
 * What every command in scripts/ shares: `--help`, and leaving only once the output is out.
 *
 * process.exit() does not wait for stdout: when stdout is a pipe whose reader is slower than
 * the writer (`npm run plan -- --json | wc -c`), whatever is still queued past the pipe's
 * 64 KiB buffer is dropped and the reader gets a cut document.
 */

/** True when the arguments ask for the usage (`--help` or `-h`, anywhere). */
export function wantsHelp(argv: readonly string[]): boolean {
    return argv.includes("--help") || argv.includes("-h");
}

/** Flushes a stream: the callback of an empty write runs once everything queued before it is written. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
    return new Promise((resolve) => {
        if (stream.destroyed || stream.writableEnded) {
            resolve();
            return;
        }
        // A reader that went away (`| head`) makes the write fail with EPIPE: nothing left to wait for.
        stream.once("error", () => resolve());
        stream.write("", () => resolve());
    });
}

/**
 * Sets the exit code and exits once stdout and stderr have drained. Commands whose work may
 * leave handles open (the Pulumi runtime does) still end, without cutting their output.
 */
export async function exitWhenDrained(code: number): Promise<never> {
    process.exitCode = code;
    await Promise.all([drained(process.stdout), drained(process.stderr)]);
    process.exit(code);
}
