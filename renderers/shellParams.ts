/**
 * The one place where a value meets shell code. Host scripts are real files (host/*.sh, read
 * at plan time); their parameters arrive as a preamble of `NAME=value` assignments produced by
 * `shellAssignments`, so a value is always data, never code, whatever its characters.
 *
 * The quoting rule, small enough to audit:
 * - a value made only of `A-Z a-z 0-9 _ . / : @ % + , = -` is written bare (none of these is
 *   special in the value of an assignment: no expansion, no word splitting, no tilde, no glob);
 * - anything else is wrapped in single quotes, each `'` written as `'\''` (inside single quotes
 *   bash interprets nothing, newlines included);
 * - a NUL byte cannot be carried by a shell string at all and is refused.
 * Only assignments are produced (never command words), and the names are checked.
 */
import * as fs from "fs";
import * as path from "path";

const BARE = /^[A-Za-z0-9_./:@%+,=-]+$/;
const NAME = /^[A-Z][A-Z0-9_]*$/;

export type ShellParams = Readonly<Record<string, string | number>>;

/** `NAME=value` lines, one per parameter, in the given order. */
export function shellAssignments(params: ShellParams): string {
    return Object.entries(params)
        .map(([name, value]) => {
            if (!NAME.test(name)) throw new Error(`shell parameter name ${JSON.stringify(name)} must be UPPER_SNAKE_CASE`);
            const text = String(value);
            if (text.includes("\0")) throw new Error(`shell parameter ${name} may not contain a NUL byte`);
            return `${name}=${BARE.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`}`;
        })
        .join("\n");
}

/** The repository's host/ directory (scripts run over SSH and files installed on the VPS). */
export const HOST_DIR = path.resolve(__dirname, "..", "host");

/** A file of host/, read at plan time. */
export function hostFile(relative: string): string {
    return fs.readFileSync(path.join(HOST_DIR, relative), "utf8");
}

const END_OF_SCRIPT = "DROPIT_SCRIPT_END";

/**
 * Runs `script` under bash with strict mode, whatever the user's login shell is. A quoted
 * heredoc carries the text verbatim (readable in previews and logs, no escaping) and leaves
 * the command's stdin free for secrets.
 */
export function asRemoteCommand(script: string): string {
    if (script.split("\n").includes(END_OF_SCRIPT)) throw new Error(`a script line may not be ${END_OF_SCRIPT}`);
    return `bash -c "$(cat <<'${END_OF_SCRIPT}'\nset -euo pipefail\n${script.trim()}\n${END_OF_SCRIPT}\n)"`;
}

/** A host step file without its shebang and shellcheck directives (the remote command runs it under bash). */
function stepBody(file: string): string {
    return scriptBody(hostFile(file));
}

function scriptBody(text: string): string {
    return text
        .split("\n")
        .filter((line, index) => !(index === 0 && line.startsWith("#!")) && !/^# shellcheck /.test(line))
        .join("\n")
        .trim();
}

const FUNCTION_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * The remote command of host/<step>.sh: its parameters as assignments, then (unless
 * `sudo: false`) host/common.sh (passwordless-sudo check, install_if_changed), then each of
 * `functions` (another step's body as a shell function the step may call), then the step.
 */
export function hostStep(
    step: string,
    params: ShellParams = {},
    options: { sudo?: boolean; functions?: Readonly<Record<string, string>> } = {},
): string {
    const functions = Object.entries(options.functions ?? {}).map(([name, file]) => {
        if (!FUNCTION_NAME.test(name)) throw new Error(`shell function name ${JSON.stringify(name)} must be lower_snake_case`);
        return `${name}() {\n${stepBody(`${file}.sh`)}\n}`;
    });
    const parts = [
        Object.keys(params).length > 0 ? `# parameters\n${shellAssignments(params)}` : "",
        options.sudo === false ? "" : stepBody("common.sh"),
        ...functions,
        stepBody(`${step}.sh`),
    ];
    return asRemoteCommand(parts.filter(Boolean).join("\n"));
}

/** The repository's builder/ directory: scripts run where `pulumi up` runs, never on the VPS. */
export const BUILDER_DIR = path.resolve(__dirname, "..", "builder");

/**
 * The text of builder/<script>.sh under strict mode, after the libraries it uses (builder/ files
 * that define functions), for a local command to run: the text itself, so the state holds no
 * path of this machine. Its parameters arrive as environment variables.
 */
export function builderScript(script: string, libraries: readonly string[] = []): string {
    const body = (name: string) => scriptBody(fs.readFileSync(path.join(BUILDER_DIR, `${name}.sh`), "utf8"));
    return `set -euo pipefail\n${[...libraries, script].map(body).join("\n")}\n`;
}
