/**
 * A stack without `dropit:nodes` must plan exactly as it did before nodes existed: same
 * resources, same inputs, same dependencies and options, same outputs. The snapshot beside this
 * file was taken from the program before multi-node support was added; `jest -u` rewrites it,
 * which a reviewer then sees as a diff of the one-node deployment.
 *
 * Content-derived values that do not depend on this program (the app checkout's image tag) are
 * kept: the fixture checkout is part of the repository.
 */
import { isSecretValue } from "../../scripts/plan/harness";
import { fullStack, planStack } from "../support/plan";

/** Secret values are compared too, marked as secrets: a value that stopped being secret is a change. */
function comparable(value: unknown): unknown {
    if (isSecretValue(value)) return { secret: comparable(value.value) };
    if (Array.isArray(value)) return value.map(comparable);
    if (typeof value === "object" && value !== null)
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, comparable(inner)]));
    return value;
}

test("the full one-node stack registers the same resources with the same inputs", async () => {
    const plan = await planStack(fullStack());
    const resources = plan.resources.map((resource) => ({
        type: resource.type,
        name: resource.name,
        parent: resource.parent,
        inputs: comparable(resource.inputs),
        dependencies: resource.dependencies,
        protect: resource.protect,
        retainOnDelete: resource.retainOnDelete,
        deleteBeforeReplace: resource.deleteBeforeReplace,
        ignoreChanges: resource.ignoreChanges,
        provider: resource.provider,
        aliases: resource.aliases,
    }));
    expect({ resources, outputs: comparable(plan.outputs) }).toMatchSnapshot();
});
