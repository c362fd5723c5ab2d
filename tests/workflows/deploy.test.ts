/**
 * .github/workflows/deploy.yml and its local composite action .github/actions/setup: valid for
 * GitHub (schema and expression checks by @action-validator/core, offline WASM), and shaped as
 * promised: every job set up by the local action, preview on pull requests, up then the smoke
 * check on main, scheduled drift check; secrets only through env; only documented secrets.
 */
import { validateAction, validateWorkflow } from "@action-validator/core";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { LOCAL_REGISTRY_CONTAINER, LOCAL_REGISTRY_IMAGE } from "../../lib/appImage";

const ROOT = path.join(__dirname, "../..");
const SOURCE = fs.readFileSync(path.join(ROOT, ".github/workflows/deploy.yml"), "utf8");
const SETUP = "./.github/actions/setup";
const ACTION_SOURCE = fs.readFileSync(path.join(ROOT, SETUP, "action.yml"), "utf8");
const DOCS = fs.readFileSync(path.join(ROOT, "docs/ci.md"), "utf8");

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, string | boolean>;
    env?: Record<string, string>;
}
interface Job {
    if?: string;
    needs?: string | string[];
    environment?: string;
    steps: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    env: Record<string, string>;
    jobs: Record<string, Job>;
}
interface Action {
    inputs: Record<string, { description: string; required?: boolean; default?: string }>;
    runs: { using: string; steps: Step[] };
}

const workflow = parse(SOURCE) as Workflow;
const action = parse(ACTION_SOURCE) as Action;
const pulumiStep = (job: Job) => job.steps.find((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command !== undefined);
const setupStep = (job: Job) => job.steps.find((s) => s.uses === SETUP);
/** A deep copy to break in the control cases. */
const copy = <T>(value: T): T => structuredClone(value);

// Each check returns its findings: [] on the real files, something on a broken copy.

/** Jobs that do not start with the checkout of this repository followed by the local action. */
function jobsNotSetUp(wf: Workflow): string[] {
    return Object.entries(wf.jobs)
        .filter(
            ([, job]) => !(job.steps[0]?.uses === "actions/checkout@v4" && job.steps[0].with === undefined && job.steps[1]?.uses === SETUP),
        )
        .map(([name]) => name);
}

/** Inputs passed to the local action that it does not declare, and required ones left out. */
function inputMismatches(wf: Workflow, act: Action): string[] {
    const found: string[] = [];
    for (const [name, job] of Object.entries(wf.jobs)) {
        for (const step of job.steps.filter((s) => s.uses === SETUP)) {
            const passed = Object.keys(step.with ?? {});
            found.push(...passed.filter((input) => !(input in act.inputs)).map((input) => `${name}: unknown input ${input}`));
            found.push(
                ...Object.entries(act.inputs)
                    .filter(([input, spec]) => spec.required === true && !passed.includes(input))
                    .map(([input]) => `${name}: missing required input ${input}`),
            );
        }
    }
    return found;
}

/** `run:` scripts that interpolate a secret (workflow) or any expression at all (action). */
function interpolatingRuns(wf: Workflow, act: Action): string[] {
    const workflowRuns = Object.values(wf.jobs)
        .flatMap((job) => job.steps)
        .map((s) => s.run ?? "");
    const actionRuns = act.runs.steps.map((s) => s.run ?? "");
    return [
        ...workflowRuns.filter((run) => /\$\{\{[^}]*secrets\./.test(run) || /ssh-add\s+\S*KEY/.test(run)),
        ...actionRuns.filter((run) => run.includes("${{")),
    ];
}

/** Secret names referenced by a text, GITHUB_TOKEN aside (GitHub provides it; nobody sets it). */
function secretNames(text: string): string[] {
    return [...new Set([...text.matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1]))].filter((n) => n !== "GITHUB_TOKEN").sort();
}
/** Backticked upper-case names in the paragraph of docs/ci.md that starts with "Repository secrets:". */
function documentedSecrets(docs: string): string[] {
    const paragraph = docs.slice(docs.indexOf("Repository secrets:")).split("\n\n")[0];
    return [...new Set([...paragraph.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]))].sort();
}

