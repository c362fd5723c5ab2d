/** A Mermaid flowchart of the planned deployment, drawn from the registered graph. */
import type { PlannedResource } from "./harness";

const COMPONENT_PREFIX = "dropit:index:";

/** Components as boxes listing their resources; edges are dependencies between components. */
export function renderMermaid(resources: readonly PlannedResource[]): string {
    const components = resources.filter((resource) => resource.type.startsWith(COMPONENT_PREFIX));
    const componentOf = (urn: string | undefined): string | undefined => {
        let current = resources.find((resource) => resource.urn === urn);
        while (current && !current.type.startsWith(COMPONENT_PREFIX))
            current = resources.find((resource) => resource.urn === current?.parent);
        return current?.urn;
    };
    const id = (urn: string) => components.findIndex((component) => component.urn === urn);
    const lines = ["flowchart TD"];
    for (const component of components) {
        const children = resources.filter((resource) => resource.custom && resource.parent === component.urn);
        const label = [`<b>${component.type.slice(COMPONENT_PREFIX.length)}</b>`, ...children.map(describe)].join("<br/>");
        lines.push(`  c${id(component.urn)}["${label}"]`);
    }
    const edges = new Set<string>();
    for (const resource of resources) {
        const from = componentOf(resource.urn);
        // A provider reference is a dependency too: the provider must exist first.
        const provider = resource.provider?.split("::").slice(0, 4).join("::");
        for (const dependency of [...resource.dependencies, ...(provider ? [provider] : [])]) {
            const to = componentOf(dependency);
            if (from && to && from !== to) edges.add(`  c${id(to)} --> c${id(from)}`);
        }
    }
    lines.push(...[...edges].sort());
    return `${lines.join("\n")}\n`;
}

/** Type and logical name: stable across content changes (tags and config names carry hashes). */
function describe(resource: PlannedResource): string {
    const type = resource.type.split(":").pop() ?? resource.type;
    const kept = resource.protect || resource.retainOnDelete ? " (kept on destroy)" : "";
    return `${type} ${resource.name}${kept}`.replace(/"/g, "'");
}
