// In Debian's Chromium, driven by playwright-core (no browser download): the PWA-style page of
// examples/web/ and the Manifest V3 extension of examples/extension/, against a local server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, cpSync, mkdirSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "../test-support/server.js";
import { fixturesDir } from "../test-support/helpers.js";

const pkgDir = fileURLToPath(new URL("../", import.meta.url));
const extSrc = fileURLToPath(new URL("../../examples/extension/", import.meta.url));
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let server;
let context;
let userDataDir;
let extDir;
let noCspDir;
let extensionId;
let noCspExtensionId;
const consoleErrors = [];

/** The extension as a user would get it: its files, the package in sealkit/, the pinned key. */
function assembleExtension({ withoutCsp = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "sealkit-ext-"));
  cpSync(extSrc, dir, { recursive: true });
  if (withoutCsp) {
    // The same extension with Manifest V3's default policy, which has no 'wasm-unsafe-eval'.
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    delete manifest.content_security_policy;
    manifest.name += " without wasm-unsafe-eval";
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
  }
  mkdirSync(join(dir, "sealkit", "pkg"), { recursive: true });
  for (const f of ["index.js", "pkg/sealkit_wasm.js", "pkg/sealkit_wasm_bg.wasm"]) {
    cpSync(join(pkgDir, f), join(dir, "sealkit", f));
  }
  const key = readFileSync(join(fixturesDir, "release.pub"), "utf8").trim();
  writeFileSync(
    join(dir, "trusted-key.js"),
    `export const TRUSTED_KEYS = [${JSON.stringify(key)}];\nexport const IDENTITY = "release@example.org";\n`,
  );
  return dir;
}

before(async () => {
  server = await startServer();
  extDir = assembleExtension();
  noCspDir = assembleExtension({ withoutCsp: true });
  userDataDir = mkdtempSync(join(tmpdir(), "sealkit-chromium-"));
  const executablePath = execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [...FLAGS, `--disable-extensions-except=${extDir},${noCspDir}`, `--load-extension=${extDir},${noCspDir}`],
    ignoreDefaultArgs: ["--disable-extensions"],
  });
  context.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
});

after(async () => {
  await context?.close();
  await server?.close();
  for (const d of [userDataDir, extDir, noCspDir]) if (d) rmSync(d, { recursive: true, force: true });
});

async function statusOf(url) {
  const page = await context.newPage();
  try {
    page.on("pageerror", (e) => consoleErrors.push(String(e)));
    await page.goto(url);
    const status = page.locator("#status:not([data-result='pending'])[data-result]");
    await status.waitFor({ timeout: 30000 });
    const text = await status.textContent();
    const facts = await page.locator("#facts").textContent();
    return { text, facts: facts ? JSON.parse(facts) : null, page };
  } catch (e) {
    await page.close();
    throw new Error(`${url}: ${e.message}\nconsole errors: ${consoleErrors.join("\n")}`);
  }
}

const CASES = [
  ["app.bin", "verified"],
  ["app-tampered.bin", "rejected: digest_mismatch (302)"],
  ["app-truncated.bin", "rejected: artifact_too_short (301)"],
  ["app-extended.bin", "rejected: artifact_too_long (300)"],
];

for (const [file, expected] of CASES) {
  test(`web page: ${file} -> ${expected}`, async () => {
    const { text, facts, page } = await statusOf(`${server.origin}/?artifact=files/${file}&sig=files/app.bin.sig`);
    try {
      assert.equal(text, expected);
      if (expected === "verified") {
        assert.equal(facts.subject, "app.bin");
        assert.equal(facts.identity, "release@example.org");
        assert.equal(facts.version, 42);
        assert.equal(facts.length, 3 * 1024 * 1024 + 123);
      } else {
        assert.equal(facts, null);
      }
    } finally {
      await page.close();
    }
  });
}

test("web page: a signature by an untrusted key is rejected before the download", async () => {
  const { text, page } = await statusOf(`${server.origin}/?artifact=files/app.bin&sig=files/foreign.sig`);
  await page.close();
  assert.equal(text, "rejected: untrusted_key (202)");
});

test("web page: the service worker (offline shell) registers", async () => {
  const page = await context.newPage();
  try {
    await page.goto(`${server.origin}/`);
    await page.locator("#sw", { hasText: "ready" }).waitFor({ timeout: 30000 });
  } finally {
    await page.close();
  }
});

test("web page: the whole conformance vector file in Chromium", async () => {
  const page = await context.newPage();
  try {
    await page.goto(`${server.origin}/?artifact=files/app.bin`);
    const report = await page.evaluate(async () => {
      const { runVectors } = await import("/test-support/vectors-in-browser.js");
      return runVectors(await (await fetch("/vectors.json")).json());
    });
    assert.equal(report.version, 2);
    assert.deepEqual(report.failures, []);
    assert.equal(report.ran, report.total);
    assert.ok(report.total > 80);
  } finally {
    await page.close();
  }
});

test("web page: the whole tree vector file in Chromium (TreeVerifier and verifyTree)", async () => {
  const page = await context.newPage();
  try {
    await page.goto(`${server.origin}/?artifact=files/app.bin`);
    const report = await page.evaluate(async () => {
      const { runTreeVectors } = await import("/test-support/tree-vectors-in-browser.js");
      return runTreeVectors(await (await fetch("/tree-vectors.json")).json());
    });
    assert.equal(report.version, 1);
    assert.deepEqual(report.failures, []);
    assert.equal(report.ran, report.total);
    assert.ok(report.total >= 20);
  } finally {
    await page.close();
  }
});

