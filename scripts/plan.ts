/**
 * `npm run plan [-- --config Pulumi.prod.yaml --stack prod --json --diagram out/deployment.mmd]`
 * Prints what `pulumi up` would create on a fresh stack, offline, from the real program.
 */
import * as fs from "fs";
import * as path from "path";
import { renderBudget, type MemoryBudget } from "../config/memoryBudget";
import { exitWhenDrained, wantsHelp } from "./cli";
import { PlanError, planToJson, PROJECT_DIR, redact, runPlan, type Plan, type PlannedResource } from "./plan/harness";
import { renderMermaid } from "./plan/mermaid";

interface Arguments {
    config: string;
    stack: string;
    json: boolean;
    diagram: string;
}

const USAGE = `usage: npm run plan -- [--config <stack file>] [--stack <name>] [--json] [--diagram <file>]

Prints what \`pulumi up\` would create on a fresh stack, offline, from the real program.
  --config <file>   stack file to read (default Pulumi.prod.yaml)
  --stack <name>    stack name (default: from the file name, Pulumi.<name>.yaml)
  --json            print the plan as one JSON document on stdout (messages go to stderr)
  --diagram <file>  where to write the Mermaid diagram (default out/deployment.mmd)
  -h, --help        print this help and exit
Exit status: 0 planned, 1 invalid configuration, 2 any other failure.`;

function parseArguments(argv: readonly string[]): Arguments {
    const options: Arguments = { config: "Pulumi.prod.yaml", stack: "", json: false, diagram: "out/deployment.mmd" };
    for (let index = 0; index < argv.length; index++) {
        const flag = argv[index];
        if (flag === "--json") options.json = true;
        else if (flag === "--config" || flag === "--stack" || flag === "--diagram")
            options[flag.slice(2) as "config" | "stack" | "diagram"] = argv[++index] ?? "";
        else throw new PlanError(`unknown argument ${flag}; ${USAGE.split("\n")[0]}`, true);
    }
    options.stack ||= path.basename(options.config).replace(/^Pulumi\.|\.ya?ml$/g, "");
    return options;
}

function printHuman(plan: Plan): void {
    const byUrn = new Map(plan.resources.map((resource) => [resource.urn, resource]));
    const custom = plan.resources.filter((resource) => resource.custom);
    console.log(
        `Plan for stack "${plan.stack}": ${custom.length} resources in ${plan.resources.length - custom.length} components (fresh stack: all would be created)\n`,
    );
    for (const note of plan.notes) console.log(`note: ${note}`);
    if (typeof plan.outputs.imageBuild === "string") console.log(plan.outputs.imageBuild);
    const print = (resource: PlannedResource, depth: number) => {
        const indent = "  ".repeat(depth);
        const kept = [resource.protect && "protected", resource.retainOnDelete && "kept on destroy"].filter(Boolean).join(", ");
        console.log(`${indent}+ ${resource.type}  ${resource.name}${kept ? `  [${kept}]` : ""}`);
        const after = resource.dependencies.map((urn) => byUrn.get(urn)?.name ?? urn);
        if (after.length > 0 && resource.custom) console.log(`${indent}    after: ${after.join(", ")}`);
        if (resource.custom) for (const line of keyInputs(resource)) console.log(`${indent}    ${line}`);
        for (const child of plan.resources.filter((candidate) => candidate.parent === resource.urn)) print(child, depth + 1);
    };
    for (const root of plan.resources.filter((resource) => !resource.parent || !byUrn.has(resource.parent))) print(root, 0);
    console.log("");
    for (const line of renderBudget(plan.outputs.memory as MemoryBudget)) console.log(line);
    console.log("\nOutputs:");
    for (const [name, value] of Object.entries(redact(plan.outputs) as Record<string, unknown>)) {
        console.log(`  ${name}: ${JSON.stringify(value, null, 2).replace(/\n/g, "\n  ")}`);
    }
}

/** A short view of the inputs: scalars and names; scripts and long text abbreviated. */
function keyInputs(resource: PlannedResource): string[] {
    return Object.entries(redact(resource.inputs) as Record<string, unknown>)
        .filter(([key]) => !["connection", "__defaults"].includes(key))
        .map(([key, value]) => {
            const text = typeof value === "string" ? value : JSON.stringify(value);
            return `${key}: ${text.length > 110 ? `${text.slice(0, 107).replace(/\n/g, " ")}...` : text.replace(/\n/g, " ")}`;
        });
}

async function main(): Promise<void> {
    if (wantsHelp(process.argv.slice(2))) {
        console.log(USAGE);
        return;
    }
    const options = parseArguments(process.argv.slice(2));
    // pulumi.log prints with console.log under mocks: keep stdout for the JSON document alone.
    if (options.json) console.log = console.error;
    const stackFile = path.resolve(process.cwd(), options.config);
    if (!fs.existsSync(stackFile)) throw new PlanError(`stack file ${options.config} not found`, true);
    const plan = await runPlan({ stackFile, stack: options.stack });
    const diagram = renderMermaid(plan.resources);
    const diagramFile = path.resolve(PROJECT_DIR, options.diagram);
    fs.mkdirSync(path.dirname(diagramFile), { recursive: true });
    fs.writeFileSync(diagramFile, diagram);
    if (options.json) {
        // The one-line warning reaches a human on stderr; the JSON document keeps the whole budget.
        const warning = renderBudget(plan.outputs.memory as MemoryBudget).find((line) => line.startsWith("warning:"));
        if (warning) console.error(warning);
        process.stdout.write(`${JSON.stringify(planToJson(plan), null, 2)}\n`);
    } else {
        printHuman(plan);
        console.log(`\nDiagram (Mermaid): ${path.relative(process.cwd(), diagramFile)}`);
    }
}

// The Pulumi runtime may leave handles open, so the command exits explicitly, but only once
// stdout has drained: a reader on a pipe gets the whole JSON document.
main().then(
    () => exitWhenDrained(0),
    (error: unknown) => {
        if (error instanceof PlanError && error.configurationProblem) {
            console.error(error.message);
            return exitWhenDrained(1);
        }
        console.error(error);
        return exitWhenDrained(2);
    },
);
