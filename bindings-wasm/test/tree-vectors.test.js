// The tree signature vectors (tests/vectors/tree-vectors.json) through TreeVerifier, every case
// in several chunkings (whole files, 1, 7, 64, 4096 bytes, 13 with empty updates): entries in
// manifest order, exclusions, subject and version, or the error's code, name and stage, then
// stickiness; and every case once more through verifyTree with the files in a Map.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { init, TreeVerifier, TrustPolicy, SealkitError, verifyTree } from "../index.js";
import { fromHex } from "../test-support/helpers.js";

const path = fileURLToPath(new URL("../../tests/vectors/tree-vectors.json", import.meta.url));
const file = JSON.parse(readFileSync(path, "utf8"));
const CHUNKINGS = [null, 1, 7, 64, 4096, "empties"];

before(async () => {
  await init();
});

const policyOf = (c) => new TrustPolicy({ keys: c.keys });

/** One run: the entries and facts, or [error, stage]. */
function run(c, chunk) {
  let v;
  try {
    v = new TreeVerifier(fromHex(c.sig), policyOf(c));
  } catch (e) {
    return { error: e, stage: "open", v: null };
  }
  const entries = [];
  try {
    for (let e = v.nextEntry(); e !== null; e = v.nextEntry()) {
      entries.push(e);
      const hex = c.files[e.path];
      assert.equal(e.kind === "file", hex !== undefined, `${c.name}: ${e.path} has content iff it is a file`);
      if (e.kind !== "file") continue;
      const data = fromHex(hex);
      if (chunk === null) v.update(data);
      else if (chunk === "empties") {
        for (let i = 0; i < data.length; i += 13) {
          v.update(data.subarray(i, i + 13));
          v.update(new Uint8Array(0));
        }
      } else {
        for (let i = 0; i < data.length; i += chunk) v.update(data.subarray(i, i + chunk));
      }
    }
    return { facts: v.finish(), entries, exclusions: v.exclusions, v };
  } catch (e) {
    return { error: e, stage: "files", v };
  }
}

test("tree vector file is version 1", () => {
  assert.equal(file.format, "sealkit-tree-vectors");
  assert.equal(file.version, 1, `unsupported tree vector file version ${file.version}`);
  assert.ok(file.cases.length >= 20);
});

for (const c of file.cases) {
  test(`tree vector ${c.name}`, async () => {
    const x = c.expect;
    for (const chunk of CHUNKINGS) {
      const r = run(c, chunk);
      if (x.error !== undefined) {
        assert.ok(
          r.error instanceof SealkitError,
          `${c.name} (${chunk}): expected ${x.error}, got ${r.error ?? "success"}`,
        );
        assert.deepEqual(
          [r.error.code, r.error.errorName, r.stage],
          [x.code, x.error, x.stage],
          `${c.name} (${chunk})`,
        );
        if (r.v !== null) {
          assert.equal(r.v.state, "failed");
          assert.equal(r.v.error.code, x.code);
          for (const call of [() => r.v.nextEntry(), () => r.v.update(new Uint8Array(1)), () => r.v.finish()]) {
            assert.throws(call, (e) => e instanceof SealkitError && e.code === x.code, `${c.name}: sticky`);
          }
          r.v.free();
        }
        continue;
      }
      assert.equal(r.error, undefined, `${c.name} (${chunk}): ${r.error}`);
      assert.deepEqual(
        r.entries.map((e) => e.path),
        x.entries,
      );
      assert.deepEqual([...r.exclusions], x.exclusions);
      assert.equal(r.facts.subject, x.subject);
      assert.equal(r.facts.version, x.version);
      assert.equal(r.facts.mediaType, "application/vnd.sealkit.tree+cbor");
      assert.equal(r.v.state, "finished");
      assert.equal(r.v.entriesLeft, 0);
      assert.equal(r.v.entryCount, x.entries.length);
      for (const e of r.entries.filter((e) => e.kind === "file")) {
        assert.equal(e.size, c.files[e.path].length / 2);
        assert.equal(e.sha256Hex.length, 64);
      }
      r.v.free();
    }
    // The same case through verifyTree, files from a Map.
    const files = new Map(Object.entries(c.files).map(([p, h]) => [p, fromHex(h)]));
    try {
      const t = await verifyTree(fromHex(c.sig), { keys: c.keys }, files);
      assert.equal(x.error, undefined, `${c.name}: verifyTree accepted`);
      assert.deepEqual(
        t.entries.map((e) => e.path),
        x.entries,
      );
      assert.deepEqual([...t.exclusions], x.exclusions);
      assert.equal(t.verified.subject, x.subject);
    } catch (e) {
      assert.ok(e instanceof SealkitError, `${c.name}: verifyTree threw ${e}`);
      assert.deepEqual([e.code, e.errorName], [x.code, x.error], `${c.name}: verifyTree`);
      if (x.stage === "files")
        assert.deepEqual(
          [e.path],
          x.differences.map((d) => d[1]),
        );
    }
  });
}
