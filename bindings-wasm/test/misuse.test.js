// Misuse: call order, wrong argument types, bad policy arguments, and the error objects.
import { test } from "node:test";
import assert from "node:assert/strict";
import { init, Verifier, TrustPolicy, PublicKey, SealkitError, verifyBytes } from "../index.js";
import { loadVectors, fromHex, artifactOf } from "../test-support/helpers.js";

const vectors = loadVectors();
const good = vectors.cases.find((c) => c.name === "ok_sha256");
const goodKey = good.public_keys[0].key;
const goodEnv = fromHex(good.envelope_hex);
const goodArtifact = artifactOf(good);
const isCode = (code, name) => (e) =>
  e instanceof SealkitError && e.code === code && (name === undefined || e.errorName === name);

test("using the API before init() is a clear error, not a crash", () => {
  assert.throws(() => new TrustPolicy(), /call `await init\(\)` first/);
  assert.throws(() => new Verifier(), /call `await init\(\)` first/);
  assert.throws(() => PublicKey.fromText(goodKey), /call `await init\(\)` first/);
});

test("init() is idempotent", async () => {
  await Promise.all([init(), init()]);
  await init();
});

test("update or finish on an empty verifier: not_started (401), sticky until abort", () => {
  const v = new Verifier();
  assert.equal(v.state, "empty");
  assert.equal(v.error, null);
  assert.equal(v.bytesReceived, null);
  assert.throws(() => v.update(new Uint8Array(3)), isCode(401, "not_started"));
  assert.equal(v.state, "failed");
  assert.ok(isCode(401)(v.error));
  assert.throws(() => v.finish(), isCode(401));
  // Still failed: start is refused with the sticky error.
  assert.throws(() => v.start(goodEnv, { keys: [goodKey] }), isCode(401));
  v.abort();
  assert.equal(v.state, "empty");
  assert.throws(() => v.finish(), isCode(401));
  v.abort();
  v.start(goodEnv, { keys: [goodKey] });
  assert.equal(v.state, "active");
  assert.equal(v.hashAlg, "sha256");
  assert.equal(v.signedLength, goodArtifact.length);
  v.update(goodArtifact.subarray(0, 5));
  assert.equal(v.bytesReceived, 5);
  v.update(goodArtifact.subarray(5));
  assert.equal(v.finish().digestHex, good.expected.verified.digest_hex);
});

test("starting an active verifier: already_started (402), and the verifier fails", () => {
  const v = new Verifier(goodEnv, { keys: [goodKey] });
  assert.throws(() => v.start(goodEnv, { keys: [goodKey] }), isCode(402, "already_started"));
  assert.equal(v.state, "failed");
  assert.throws(() => v.update(goodArtifact), isCode(402));
  assert.throws(() => v.finish(), isCode(402));
});

test("finishing twice or updating after finish: already_finished (400)", () => {
  const v = new Verifier(goodEnv, { keys: [goodKey] });
  v.update(goodArtifact);
  v.finish();
  assert.throws(() => v.finish(), isCode(400, "already_finished"));
  assert.throws(() => v.update(new Uint8Array(0)), isCode(400));
  assert.equal(v.state, "finished");
});

test("abort() discards a verification in progress; the verifier can start again", () => {
  const v = new Verifier(goodEnv, { keys: [goodKey] });
  v.update(goodArtifact.subarray(0, 10));
  v.abort();
  assert.equal(v.state, "empty");
  v.start(goodEnv, { keys: [goodKey] });
  v.update(goodArtifact);
  assert.equal(v.finish().length, goodArtifact.length);
});

test("chunks may be any ArrayBufferView or ArrayBuffer; anything else is a TypeError that changes nothing", () => {
  const v = new Verifier(goodEnv, { keys: [goodKey] });
  for (const bad of ["text", 42, null, undefined, [1, 2, 3], { length: 1 }]) {
    assert.throws(() => v.update(bad), TypeError);
  }
  assert.equal(v.state, "active");
  assert.equal(v.bytesReceived, 0);
  const a = goodArtifact;
  v.update(new DataView(a.buffer, a.byteOffset, 4));
  v.update(a.buffer.slice(a.byteOffset + 4, a.byteOffset + 10));
  v.update(Buffer.from(a.subarray(10)));
  assert.equal(v.finish().digestHex, good.expected.verified.digest_hex);
  assert.throws(() => new Verifier("not bytes", { keys: [goodKey] }), TypeError);
});

