// ESLint flat config: typescript-eslint's recommended rules, type-aware where they catch real
// mistakes in a Pulumi program (unawaited promises, Outputs interpolated into strings).
const js = require("@eslint/js");
const tseslint = require("typescript-eslint");
const pulumi = require("@pulumi/eslint-plugin");

module.exports = tseslint.config(
    { ignores: ["node_modules/", "tests/fixtures/", "tests/engine/app/", ".tmp/", "out/", "tests/engine/dns-project/node_modules/"] },
    js.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: {
            parserOptions: { projectService: { allowDefaultProject: ["*.js", "scripts/*.js"] }, tsconfigRootDir: __dirname },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            // tsc's noUnusedLocals/Parameters convention: a leading `_` marks a deliberate leftover.
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", ignoreRestSiblings: true },
            ],
        },
    },
    {
        // Jest's asymmetric matchers (expect.any, expect.stringMatching) are typed `any` by @types/jest.
        files: ["tests/**/*.ts"],
        rules: { "@typescript-eslint/no-unsafe-assignment": "off" },
    },
    {
        files: ["**/*.js"],
        ...tseslint.configs.disableTypeChecked,
        languageOptions: {
            sourceType: "commonjs",
            globals: { require: "readonly", module: "writable", __dirname: "readonly", process: "readonly", console: "readonly" },
        },
        rules: { ...tseslint.configs.disableTypeChecked.rules, "@typescript-eslint/no-require-imports": "off" },
    },
);
