// TreeVerifier and verifyTree on a folder signed by the CLI (test/fixtures/tree, "*.log"
// excluded), and every misuse: calls before start, start twice, update before nextEntry or on
// a directory, files longer or shorter than signed, nextEntry before a file is complete,
// finish with entries left, calls after a failure or after finish, abort and reuse.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, createReadStream } from "node:fs";
import { join } from "node:path";
import { init, TreeVerifier, TreeFilesError, SealkitError, TrustPolicy, verifyTree } from "../index.js";
import { fixturesDir } from "../test-support/helpers.js";

const treeDir = join(fixturesDir, "tree");
const FILES = ["README.txt", "bin/tool", "data/big.bin", "data/empty.bin", "docs/\u00fcber n\u00e4me.txt"];
let sig;
let keys;

before(async () => {
  await init();
  sig = new Uint8Array(readFileSync(join(fixturesDir, "tree.sig")));
  keys = [readFileSync(join(fixturesDir, "release.pub"), "utf8").trim()];
});

const read = (p) => new Uint8Array(readFileSync(join(treeDir, p)));
const filesMap = () => new Map(FILES.map((p) => [p, read(p)]));
const code = (c) => (e) => e instanceof SealkitError && e.code === c;

/** Feeds every remaining entry from disk; returns finish's facts. */
function complete(v) {
  for (let e = v.nextEntry(); e !== null; e = v.nextEntry()) if (e.kind === "file") v.update(read(e.path));
  return v.finish();
}

/** Moves to the next file of at least `min` bytes (feeding the files before it). */
function nextFile(v, min) {
  for (let e = v.nextEntry(); e !== null; e = v.nextEntry()) {
    if (e.kind !== "file") continue;
    if (e.size >= min) return e;
    v.update(read(e.path));
  }
  return null;
}

function assertFailedWith(v, c) {
  assert.equal(v.state, "failed");
  assert.equal(v.error.code, c);
  assert.throws(() => v.nextEntry(), code(c));
  assert.throws(() => v.update(new Uint8Array(1)), code(c));
  assert.throws(() => v.finish(), code(c));
  assert.throws(() => v.start(sig, { keys }), code(c));
}

test("a folder signed by the CLI: entries, exclusions, facts", () => {
  const v = new TreeVerifier(sig, { keys, identity: "release@example.org", minVersion: 5 });
  assert.equal(v.state, "active");
  assert.deepEqual([...v.exclusions], ["*.log"]);
  const entries = [];
  for (let e = v.nextEntry(); e !== null; e = v.nextEntry()) {
    entries.push(e);
    if (e.kind === "file") {
      assert.equal(v.fileBytesLeft, e.size);
      v.update(read(e.path));
      assert.equal(v.fileBytesLeft, 0);
    } else {
      assert.equal(v.fileBytesLeft, null);
    }
  }
  assert.deepEqual(
    entries.map((e) => `${e.kind} ${e.path}`),
    [
      "file README.txt",
      "directory bin",
      "file bin/tool",
      "directory data",
      "file data/big.bin",
      "file data/empty.bin",
      "directory docs",
      "file docs/\u00fcber n\u00e4me.txt",
      "directory logs",
    ],
  );
  const tool = entries[2];
  assert.equal(tool.executable, true);
  assert.equal(entries[0].executable, false);
  assert.equal(entries[4].size, 5 * 1024 * 1024 + 7);
  assert.equal(tool.sha256.length, 32);
  assert.ok(Object.isFrozen(tool));
  assert.equal(v.entryCount, 9);
  assert.equal(v.entriesLeft, 0);
  const f = v.finish();
  assert.equal(v.state, "finished");
  assert.deepEqual(
    [f.subject, f.identity, f.version, f.mediaType],
    ["tree", "release@example.org", 5, "application/vnd.sealkit.tree+cbor"],
  );
  assert.throws(() => v.finish(), code(400));
  assert.throws(() => v.nextEntry(), code(400));
  v.free();
});

test("the verifier owns its manifest: the caller's buffer may change after start", () => {
  const copy = sig.slice();
  const v = new TreeVerifier(copy, { keys });
  copy.fill(0);
  assert.equal(complete(v).subject, "tree");
  v.free();
});

test("verifyTree: from disk (Node streams), a Map of bytes, of Blobs, an object, a function of ReadableStreams", async () => {
  const sources = [
    (e) => createReadStream(join(treeDir, e.path), { highWaterMark: 4096 }),
    filesMap(),
    new Map(FILES.map((p) => [p, new Blob([read(p)])])),
    Object.fromEntries(FILES.map((p) => [p, read(p)])),
    async (e) => new Blob([read(e.path)]).stream(),
  ];
  for (const files of sources) {
    const t = await verifyTree(sig, { keys }, files);
    assert.equal(t.verified.subject, "tree");
    assert.equal(t.entries.length, 9);
    assert.deepEqual([...t.exclusions], ["*.log"]);
  }
});

test("verifyTree: excluded files given anyway are ignored, others are refused", async () => {
  const files = filesMap();
  files.set("logs/debug.log", read("logs/debug.log"));
  files.set("deep/er/x.log", new Uint8Array(3));
  assert.equal((await verifyTree(sig, { keys }, files)).verified.version, 5);
  files.set("extra.txt", new Uint8Array(1));
  files.set("bin/tool2", new Uint8Array(1));
  await assert.rejects(verifyTree(sig, { keys }, files), (e) => {
    assert.ok(e instanceof TreeFilesError);
    assert.deepEqual([...e.unexpected].sort(), ["bin/tool2", "extra.txt"]);
    assert.deepEqual([...e.missing], []);
    return true;
  });
});

