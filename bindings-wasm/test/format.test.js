// The package's JavaScript, TypeScript and JSON, and the web and extension examples and the
// benchmark, are formatted with the pinned prettier (`prettier --check`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
export const FORMATTED = [
  "bindings-wasm/index.js",
  "bindings-wasm/index.d.ts",
  "bindings-wasm/package.json",
  "bindings-wasm/example",
  "bindings-wasm/test",
  "bindings-wasm/test-support",
  "bindings-wasm/test-browser",
  "examples/web",
  "examples/extension",
  "benches/wasm",
];

test("prettier --check", () => {
  const prettier = fileURLToPath(new URL("../node_modules/prettier/bin/prettier.cjs", import.meta.url));
  try {
    execFileSync(
      process.execPath,
      [
        prettier,
        "--check",
        "--config",
        "bindings-wasm/.prettierrc.json",
        "--ignore-path",
        "bindings-wasm/.prettierignore",
        ...FORMATTED,
      ],
      { cwd: root, encoding: "utf8", stdio: "pipe" },
    );
  } catch (e) {
    assert.fail(`prettier found unformatted files (run bindings-wasm/format.sh):\n${e.stdout}${e.stderr}`);
  }
});
