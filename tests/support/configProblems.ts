/** The problems `parseConfig` reports for a raw configuration (none: []), for tests of the refusals. */
import { ConfigError, parseConfig } from "../../config/load";

export function configProblems(raw: Record<string, string>, stack = "dev"): string[] {
    try {
        parseConfig(raw, stack);
    } catch (error) {
        if (error instanceof ConfigError) return [...error.problems];
        throw error;
    }
    return [];
}
