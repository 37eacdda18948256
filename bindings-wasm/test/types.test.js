// The shipped TypeScript types compile against a usage file (and reject misuse).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const pkg = fileURLToPath(new URL("../", import.meta.url));

test("tsc --noEmit accepts index.d.ts and test/types/usage.ts", () => {
  const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
  let out = "";
  try {
    out = execFileSync(process.execPath, [tsc, "-p", "test/tsconfig.json"], { cwd: pkg, encoding: "utf8" });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
  assert.equal(out.trim(), "");
});