test("verifyTree: a missing file, a changed byte, an appended byte, a truncated file", async () => {
  let files = filesMap();
  files.delete("data/empty.bin");
  await assert.rejects(
    verifyTree(sig, { keys }, files),
    (e) => e instanceof TreeFilesError && e.missing[0] === "data/empty.bin",
  );
  const flip = (i) => (b) => {
    b[i] ^= 1;
    return b;
  };
  const cases = [
    ["data/big.bin", flip(4_000_000), 312],
    ["bin/tool", (b) => Uint8Array.from([...b, 0]), 310],
    ["README.txt", (b) => b.subarray(0, b.length - 1), 311],
    ["docs/\u00fcber n\u00e4me.txt", flip(0), 312],
  ];
  for (const [path, change, c] of cases) {
    files = filesMap();
    files.set(path, change(files.get(path)));
    await assert.rejects(verifyTree(sig, { keys }, files), (e) => {
      assert.ok(e instanceof SealkitError, String(e));
      assert.deepEqual([e.code, e.path], [c, path]);
      return true;
    });
  }
});

test("verifyTree: a refused signature rejects before any file is asked for", async () => {
  let asked = 0;
  const files = () => {
    asked++;
    return new Uint8Array(0);
  };
  const foreign = readFileSync(join(fixturesDir, "foreign.pub"), "utf8").trim();
  await assert.rejects(verifyTree(sig, { keys: [foreign] }, files), code(202));
  await assert.rejects(verifyTree(sig.subarray(1), { keys }, files), code(150));
  await assert.rejects(verifyTree(sig, { keys, minVersion: 6 }, files), code(206));
  // A file's .sig is not a tree signature.
  await assert.rejects(verifyTree(readFileSync(join(fixturesDir, "app.bin.sig")), { keys }, files), code(150));
  assert.equal(asked, 0);
  await assert.rejects(verifyTree(sig, { keys }, 42), TypeError);
});

test("misuse: calls on an empty verifier fail it with not_started (401), until abort", () => {
  const v = new TreeVerifier();
  assert.equal(v.state, "empty");
  assert.equal(v.entryCount, null);
  assert.deepEqual([...v.exclusions], []);
  for (const call of [() => v.update(new Uint8Array(1)), () => v.nextEntry(), () => v.finish()]) {
    assert.throws(call, code(401));
    assertFailedWith(v, 401);
    v.abort();
    assert.equal(v.state, "empty");
  }
  v.start(sig, { keys });
  assert.equal(complete(v).subject, "tree");
  v.free();
});

test("misuse: start twice is already_started (402); abort and reuse", () => {
  const v = new TreeVerifier(sig, new TrustPolicy({ keys }));
  assert.throws(() => v.start(sig, { keys }), code(402));
  assertFailedWith(v, 402);
  v.abort();
  v.start(sig, { keys });
  complete(v);
  v.abort();
  v.start(sig, { keys });
  assert.equal(complete(v).version, 5);
  v.free();
});

test("misuse: update before nextEntry, or on a directory, is no_tree_file_open (314)", () => {
  let v = new TreeVerifier(sig, { keys });
  assert.throws(() => v.update(new Uint8Array(0)), code(314));
  assertFailedWith(v, 314);
  v.free();
  v = new TreeVerifier(sig, { keys });
  let e;
  do {
    e = v.nextEntry();
    if (e.kind === "file") v.update(read(e.path));
  } while (e.kind !== "directory");
  assert.throws(() => v.update(new Uint8Array(1)), code(314));
  assertFailedWith(v, 314);
  v.free();
});

test("misuse: a file longer than signed fails at the update that brings the extra byte (310)", () => {
  const v = new TreeVerifier(sig, { keys });
  const e = nextFile(v, 1_000_000);
  const data = read(e.path);
  v.update(data.subarray(0, 1_000_000)); // larger than one slice: passed in pieces
  v.update(data.subarray(1_000_000));
  assert.throws(() => v.update(new Uint8Array(1)), code(310));
  assertFailedWith(v, 310);
  v.free();
});

test("misuse: nextEntry or finish before a file is complete is tree_file_too_short (311)", () => {
  for (const end of [(v) => v.nextEntry(), (v) => v.finish()]) {
    const v = new TreeVerifier(sig, { keys });
    const e = nextFile(v, 2);
    v.update(read(e.path).subarray(1));
    assert.throws(() => end(v), code(311));
    assertFailedWith(v, 311);
    v.free();
  }
});

test("misuse: finish with entries left is tree_entries_remaining (313)", () => {
  const v = new TreeVerifier(sig, { keys });
  assert.throws(() => v.finish(), code(313));
  assertFailedWith(v, 313);
  v.free();
});

test("misuse: a refused start fails the verifier; a bad policy or argument does not touch it", () => {
  const v = new TreeVerifier();
  assert.throws(() => v.start(sig, { keys: ["sealkit-ed25519:nope"] }), code(504));
  assert.equal(v.state, "empty");
  assert.throws(() => v.start("not bytes", { keys }), TypeError);
  assert.equal(v.state, "empty");
  assert.throws(() => v.start(new Uint8Array(0), { keys }), code(150));
  assertFailedWith(v, 150);
  v.abort();
  assert.throws(() => v.start(sig, new TrustPolicy()), code(202));
  assertFailedWith(v, 202);
  v.free();
  assert.throws(() => new TreeVerifier(sig), TypeError);
});
