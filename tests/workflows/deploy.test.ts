/**
 * .github/workflows/deploy.yml: valid for GitHub (schema and expression checks by
 * @action-validator/core, offline WASM), and shaped as promised: preview on pull requests, up
 * then the smoke check on main, scheduled drift check; secrets only through env.
 */
import { validateWorkflow } from "@action-validator/core";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

const ROOT = path.join(__dirname, "../..");
const SOURCE = fs.readFileSync(path.join(ROOT, ".github/workflows/deploy.yml"), "utf8");

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

const workflow = parse(SOURCE) as Workflow;
const pulumiStep = (job: Job) => job.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));

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
        for (const job of Object.values(workflow.jobs)) {
            for (const step of job.steps) {
                expect(step.run ?? "").not.toContain("secrets.");
                expect(step.run ?? "").not.toMatch(/ssh-add\s+\S*KEY/); // the key goes to ssh-add on stdin
            }
        }
        expect(workflow.env.PULUMI_CONFIG_PASSPHRASE).toBe("${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
    });
});
