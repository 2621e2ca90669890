// Flat config: typescript-eslint's recommended rules plus the few pulumi-eks lints we hold to.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "bin/", "dist/", "agent/dist/", ".build/", "out/", "**/node_modules/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      eqeqeq: "error",
      curly: "error",
      "prefer-const": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // Plain JavaScript files are CommonJS scripts run by Node.
    files: ["**/*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        require: "readonly",
        module: "writable",
        process: "readonly",
        __dirname: "readonly",
        console: "readonly",
      },
    },
  },
  {
    // Product code never depends on the fakes and simulations that test it.
    // The offline plan (adapters/plan) is the one adapter that runs on the stand-ins: it answers the engine from
    // the sample account or the user's AWS CLI output.
    files: ["index.ts", "components/**/*.ts", "adapters/**/*.ts", "lambda/**/*.ts", "agent/**/*.ts"],
    ignores: ["adapters/plan/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/harness", "**/harness/**"], message: "harness/ is test-only" }] },
      ],
    },
  },
);
