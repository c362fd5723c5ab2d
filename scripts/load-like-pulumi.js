#!/usr/bin/env node
/**
 * `node scripts/load-like-pulumi.js <entry.ts> [args...]` runs a TypeScript entry point the way
 * Pulumi's Node.js language host loads a program: CommonJS through the ts-node and TypeScript
 * that @pulumi/pulumi picks (its vendored ts-node 7.0.1 and the project's TypeScript).
 *
 * Why it matters: dynamic providers are stored in the state as code made by closure
 * serialization, and what that captures depends on how modules were loaded. A plan loaded by
 * another loader (tsx, ESM) would show a different `__provider` than `pulumi up` stores.
 * Type-checking is `npm run lint`'s job, so this only transpiles (same emitted code).
 */
"use strict";
const path = require("path");
const { typeScriptRequireStrings } = require("@pulumi/pulumi/tsutils");

const [entry] = process.argv.splice(2, 1);
if (!entry) {
    console.error("usage: node scripts/load-like-pulumi.js <entry.ts> [args...]");
    process.exit(2);
}
const { tsnodeRequire, typescriptRequire } = typeScriptRequireStrings();
require(tsnodeRequire).register({
    compiler: typescriptRequire,
    transpileOnly: true,
    project: path.join(__dirname, "..", "tsconfig.json"),
});
process.argv[1] = path.resolve(entry);
require(process.argv[1]);
