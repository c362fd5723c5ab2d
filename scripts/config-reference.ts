/**
 * Writes docs/configuration.md from the zod schema (config/schema.ts): every `dropit:` key with
 * its type, default, bounds, whether it is a secret, and the description the schema carries.
 * The schema is the only source; tests/scripts/configReference.test.ts fails when the file is
 * stale.
 *
 * It reads zod's own definitions (`schema._zod.def`): the types and checks a schema is built
 * from, and the messages the schema gives for them (an error message is called with a
 * stand-in issue to read its text).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { configSchema, SECRET_KEYS, SECRET_PATHS } from "../config/schema";
import { exitWhenDrained, wantsHelp } from "./cli";

export const USAGE = `usage: npm run docs:config -- [--check] [--out <file>]

Writes the configuration reference (every dropit: key, its type, default, bounds, secret or
not, description) from config/schema.ts to docs/configuration.md.

  --check       write nothing; exit 1 when the file differs from what would be written
  --out <file>  write there instead of docs/configuration.md
  -h, --help    print this usage`;

export const REFERENCE_PATH = path.resolve(__dirname, "..", "docs", "configuration.md");
export const REGENERATE_COMMAND = "npm run docs:config";

/** One row of the reference. */
export interface KeyRow {
    key: string;
    type: string;
    defaultText: string;
    bounds: string[];
    secret: boolean;
    description: string;
}

/** zod 4 keeps a schema's definition in `_zod.def`; only the fields read here are typed. */
interface Def {
    type: string;
    innerType?: z.ZodType;
    defaultValue?: unknown;
    in?: z.ZodType;
    out?: z.ZodType;
    options?: z.ZodType[];
    shape?: Record<string, z.ZodType>;
    element?: z.ZodType;
    keyType?: z.ZodType;
    valueType?: z.ZodType;
    entries?: Record<string, string>;
    checks?: Array<{ _zod: { def: CheckDef } }>;
    format?: string;
    pattern?: RegExp;
    coerce?: boolean;
    error?: (issue: unknown) => unknown;
}

interface CheckDef {
    check: string;
    format?: string;
    pattern?: RegExp;
    value?: number | bigint;
    inclusive?: boolean;
    minimum?: number;
    maximum?: number;
    error?: (issue: unknown) => unknown;
}

