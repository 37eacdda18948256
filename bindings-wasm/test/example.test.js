// The README's example is a file; run it, and check the README still shows it verbatim.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { fixturesDir } from "../test-support/helpers.js";

const example = fileURLToPath(new URL("../example/verify-file.js", import.meta.url));
const run = (file) =>
  spawnSync(
    process.execPath,
    [example, join(fixturesDir, file), join(fixturesDir, "app.bin.sig"), join(fixturesDir, "release.pub")],
    {
      encoding: "utf8",
    },
  );

test("example/verify-file.js accepts the signed file", () => {
  const r = run("app.bin");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^verified app\.bin version 42, key [0-9a-f]{16}\n$/);
});

test("example/verify-file.js rejects a tampered and a truncated file", () => {
  for (const [file, text] of [
    ["app-tampered.bin", "rejected: digest_mismatch (302)"],
    ["app-truncated.bin", "rejected: artifact_too_short (301)"],
  ]) {
    const r = run(file);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim(), text);
    assert.equal(r.stdout, "");
  }
});

test("README.md shows example/verify-file.js verbatim", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const code = readFileSync(example, "utf8");
  assert.ok(readme.includes("```js\n" + code + "```"), "README example differs from example/verify-file.js");
});
