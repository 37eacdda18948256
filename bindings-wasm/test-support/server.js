// A small static server on 127.0.0.1 (random free port) for the browser tests:
//   /            examples/web/ (the PWA-style page)
//   /sealkit/    the package's shipped files (index.js, pkg/...)
//   /files/      the signed test artifacts (test/fixtures/)
//   /trusted-key.js  the test's release key, as the page's pinned trust anchor
//   /vectors.json, /test-support/vectors-in-browser.js  the conformance vectors in the browser
//   /tree-vectors.json, /test-support/tree-vectors-in-browser.js  the tree vectors in the browser
//   /trust-vectors.json, /test-support/trust-vectors-run.js  the trust vectors in the browser
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { join, normalize, extname, sep } from "node:path";
import { fileURLToPath } from "node:url";

const pkgDir = fileURLToPath(new URL("../", import.meta.url));
const webDir = fileURLToPath(new URL("../../examples/web/", import.meta.url));
const fixtures = fileURLToPath(new URL("../test/fixtures/", import.meta.url));

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".sig": "application/octet-stream",
  ".bin": "application/octet-stream",
};

const SHIPPED = new Set(["index.js", "pkg/sealkit_wasm.js", "pkg/sealkit_wasm_bg.wasm"]);

/** Serves until `close()`; returns `{ origin, close }`. */
export async function startServer() {
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
      let file;
      if (path === "/trusted-key.js") {
        const key = (await readFile(join(fixtures, "release.pub"), "utf8")).trim();
        const body = `// The release key this page trusts (pinned in the app; written by the test server).\nexport const TRUSTED_KEYS = [${JSON.stringify(key)}];\nexport const IDENTITY = "release@example.org";\n`;
        res.writeHead(200, { "content-type": TYPES[".js"], "cache-control": "no-store" });
        res.end(body);
        return;
      } else if (path.startsWith("/sealkit/")) {
        const rel = path.slice("/sealkit/".length);
        if (!SHIPPED.has(rel)) throw Object.assign(new Error("not shipped"), { status: 404 });
        file = join(pkgDir, rel);
      } else if (path === "/vectors.json") {
        file = join(pkgDir, "..", "tests", "vectors", "sealkit-vectors.json");
      } else if (path === "/test-support/vectors-in-browser.js") {
        file = join(pkgDir, "test-support", "vectors-in-browser.js");
      } else if (path === "/tree-vectors.json") {
        file = join(pkgDir, "..", "tests", "vectors", "tree-vectors.json");
      } else if (path === "/test-support/tree-vectors-in-browser.js") {
        file = join(pkgDir, "test-support", "tree-vectors-in-browser.js");
      } else if (path === "/trust-vectors.json") {
        file = join(pkgDir, "..", "tests", "vectors", "trust-vectors.json");
      } else if (path === "/test-support/trust-vectors-run.js") {
        file = join(pkgDir, "test-support", "trust-vectors-run.js");
      } else if (path.startsWith("/files/")) {
        file = safeJoin(fixtures, path.slice("/files/".length));
      } else {
        file = safeJoin(webDir, path === "/" ? "index.html" : path.slice(1));
      }
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
      });
      res.end(body);
    } catch (e) {
      res.writeHead(e.status ?? (e.code === "ENOENT" || e.code === "EISDIR" ? 404 : 500), {
        "content-type": "text/plain",
      });
      res.end(String(e.message));
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function safeJoin(dir, rel) {
  const p = normalize(join(dir, rel));
  if (!p.startsWith(dir.endsWith(sep) ? dir : dir + sep)) throw Object.assign(new Error("outside"), { status: 403 });
  return p;
}

// `node server.js` serves until interrupted (to look at the example page by hand).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { origin } = await startServer();
  console.log(`serving examples/web/ at ${origin}/`);
}
