// The package as users get it: `npm pack`, install the tarball into an empty project (offline:
// the package has no dependencies), import it by name and verify a file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixturesDir } from "../test-support/helpers.js";

const pkgDir = fileURLToPath(new URL("../", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

test("npm pack ships only the files list, and the installed tarball verifies", () => {
  const dir = mkdtempSync(join(tmpdir(), "sealkit-pack-"));
  try {
    const packed = JSON.parse(
      execFileSync(npm, ["pack", "--json", "--pack-destination", dir], { cwd: pkgDir, encoding: "utf8" }),
    );
    const files = packed[0].files.map((f) => f.path).sort();
    assert.deepEqual(files, [
      "README.md",
      "index.d.ts",
      "index.js",
      "package.json",
      "pkg/sealkit_wasm.js",
      "pkg/sealkit_wasm_bg.wasm",
    ]);
    const tarball = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith(".tgz")),
    );
    const app = join(dir, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    execFileSync(npm, ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], {
      cwd: app,
      encoding: "utf8",
    });
    writeFileSync(
      join(app, "main.js"),
      `import { createReadStream, readFileSync } from "node:fs";
import { init, verifyStream } from "sealkit";
await init();
const f = await verifyStream(createReadStream(process.argv[2]), readFileSync(process.argv[3]), { keys: [readFileSync(process.argv[4], "utf8")] });
console.log(f.subject, f.length);
`,
    );
    const out = execFileSync(
      process.execPath,
      [
        join(app, "main.js"),
        join(fixturesDir, "app.bin"),
        join(fixturesDir, "app.bin.sig"),
        join(fixturesDir, "release.pub"),
      ],
      { cwd: app, encoding: "utf8" },
    );
    assert.equal(out, `app.bin ${3 * 1024 * 1024 + 123}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
