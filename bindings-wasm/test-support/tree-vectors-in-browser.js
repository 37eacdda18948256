// The tree signature vectors inside a browser page (loaded by test-browser/chromium.test.js from
// the test server): every case in several chunkings through TreeVerifier, and once through
// verifyTree with the files as Blobs. Returns a report instead of asserting: the Node side
// checks it.
import { init, TreeVerifier, TrustPolicy, SealkitError, verifyTree } from "/sealkit/index.js";

const fromHex = (h) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const CHUNKINGS = [null, 1, 7, 64, 4096, "empties"];

function feed(v, data, chunk) {
  if (chunk === null) return v.update(data);
  const size = chunk === "empties" ? 13 : chunk;
  for (let i = 0; i < data.length; i += size) {
    v.update(data.subarray(i, i + size));
    if (chunk === "empties") v.update(new Uint8Array(0));
  }
}

// One run: a verdict string to compare with the expected one.
function run(c, chunk) {
  let v;
  try {
    v = new TreeVerifier(fromHex(c.sig), new TrustPolicy({ keys: c.keys }));
  } catch (e) {
    return e instanceof SealkitError ? `error ${e.errorName} ${e.code} open` : `exception ${e}`;
  }
  try {
    const paths = [];
    let err = null;
    try {
      for (let e = v.nextEntry(); e !== null; e = v.nextEntry()) {
        paths.push(e.path);
        if ((e.kind === "file") !== (c.files[e.path] !== undefined)) return `${e.path}: kind ${e.kind}`;
        if (e.kind === "file") feed(v, fromHex(c.files[e.path]), chunk);
      }
      const f = v.finish();
      return `ok ${JSON.stringify([paths, [...v.exclusions], f.subject, f.version])}`;
    } catch (e) {
      if (!(e instanceof SealkitError)) return `exception ${e}`;
      err = e;
    }
    for (const call of [() => v.nextEntry(), () => v.update(new Uint8Array(1)), () => v.finish()]) {
      try {
        call();
        return "not sticky: a call after the failure succeeded";
      } catch (e) {
        if (e.code !== err.code) return `not sticky: ${e.code} after ${err.code}`;
      }
    }
    return `error ${err.errorName} ${err.code} files`;
  } finally {
    v.free();
  }
}

function expectedOf(c) {
  const x = c.expect;
  if (x.error === undefined) return `ok ${JSON.stringify([x.entries, x.exclusions, x.subject, x.version])}`;
  return `error ${x.error} ${x.code} ${x.stage}`;
}

export async function runTreeVectors(file) {
  await init();
  const report = { version: file.version, total: 0, ran: 0, failures: [] };
  if (file.format !== "sealkit-tree-vectors" || file.version !== 1) {
    report.failures.push(`unsupported tree vector file version ${file.version}`);
    return report;
  }
  report.total = file.cases.length;
  for (const c of file.cases) {
    report.ran++;
    const want = expectedOf(c);
    for (const chunk of CHUNKINGS) {
      const got = run(c, chunk);
      if (got !== want) report.failures.push(`${c.name} (${chunk}): got ${got}, want ${want}`);
    }
    // verifyTree, files as Blobs (streamed through Blob.stream()).
    const files = new Map(Object.entries(c.files).map(([p, h]) => [p, new Blob([fromHex(h)])]));
    let got;
    try {
      const t = await verifyTree(fromHex(c.sig), { keys: c.keys }, files);
      got = `ok ${JSON.stringify([t.entries.map((e) => e.path), [...t.exclusions], t.verified.subject, t.verified.version])}`;
    } catch (e) {
      got =
        e instanceof SealkitError
          ? `error ${e.errorName} ${e.code} ${e.path === undefined ? "open" : "files"}`
          : `exception ${e}`;
    }
    if (got !== want) report.failures.push(`${c.name} (verifyTree): got ${got}, want ${want}`);
  }
  return report;
}
