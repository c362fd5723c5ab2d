/** Three projects: `unit` (default, fast: mock runtime and real loopback servers),
 *  `e2e` (a simulated VPS in Docker) and `engine` (the real Pulumi CLI); both bounded, run by
 *  `npm run test:all`. */
const base = {
    preset: "ts-jest",
    testEnvironment: "node",
    // Type errors are `npm run lint`'s job; tests only transpile (isolatedModules in tsconfig).
    transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
    // The engine suite writes an app checkout there; its package.json files are not modules of ours.
    modulePathIgnorePatterns: ["<rootDir>/.tmp/"],
};
module.exports = {
    projects: [
        {
            ...base,
            displayName: "unit",
            testMatch: ["<rootDir>/tests/**/*.test.ts"],
            testPathIgnorePatterns: ["/tests/e2e/", "/tests/engine/"],
        },
        { ...base, displayName: "e2e", testMatch: ["<rootDir>/tests/e2e/**/*.test.ts"] },
        { ...base, displayName: "engine", testMatch: ["<rootDir>/tests/engine/**/*.test.ts"] },
    ],
};