test("policy arguments map to the core's codes", () => {
  const raw = PublicKey.fromText(goodKey).bytes;
  assert.equal(raw.length, 32);
  assert.throws(() => new TrustPolicy().trustKey(raw.subarray(0, 31)), isCode(500, "invalid_public_key"));
  assert.throws(() => new TrustPolicy().trustKey("sealkit-ed25519:AAAA"), isCode(504, "bad_public_key_text"));
  assert.throws(() => new TrustPolicy().trustKey(raw).trustKey(goodKey), isCode(502, "duplicate_key"));
  assert.throws(() => new TrustPolicy().requireIdentity(""), isCode(507, "empty_argument"));
  assert.throws(() => new TrustPolicy().requireSubject("s".repeat(10000)), isCode(503, "argument_too_long"));
  // A lone surrogate has no UTF-8 form: argument_not_utf8, never a silent U+FFFD.
  assert.throws(() => new TrustPolicy().requireSubject("app\uD800.bin"), isCode(508, "argument_not_utf8"));
  assert.throws(() => new TrustPolicy().trustKey(raw, "\uDC00"), isCode(508));
  assert.throws(() => PublicKey.fromText("\uD800"), isCode(508));
  // Non-ASCII that is valid is kept exactly.
  new TrustPolicy().requireSubject("Grüße/日本.bin");
  for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, -1n, 1n << 64n, NaN]) {
    assert.throws(() => new TrustPolicy().requireMinVersion(bad), RangeError, String(bad));
  }
  assert.throws(() => new TrustPolicy().requireMinVersion("7"), TypeError);
  new TrustPolicy().requireMinVersion((1n << 64n) - 1n).requireMinVersion(0);
  assert.throws(() => new TrustPolicy().trustKey(42), TypeError);
  assert.throws(() => new TrustPolicy("keys"), TypeError);
  assert.throws(() => new TrustPolicy({ keys: goodKey }), TypeError);
  assert.throws(() => new TrustPolicy({ keys: 1 }), TypeError);
  assert.throws(() => new Verifier(goodEnv), TypeError);
  assert.throws(() => verifyBytes(goodArtifact, goodEnv, null), TypeError);
  // A small-order point (all zero bytes) is refused, also inside options.
  assert.throws(() => new TrustPolicy({ keys: [goodKey, { key: raw.slice().fill(0) }] }), isCode(500));
});

test("more than 8 keys: too_many_keys (501)", () => {
  const keys = vectors.cases.find((c) => c.name === "policy_too_many_keys").public_keys.map((k) => k.key);
  assert.equal(keys.length, 9);
  const p = new TrustPolicy();
  for (const k of keys.slice(0, 8)) p.trustKey(k);
  assert.equal(p.keyCount, 8);
  assert.throws(() => p.trustKey(keys[8]), isCode(501, "too_many_keys"));
});

test("the PublicKey constructor is not public", () => {
  assert.throws(() => new PublicKey(), TypeError);
});

test("SealkitError is a real Error with code, errorName, name and message from the core", () => {
  let err;
  try {
    verifyBytes(goodArtifact.subarray(1), goodEnv, { keys: [goodKey] });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof SealkitError);
  assert.ok(err instanceof Error);
  assert.equal(err.name, "SealkitError");
  assert.equal(err.code, 301);
  assert.equal(err.errorName, "artifact_too_short");
  assert.match(err.message, /artifact_too_short, code 301/);
  assert.match(String(err), /^SealkitError: /);
  assert.equal(typeof err.stack, "string");
  // Every code named in the vectors maps to the same name.
  for (const c of vectors.cases.filter((c) => c.expected.result === "error")) {
    assert.equal(new SealkitError(c.expected.code).errorName, c.expected.error);
  }
  assert.equal(new SealkitError(400).errorName, "already_finished");
  assert.equal(new SealkitError(9999).errorName, "unknown_error");
});

test("verified follows the verifier: a policy or type error before start leaves it pending", async () => {
  const v = new Verifier();
  const p = v.verified;
  assert.throws(() => v.start(goodEnv, { keys: ["sealkit-ed25519:AAAA"] }), isCode(504));
  assert.throws(() => v.start(goodEnv), TypeError);
  assert.equal(v.state, "empty");
  v.start(goodEnv, { keys: [goodKey] });
  v.update(goodArtifact);
  const facts = v.finish();
  assert.equal(await p, facts);
});