describe("deploy workflow", () => {
    it("passes action-validator", () => {
        expect(validateWorkflow(SOURCE).errors).toEqual([]);
    });

    it("control: action-validator rejects a broken copy, so the check above can fail", () => {
        const broken = SOURCE.replace("runs-on: ubuntu-24.04", "run-on: ubuntu-24.04");
        expect(broken).not.toBe(SOURCE);
        expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
    });

    it("runs on pull requests and pushes to main, on a schedule, and by hand", () => {
        expect(Object.keys(workflow.on).sort()).toEqual(["pull_request", "push", "schedule", "workflow_dispatch"]);
        expect(workflow.on.push).toEqual({ branches: ["main"] });
    });

    it("previews on pull requests, with a comment", () => {
        const job = workflow.jobs.preview;
        expect(job.if).toBe("github.event_name == 'pull_request'");
        expect(pulumiStep(job)).toMatchObject({ uses: "pulumi/actions@v6", with: { command: "preview", "comment-on-pr": true } });
    });

    it("deploys main with `up`, then runs the smoke check on the stack outputs", () => {
        const job = workflow.jobs.deploy;
        expect(job.if).toContain("github.event_name == 'push'");
        expect(job.needs).toBe("test");
        const upIndex = job.steps.findIndex((s) => s.uses === "pulumi/actions@v6" && s.with?.command === "up");
        const smokeIndex = job.steps.findIndex((s) => s.run?.includes("npm run smoke -- outputs.json"));
        expect(upIndex).toBeGreaterThan(-1);
        expect(smokeIndex).toBeGreaterThan(upIndex);
        expect(job.steps[smokeIndex].run).toContain('pulumi stack output --stack "$PULUMI_STACK" --json > outputs.json');
    });

    it("checks drift on schedule with --expect-no-changes after a refresh", () => {
        const job = workflow.jobs.drift;
        expect(job.if).toBe("github.event_name == 'schedule'");
        expect(pulumiStep(job)?.with).toMatchObject({ command: "preview", "expect-no-changes": true, refresh: true });
    });

    it("pins the Pulumi CLI to the SDK version in package.json", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
        expect(workflow.env.PULUMI_VERSION).toBe(pkg.dependencies["@pulumi/pulumi"]);
    });

    it("has the npm script the deploy job calls", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
        expect(pkg.scripts.smoke).toContain("scripts/smoke.ts");
    });

    it("passes secrets to scripts only through env, never inside a run: script or on argv", () => {
        expect(interpolatingRuns(workflow, action)).toEqual([]);
        expect(workflow.env.PULUMI_CONFIG_PASSPHRASE).toBe("${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
        // The action is not handed any secret (a composite action cannot read `secrets` itself).
        expect(ACTION_SOURCE).not.toMatch(/secrets\./);
    });

    it("control: a secret or an input interpolated in a run: script is caught", () => {
        const wf = copy(workflow);
        wf.jobs.deploy.steps.push({ run: 'echo "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"' });
        expect(interpolatingRuns(wf, action)).toHaveLength(1);
        const act = copy(action);
        act.runs.steps.push({ run: "ln -s ${{ inputs.dropit-app }} x" });
        expect(interpolatingRuns(workflow, act)).toHaveLength(1);
    });

    it("passes action-validator: the composite set-up action", () => {
        expect(action.runs.using).toBe("composite");
        expect(validateAction(ACTION_SOURCE).errors).toEqual([]);
    });

    it("control: action-validator rejects a broken copy of the action", () => {
        const broken = ACTION_SOURCE.replace("using: composite", "using: compose");
        expect(broken).not.toBe(ACTION_SOURCE);
        expect(validateAction(broken).errors.length).toBeGreaterThan(0);
    });

    it("sets every job up with a checkout of this repository, then the local action", () => {
        expect(Object.keys(workflow.jobs).sort()).toEqual(["deploy", "drift", "preview", "test"]);
        expect(jobsNotSetUp(workflow)).toEqual([]);
        // The set-up is no longer spelled out in the jobs.
        const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
        expect(steps.filter((s) => s.uses?.startsWith("actions/setup-node@") || s.run?.includes("npm ci"))).toEqual([]);
        expect(steps.filter((s) => s.uses === "actions/checkout@v4" && s.with !== undefined)).toEqual([]);
    });

    it("control: a job without the local action is caught", () => {
        const wf = copy(workflow);
        wf.jobs.drift.steps.splice(1, 1);
        expect(jobsNotSetUp(wf)).toEqual(["drift"]);
    });

    it("passes the local action only inputs it declares, and every required one", () => {
        expect(inputMismatches(workflow, action)).toEqual([]);
        expect(Object.keys(action.inputs).sort()).toEqual(["dropit-app", "node-version", "pulumi-version"]);
    });

    it("control: an undeclared or a missing required input is caught", () => {
        const wf = copy(workflow);
        setupStep(wf.jobs.test)!.with = { "node-versoin": "20" };
        expect(inputMismatches(wf, action)).toEqual(["test: unknown input node-versoin", "test: missing required input node-version"]);
    });

    it("gives the Pulumi jobs the DropIt app and the pinned CLI, the test job neither", () => {
        for (const name of ["preview", "deploy", "drift"]) {
            expect(setupStep(workflow.jobs[name])?.with).toEqual({
                "node-version": "${{ env.NODE_VERSION }}",
                "dropit-app": true,
                "pulumi-version": "${{ env.PULUMI_VERSION }}",
            });
            // One pin: the command steps use the CLI the action installed.
            expect(pulumiStep(workflow.jobs[name])?.with?.["pulumi-version"]).toBeUndefined();
        }
        expect(setupStep(workflow.jobs.test)?.with).toEqual({ "node-version": "${{ env.NODE_VERSION }}" });
        const install = action.runs.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
        expect(install?.with).toEqual({ "pulumi-version": "${{ inputs.pulumi-version }}" }); // no command: install only
        const link = action.runs.steps.find((s) => s.run?.includes("ln -sfn"));
        expect(link?.run).toContain('"$GITHUB_WORKSPACE/dropit-app" "$GITHUB_WORKSPACE/../dropit"');
    });

    it("uses exactly the secrets docs/ci.md documents", () => {
        expect(documentedSecrets(DOCS)).toEqual([
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "PULUMI_BACKEND_URL",
            "PULUMI_CONFIG_PASSPHRASE",
        ]);
        expect(secretNames(SOURCE)).toEqual(documentedSecrets(DOCS));
    });

    it("control: an undocumented secret in the workflow is caught", () => {
        const withExtra = SOURCE.replace("env:\n", "env:\n  SSH_PRIVATE_KEY: ${{ secrets.SSH_PRIVATE_KEY }}\n");
        expect(withExtra).not.toBe(SOURCE);
        expect(secretNames(withExtra)).not.toEqual(documentedSecrets(DOCS));
    });
    it("builds in the runner: before up, the image build cache comes back and the builder's registry starts on it, with the program's names", () => {
        const steps = workflow.jobs.deploy.steps;
        const cache = steps.findIndex((s) => s.uses === "actions/cache@v4");
        const start = steps.findIndex((s) => s.run === "bash builder/start-registry.sh");
        const up = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
        expect(cache).toBeGreaterThan(-1);
        expect(cache).toBeLessThan(start);
        expect(start).toBeLessThan(up);
        const dir = steps[cache].with?.path;
        expect(steps[start].env).toEqual({
            DROPIT_IMAGE_REGISTRY_DIR: dir,
            REGISTRY_PORT: "5555",
            REGISTRY_IMAGE: LOCAL_REGISTRY_IMAGE,
            REGISTRY_CONTAINER: LOCAL_REGISTRY_CONTAINER,
        });
        // The send script restarts the registry on the same storage if it has to.
        expect(steps[up].env).toEqual({ DROPIT_IMAGE_REGISTRY_DIR: dir });
        expect(fs.existsSync(path.join(ROOT, "builder/start-registry.sh"))).toBe(true);
    });
});