test("web page: the whole trust vector file in Chromium (compiled policies, chains, sets, rotation, receipts)", async () => {
  const page = await context.newPage();
  try {
    await page.goto(`${server.origin}/?artifact=files/app.bin`);
    const report = await page.evaluate(async () => {
      const sealkit = await import("/sealkit/index.js");
      await sealkit.init();
      const { runTrustVectors } = await import("/test-support/trust-vectors-run.js");
      return runTrustVectors(sealkit, await (await fetch("/trust-vectors.json")).json());
    });
    assert.equal(report.version, 2);
    assert.deepEqual(report.failures, []);
    assert.equal(report.ran, report.total);
    assert.ok(report.total >= 53);
    assert.ok(report.runs >= 5 * report.total);
  } finally {
    await page.close();
  }
});

test("web page: verifyTree on a folder picked with <input webkitdirectory>, then one file tampered", async () => {
  const page = await context.newPage();
  try {
    await page.goto(`${server.origin}/?artifact=files/app.bin`);
    await page.evaluate(() => {
      const input = document.createElement("input");
      input.type = "file";
      input.id = "tree-picker";
      input.webkitdirectory = true;
      document.body.append(input);
    });
    await page.setInputFiles("#tree-picker", join(fixturesDir, "tree"));
    const results = await page.evaluate(async () => {
      const { init, verifyTree, SealkitError } = await import("/sealkit/index.js");
      const { TRUSTED_KEYS } = await import("/trusted-key.js");
      await init();
      const sig = new Uint8Array(await (await fetch("/files/tree.sig")).arrayBuffer());
      const picked = document.querySelector("#tree-picker").files;
      const out = [`picked ${picked.length} ${[...picked].map((f) => f.webkitRelativePath).sort()[0]}`];
      const t = await verifyTree(sig, { keys: TRUSTED_KEYS }, picked);
      out.push(`verified ${t.verified.subject} v${t.verified.version} ${t.entries.length} entries`);
      // The same folder with one byte of data/big.bin changed.
      const files = new Map([...picked].map((f) => [f.webkitRelativePath.split("/").slice(1).join("/"), f]));
      const big = new Uint8Array(await files.get("data/big.bin").arrayBuffer());
      big[123456] ^= 1;
      files.set("data/big.bin", new Blob([big]));
      try {
        await verifyTree(sig, { keys: TRUSTED_KEYS }, files);
        out.push("tampered folder verified");
      } catch (e) {
        out.push(`${e instanceof SealkitError} ${e.errorName} ${e.code} ${e.path}`);
      }
      return out;
    });
    assert.deepEqual(results, [
      "picked 6 tree/README.txt",
      "verified tree v5 9 entries",
      "true tree_file_digest_mismatch 312 data/big.bin",
    ]);
  } finally {
    await page.close();
  }
});

test("web page: pipeTo(verifier.writable) in Chromium, for a good and a tampered download", async () => {
  const page = await context.newPage();
  try {
    await page.goto(`${server.origin}/?artifact=files/app.bin`);
    const results = await page.evaluate(async () => {
      const { init, Verifier, SealkitError } = await import("/sealkit/index.js");
      const { TRUSTED_KEYS } = await import("/trusted-key.js");
      await init();
      const envelope = new Uint8Array(await (await fetch("/files/app.bin.sig")).arrayBuffer());
      const out = [];
      for (const file of ["app.bin", "app-tampered.bin"]) {
        const v = new Verifier(envelope, { keys: TRUSTED_KEYS });
        try {
          await (await fetch(`/files/${file}`)).body.pipeTo(v.writable);
          const facts = await v.verified;
          out.push(`verified ${facts.subject} ${facts.length} ${v.finish() === facts}`);
        } catch (e) {
          out.push(`${e instanceof SealkitError} ${e.errorName} ${e.code} ${v.state}`);
        }
      }
      return out;
    });
    assert.deepEqual(results, [`verified app.bin ${3 * 1024 * 1024 + 123} true`, "true digest_mismatch 302 failed"]);
  } finally {
    await page.close();
  }
});

test("extension: both variants load (Manifest V3 service workers)", async () => {
  const workers = () => context.serviceWorkers().filter((w) => w.url().startsWith("chrome-extension://"));
  while (workers().length < 2) await context.waitForEvent("serviceworker", { timeout: 30000 });
  for (const sw of workers()) {
    const name = await sw.evaluate(() => chrome.runtime.getManifest().name);
    const id = new URL(sw.url()).host;
    assert.match(id, /^[a-p]{32}$/);
    if (name.endsWith("without wasm-unsafe-eval")) noCspExtensionId = id;
    else extensionId = id;
  }
  assert.ok(extensionId && noCspExtensionId);
});

test("extension: without 'wasm-unsafe-eval' in its CSP, the WebAssembly module cannot compile", async () => {
  assert.ok(noCspExtensionId, "extension not loaded");
  const a = encodeURIComponent(`${server.origin}/files/app.bin`);
  const { text, page } = await statusOf(`chrome-extension://${noCspExtensionId}/verify.html?artifact=${a}`);
  await page.close();
  assert.match(text, /^error: WebAssembly\..*Content Security Polic/);
});

for (const [file, expected] of CASES) {
  test(`extension: ${file} -> ${expected}`, async () => {
    assert.ok(extensionId, "extension not loaded");
    const a = encodeURIComponent(`${server.origin}/files/${file}`);
    const s = encodeURIComponent(`${server.origin}/files/app.bin.sig`);
    const { text, facts, page } = await statusOf(
      `chrome-extension://${extensionId}/verify.html?artifact=${a}&sig=${s}`,
    );
    await page.close();
    assert.equal(text, expected);
    if (expected === "verified") assert.equal(facts.subject, "app.bin");
  });
}