function def(schema: z.ZodType): Def {
    return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The text a schema's error message gives for a present but wrong value, if it has one. */
function message(error: ((issue: unknown) => unknown) | undefined): string | undefined {
    if (!error) return undefined;
    const text = error({ input: "", code: "invalid_format" });
    if (typeof text === "string") return text;
    if (text && typeof text === "object" && typeof (text as { message?: unknown }).message === "string")
        return (text as { message: string }).message;
    return undefined;
}

const code = (value: unknown) => `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;

/** The schema under optional/default/prefault wrappers, with what those wrappers say. */
interface Unwrapped {
    core: z.ZodType;
    description?: string;
    optional: boolean;
    defaultValue?: { value: unknown };
}

function unwrap(schema: z.ZodType): Unwrapped {
    const result: Unwrapped = { core: schema, optional: false };
    let current = schema;
    for (;;) {
        result.description ??= z.globalRegistry.get(current)?.description;
        const d = def(current);
        if (d.type === "optional") result.optional = true;
        else if (d.type === "default" || d.type === "prefault") result.defaultValue ??= { value: d.defaultValue };
        else break;
        current = d.innerType as z.ZodType;
    }
    result.core = current;
    return result;
}

/** The type a value is given as, in words. */
function typeName(schema: z.ZodType): string {
    const d = def(schema);
    switch (d.type) {
        case "optional":
        case "default":
        case "prefault":
            return typeName(d.innerType as z.ZodType);
        case "pipe":
            // A preprocess is a pipe from a transform: the value is given as the pipe's output type.
            return typeName(def(d.in as z.ZodType).type === "transform" ? (d.out as z.ZodType) : (d.in as z.ZodType));
        case "string":
            if (d.format === "ipv4") return "IPv4 address";
            if (d.format === "ipv6") return "IPv6 address";
            if (d.format === "email") return "email address";
            return "string";
        case "number":
            return (d.checks ?? []).some((check) => check._zod.def.format === "safeint") ? "integer" : "number";
        case "boolean":
            return "boolean";
        case "enum":
            return "string";
        case "object":
            return "object";
        case "array":
            return `list of ${typeName(d.element as z.ZodType)}s`;
        case "record":
            return `map of ${typeName(d.keyType as z.ZodType)} to ${typeName(d.valueType as z.ZodType)}`;
        case "union": {
            const names = [...new Set((d.options ?? []).map(typeName))];
            return names.join(" or ");
        }
        default:
            return d.type;
    }
}

/** The constraints a value must meet, in words (the schema's own messages where it has them). */
function boundsOf(schema: z.ZodType): string[] {
    const d = def(schema);
    const bounds: string[] = [];
    switch (d.type) {
        case "pipe":
            if (def(d.in as z.ZodType).type !== "transform") bounds.push(...boundsOf(d.in as z.ZodType));
            if (def(d.out as z.ZodType).type !== "transform") bounds.push(...boundsOf(d.out as z.ZodType));
            break;
        case "optional":
        case "default":
        case "prefault":
            return boundsOf(d.innerType as z.ZodType);
        case "enum":
            bounds.push(
                `one of ${Object.values(d.entries ?? {})
                    .map(code)
                    .join(", ")}`,
            );
            break;
        case "array": {
            const element = boundsOf(d.element as z.ZodType);
            if (element.length > 0) bounds.push(`each: ${element.join("; ")}`);
            break;
        }
        case "record": {
            const keys = boundsOf(d.keyType as z.ZodType);
            const values = boundsOf(d.valueType as z.ZodType);
            if (keys.length > 0) bounds.push(`names: ${keys.join("; ")}`);
            if (values.length > 0) bounds.push(`values: ${values.join("; ")}`);
            break;
        }
        case "union": {
            const alternatives = (d.options ?? []).map((option) => boundsOf(option).join("; ")).filter((text) => text.length > 0);
            if (alternatives.length > 0) bounds.push(alternatives.join(", or "));
            break;
        }
        default:
            break;
    }
    const numeric: { min?: string; max?: string } = {};
    for (const check of d.checks ?? []) {
        const c = check._zod.def;
        if (c.check === "greater_than") numeric.min = `${c.inclusive ? "" : "more than "}${String(c.value)}`;
        else if (c.check === "less_than") numeric.max = `${c.inclusive ? "" : "less than "}${String(c.value)}`;
        else if (c.check === "min_length" && c.minimum !== undefined)
            bounds.push(`at least ${c.minimum} ${d.type === "array" ? "item" : "character"}${c.minimum === 1 ? "" : "s"}`);
        else if (c.check === "max_length" && c.maximum !== undefined)
            bounds.push(`at most ${c.maximum} ${d.type === "array" ? "items" : "characters"}`);
        else if (c.check === "string_format" && c.format === "regex") bounds.push(message(c.error) ?? `matches ${code(String(c.pattern))}`);
        else if (c.check === "custom") {
            const text = message(c.error);
            if (text) bounds.push(text);
        }
    }
    if (numeric.min !== undefined && numeric.max !== undefined) bounds.unshift(`${numeric.min} to ${numeric.max}`);
    else if (numeric.min !== undefined) bounds.unshift(`at least ${numeric.min}`);
    else if (numeric.max !== undefined) bounds.unshift(`at most ${numeric.max}`);
    return [...new Set(bounds)];
}

function defaultText(unwrapped: Unwrapped): string {
    if (unwrapped.defaultValue) {
        const value = unwrapped.defaultValue.value;
        if (def(unwrapped.core).type === "object") return "(fields' defaults)";
        if (Array.isArray(value)) return value.length === 0 ? "empty list" : value.map(code).join(", ");
        if (value && typeof value === "object" && Object.keys(value).length === 0) return "empty map";
        if (value && typeof value === "object")
            return Object.entries(value)
                .map(([name, v]) => code(`${name}=${String(v)}`))
                .join(", ");
        return code(value);
    }
    return unwrapped.optional ? "none" : "**required**";
}

/** Every key of the schema, depth first: an object's row comes before its fields' rows. */
export function configRows(schema: z.ZodType = configSchema): KeyRow[] {
    const secrets = new Set<string>(SECRET_KEYS);
    const rows: KeyRow[] = [];
    const walk = (node: z.ZodType, segments: string[]) => {
        const unwrapped = unwrap(node);
        const core = def(unwrapped.core);
        if (segments.length > 0) {
            rows.push({
                key: `dropit:${segments.join(".")}`,
                type: typeName(unwrapped.core),
                defaultText: defaultText(unwrapped),
                bounds: core.type === "object" ? [] : boundsOf(unwrapped.core),
                secret:
                    (segments.length === 1 && secrets.has(segments[0])) || (SECRET_PATHS as readonly string[]).includes(segments.join(".")),
                description: unwrapped.description ?? "",
            });
        }
        if (core.type === "object") {
            for (const [name, child] of Object.entries(core.shape ?? {})) walk(child, [...segments, name]);
        }
        // A list of objects: its items' fields, as `list[].field`.
        if (core.type === "array" && def(unwrap(core.element as z.ZodType).core).type === "object") {
            const itemShape = def(unwrap(core.element as z.ZodType).core).shape ?? {};
            for (const [name, child] of Object.entries(itemShape))
                walk(child, [...segments.slice(0, -1), `${segments[segments.length - 1]}[]`, name]);
        }
    };
    walk(schema, []);
    return rows;
}

/**
 * A table cell: `|` escaped everywhere (GitHub tables split on it even inside code), `<` and `>`
 * escaped outside code spans so that `<api>.<domain>` is not read as HTML.
 */
const cell = (text: string) =>
    text
        .replace(/\n/g, " ")
        .split("`")
        .map((part, index) => (index % 2 === 0 ? part.replace(/</g, "&lt;").replace(/>/g, "&gt;") : part))
        .join("`")
        .replace(/\|/g, "\\|");

/** The whole of docs/configuration.md. */
export function renderConfigReference(schema: z.ZodType = configSchema): string {
    const rows = configRows(schema);
    const lines = [
        "# Configuration reference",
        "",
        `<!-- Generated from config/schema.ts by \`${REGENERATE_COMMAND}\`. Do not edit by hand: change the schema and regenerate. -->`,
        "",
        "Every key lives under `dropit:` and is validated by one schema (`config/schema.ts`), which also",
        "supplies every default. Set a scalar with `pulumi config set dropit:<key> <value>`, a field of",
        "an object with `--path` (`pulumi config set --path 'dropit:api.replicas' 2`), and a secret",
        "with `--secret` and no value on the command line (it prompts). Secret keys are read as",
        "secrets even when set without `--secret`, and never appear in a message. Unknown keys are",
        'errors, with a "did you mean".',
        "",
        "A few rules involve more than one key (config/load.ts): `infomaniakToken` is required when",
        "`dns.provider` is `infomaniak`; `registry.username` and `registryPassword` come in pairs;",
        "`server.ipv6` only beside an IPv4 `server.host`; `dns.zone` must contain `domain`;",
        "`api.seedDemoData` is refused on the stacks `prod` and `production`. With `nodes` (config/nodes.ts):",
        "names, SSH addresses and Swarm addresses are unique, the managers are 1, 3, 5 or 7 in all, a",
        "registry login is set, and `api.replicas` and `web.replicas` fit the nodes at `cluster.maxReplicasPerNode` each with one slot to spare (a start-first update runs one task more).",
        "",
        "| key | type | default | bounds | secret | description |",
        "|---|---|---|---|---|---|",
        ...rows.map(
            (row) =>
                `| ${[
                    `\`${row.key}\``,
                    row.type,
                    row.defaultText,
                    row.bounds.length > 0 ? row.bounds.join("; ") : "",
                    row.secret ? "**secret**" : "no",
                    row.description,
                ]
                    .map(cell)
                    .join(" | ")} |`,
        ),
        "",
    ];
    return lines.join("\n");
}

function main(argv: readonly string[]): number {
    if (wantsHelp(argv)) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    let out = REFERENCE_PATH;
    let check = false;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--check") check = true;
        else if (argv[i] === "--out" && argv[i + 1] !== undefined) out = path.resolve(argv[++i]);
        else {
            process.stderr.write(`docs:config: unexpected argument ${argv[i]}\n${USAGE.split("\n")[0]}\n`);
            return 2;
        }
    }
    const text = renderConfigReference();
    if (check) {
        const current = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "";
        if (current === text) {
            process.stdout.write(`${path.relative(process.cwd(), out)} is up to date\n`);
            return 0;
        }
        process.stderr.write(`${path.relative(process.cwd(), out)} is stale: run \`${REGENERATE_COMMAND}\`\n`);
        return 1;
    }
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, text);
    process.stdout.write(`wrote ${path.relative(process.cwd(), out)} (${configRows().length} keys)\n`);
    return 0;
}

if (require.main === module) {
    let code: number;
    try {
        code = main(process.argv.slice(2));
    } catch (error) {
        process.stderr.write(`docs:config: ${error instanceof Error ? error.message : String(error)}\n`);
        code = 1;
    }
    void exitWhenDrained(code);
}
