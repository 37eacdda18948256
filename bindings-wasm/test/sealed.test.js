// Sealed streams: Unsealer in every chunking, unsealStream over a ReadableStream, an async
// iterable and bytes, and every rejection (appended bytes, a second stream, truncations, a
// tampered byte, wrong magic or version, a lying envelope length, a bad signature before any
// artifact byte). Streams are built from the fixtures' app.bin and app.bin.sig.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { init, Unsealer, TrustPolicy, SealkitError, sealedHeader, unsealStream } from "../index.js";
import { fixturesDir } from "../test-support/helpers.js";

const fx = (name) => join(fixturesDir, name);
let policy;
let app;
let sealed;

before(async () => {
  await init();
  policy = new TrustPolicy({ keys: [readFileSync(fx("release.pub"), "utf8")] });
  app = new Uint8Array(readFileSync(fx("app.bin")));
  const sig = new Uint8Array(readFileSync(fx("app.bin.sig")));
  sealed = concat(sealedHeader(sig.length), sig, app);
});

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function unsealChunked(stream, size) {
  const u = new Unsealer(policy);
  const out = new Uint8Array(stream.length);
  let n = 0;
  try {
    for (let i = 0; i < stream.length; i += size) {
      const p = u.update(stream.subarray(i, i + size));
      out.set(p, n);
      n += p.length;
    }
    const facts = u.finish();
    assert.equal(u.state, "finished");
    return { facts, out: out.subarray(0, n) };
  } finally {
    u.free();
  }
}

function rejects(stream, code, size = 65536) {
  const u = new Unsealer(policy);
  try {
    assert.throws(
      () => {
        for (let i = 0; i < stream.length; i += size) u.update(stream.subarray(i, i + size));
        u.finish();
      },
      (e) => e instanceof SealkitError && e.code === code,
    );
    assert.equal(u.state, "failed");
    assert.equal(u.error.code, code);
    assert.throws(
      () => u.update(new Uint8Array(0)),
      (e) => e.code === code,
    );
    assert.throws(
      () => u.finish(),
      (e) => e.code === code,
    );
  } finally {
    u.free();
  }
}

test("header", () => {
  const h = sealedHeader(0x123);
  assert.deepEqual([...h], [0x89, ...Buffer.from("SEALKIT"), 1, 1, 0x23]);
  assert.throws(
    () => sealedHeader(5000),
    (e) => e.code === 129,
  );
});

test("every chunking gives exactly the artifact", () => {
  for (const size of [7, 64, 4096, 300 * 1024, sealed.length]) {
    const { facts, out } = unsealChunked(sealed, size);
    assert.equal(facts.length, app.length);
    assert.ok(Buffer.from(out).equals(Buffer.from(app)), `size ${size}`);
  }
  const head = sealed.subarray(0, 5000);
  const u = new Unsealer(policy);
  for (let i = 0; i < head.length; i++) u.update(head.subarray(i, i + 1));
  assert.equal(u.state, "payload");
  u.free();
});

test("states and progress", () => {
  const u = new Unsealer(policy);
  assert.equal(u.state, "header");
  assert.equal(u.signedLength, null);
  assert.equal(u.update(sealed.subarray(0, 20)).length, 0);
  assert.equal(u.state, "envelope");
  const envEnd = sealed.length - app.length;
  const p = u.update(sealed.subarray(20, envEnd + 10));
  assert.deepEqual([...p], [...app.subarray(0, 10)]);
  assert.equal(u.state, "payload");
  assert.equal(u.signedLength, app.length);
  assert.equal(u.bytesReceived, 10);
  u.free();
});

test("rejections", () => {
  rejects(concat(sealed, new Uint8Array([0])), 300);
  rejects(concat(sealed, sealed.subarray(0, 100)), 300);
  rejects(sealed.subarray(0, sealed.length - 1), 301);
  rejects(sealed.subarray(0, 30), 142);
  rejects(new Uint8Array(0), 142);
  const t = sealed.slice();
  t[t.length - 100] ^= 1;
  rejects(t, 302);
  const m = sealed.slice();
  m[0] = 0x58;
  rejects(m, 140, 1);
  const v = sealed.slice();
  v[8] = 2;
  rejects(v, 141);
  const l = sealed.slice();
  l[10] += 1;
  rejects(l, 106);
  const big = sealed.slice();
  big[9] = 0xff;
  rejects(big, 129);
});

test("a bad signature fails before any artifact byte", () => {
  const s = sealed.slice();
  const envEnd = s.length - app.length;
  s[envEnd - 1] ^= 1;
  const u = new Unsealer(policy);
  assert.equal(u.update(s.subarray(0, envEnd - 1)).length, 0);
  assert.throws(
    () => u.update(s.subarray(envEnd - 1)),
    (e) => e.code === 203 && e.errorName === "bad_signature",
  );
  u.free();
});

test("unsealStream over a ReadableStream, an async iterable and bytes", async () => {
  const stream = new ReadableStream({
    start(c) {
      for (let i = 0; i < sealed.length; i += 10000) c.enqueue(sealed.slice(i, i + 10000));
      c.close();
    },
  });
  const parts = [];
  const facts = await unsealStream(stream, policy, async (b) => {
    parts.push(b.slice());
  });
  assert.equal(facts.length, app.length);
  assert.ok(Buffer.from(concat(...parts)).equals(Buffer.from(app)));
  async function* gen() {
    for (let i = 0; i < sealed.length; i += 777) yield sealed.subarray(i, i + 777);
  }
  let n = 0;
  assert.equal((await unsealStream(gen(), policy, (b) => (n += b.length))).length, app.length);
  assert.equal(n, app.length);
  n = 0;
  await unsealStream(sealed, policy, (b) => (n += b.length));
  assert.equal(n, app.length);
});

test("unsealStream rejects and cancels the source", async () => {
  let cancelled = null;
  const bad = concat(sealed, new Uint8Array([1, 2, 3]));
  const stream = new ReadableStream({
    pull(c) {
      c.enqueue(bad.slice());
    },
    cancel(reason) {
      cancelled = reason ?? true;
    },
  });
  await assert.rejects(
    unsealStream(stream, policy, () => {}),
    (e) => e instanceof SealkitError && e.code === 300,
  );
  assert.notEqual(cancelled, null);
  await assert.rejects(
    unsealStream([sealed.subarray(0, 100)], policy, () => {}),
    (e) => e.code === 142,
  );
  await assert.rejects(unsealStream([sealed], policy, "nope"), TypeError);
});
