// The shared conformance vectors (tests/vectors/sealkit-vectors.json) through the JS API.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { init, Verifier, TrustPolicy, PublicKey, SealkitError, verifyBytes, verifyStream } from "../index.js";
import { loadVectors, artifactOf, fromHex, chunks } from "../test-support/helpers.js";

const vectors = loadVectors();
// Chunk sizes fed on top of the single update; size 1 is skipped above 4096 bytes (the vectors'
// README allows it: the 1 MiB cases are streamed in the other sizes).
const CHUNKINGS = [
  { size: 1, empties: false },
  { size: 7, empties: false },
  { size: 64, empties: false },
  { size: 4096, empties: false },
  { size: 64, empties: true },
];

before(async () => {
  await init();
});

test("vector file is schema version 2 and non-empty", () => {
  assert.equal(vectors.format, "sealkit-vectors");
  // Any other version must stop this harness rather than run cases it does not understand.
  assert.equal(vectors.version, 2, `unsupported vector file version ${vectors.version}`);
  assert.ok(vectors.cases.length > 0);
  assert.ok(vectors.public_key_text.length > 0);
});

function policyOf(c) {
  const p = new TrustPolicy();
  for (const k of c.public_keys) p.trustKey(k.key, k.identity);
  if (c.policy.identity !== null) p.requireIdentity(c.policy.identity);
  if (c.policy.subject !== null) p.requireSubject(c.policy.subject);
  if (c.policy.min_version !== null) p.requireMinVersion(c.policy.min_version);
  return p;
}

function expectError(c, e, stage, where) {
  const x = c.expected;
  assert.ok(e instanceof SealkitError, `${c.name} ${where}: expected SealkitError, got ${e}`);
  assert.ok(e instanceof Error);
  assert.equal(x.stage, stage, `${c.name} ${where}: failed at stage ${stage}, expected ${x.stage} (${e.message})`);
  assert.equal(e.code, x.code, `${c.name} ${where}: code`);
  assert.equal(e.errorName, x.error, `${c.name} ${where}: name`);
}

const FACT_FIELDS = {
  key_id: "keyId",
  alg: "alg",
  identity: "identity",
  subject: "subject",
  content_format: "contentFormat",
  media_type: "mediaType",
  issued_at: "issuedAt",
  version: "version",
  length: "length",
  hash_alg: "hashAlg",
  digest_hex: "digestHex",
};

function expectFacts(c, facts, where) {
  const want = c.expected.verified;
  assert.deepEqual(Object.keys(want).sort(), Object.keys(FACT_FIELDS).sort(), `${c.name}: unknown fact fields`);
  for (const [k, js] of Object.entries(FACT_FIELDS)) {
    assert.deepEqual(facts[js], want[k], `${c.name} ${where}: fact ${k}`);
  }
  assert.equal(Buffer.from(facts.digest).toString("hex"), want.digest_hex);
}

// Feeds `parts` and finishes; returns facts, or throws with the stage recorded on the error.
function run(c, policy, parts, where) {
  let v;
  try {
    v = new Verifier(fromHex(c.envelope_hex), policy);
  } catch (e) {
    expectError(c, e, "new", where);
    return null;
  }
  try {
    let failed = null;
    for (const part of parts) {
      try {
        v.update(part);
      } catch (e) {
        expectError(c, e, "update", where);
        failed = e;
        break;
      }
    }
    if (failed === null) {
      try {
        const facts = v.finish();
        assert.equal(c.expected.result, "ok", `${c.name} ${where}: verified but expected ${c.expected.error}`);
        expectFacts(c, facts, where);
        assert.equal(v.state, "finished");
        // Facts are handed out once.
        assert.throws(
          () => v.finish(),
          (e) => e instanceof SealkitError && e.code === 400 && e.errorName === "already_finished",
        );
        assert.throws(
          () => v.update(new Uint8Array(0)),
          (e) => e instanceof SealkitError && e.code === 400,
        );
        assert.equal(v.state, "finished");
        return facts;
      } catch (e) {
        if (!(e instanceof SealkitError)) throw e;
        expectError(c, e, "finish", where);
        failed = e;
      }
    }
    // Errors are sticky: every later call reports the first error.
    assert.equal(v.state, "failed", `${c.name} ${where}: state after failure`);
    assert.equal(v.error.code, failed.code);
    for (const call of [() => v.update(new Uint8Array(1)), () => v.update(new Uint8Array(0)), () => v.finish()]) {
      assert.throws(call, (e) => e instanceof SealkitError && e.code === failed.code, `${c.name} ${where}: sticky`);
    }
    return null;
  } finally {
    v.free();
  }
}

let ran = 0;
for (const c of vectors.cases) {
  test(`case ${c.name}`, async () => {
    ran++;
    let policy;
    try {
      policy = policyOf(c);
    } catch (e) {
      expectError(c, e, "policy", "policy");
      // The same failure through the options form of the policy.
      assert.throws(
        () => verifyBytes(new Uint8Array(0), fromHex(c.envelope_hex), policyOptions(c)),
        (e2) => e2 instanceof SealkitError && e2.code === c.expected.code,
      );
      return;
    }
    const artifact = artifactOf(c);
    run(c, policy, [artifact], "single update");
    for (const { size, empties } of CHUNKINGS) {
      if (size === 1 && artifact.length > 4096) continue;
      run(c, policy, chunks(artifact, size, empties), `chunks of ${size}${empties ? " with empty chunks" : ""}`);
    }
    // The one-shot and stream helpers give the same verdict (policy given as options here).
    const opts = policyOptions(c);
    const env = fromHex(c.envelope_hex);
    if (c.expected.result === "ok") {
      expectFacts(c, verifyBytes(artifact, env, opts), "verifyBytes");
      expectFacts(c, await verifyStream(chunks(artifact, 4096), env, opts), "verifyStream iterable");
      expectFacts(c, await verifyStream(readable(artifact, 65536), env, policy), "verifyStream ReadableStream");
    } else {
      for (const [where, f] of [
        ["verifyBytes", async () => verifyBytes(artifact, env, opts)],
        ["verifyStream", () => verifyStream(readable(artifact, 4096), env, opts)],
      ]) {
        await assert.rejects(f, (e) => {
          assert.ok(e instanceof SealkitError, `${c.name} ${where}: ${e}`);
          assert.equal(e.code, c.expected.code, `${c.name} ${where}`);
          assert.equal(e.errorName, c.expected.error, `${c.name} ${where}`);
          return true;
        });
      }
    }
    policy.free();
  });
}

function policyOptions(c) {
  return {
    keys: c.public_keys.map((k) => (k.identity === null ? k.key : { key: k.key, identity: k.identity })),
    identity: c.policy.identity,
    subject: c.policy.subject,
    minVersion: c.policy.min_version,
  };
}

function readable(data, size) {
  const it = chunks(data, size);
  return new ReadableStream({
    pull(controller) {
      const { done, value } = it.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
}

for (const k of vectors.public_key_text) {
  test(`public key text ${k.name}`, () => {
    if (k.result === "ok") {
      const pk = PublicKey.fromText(k.text);
      assert.equal(Buffer.from(pk.bytes).toString("hex"), k.raw_hex);
      assert.equal(pk.keyId, k.key_id);
      // Round trip through the raw form.
      const again = PublicKey.fromBytes(fromHex(k.raw_hex));
      assert.equal(again.keyId, k.key_id);
      assert.equal(PublicKey.fromText(again.toText()).keyId, k.key_id);
    } else {
      assert.equal(k.result, "error", `${k.name}: unknown result ${k.result}`);
      assert.throws(
        () => PublicKey.fromText(k.text),
        (e) => e instanceof SealkitError && e.code === k.code && e.errorName === k.error,
      );
      // And as a trusted key of a policy.
      assert.throws(
        () => new TrustPolicy().trustKey(k.text),
        (e) => e instanceof SealkitError && e.code === k.code && e.errorName === k.error,
      );
    }
  });
}

test("every case ran", () => {
  // node --test runs the tests above in order before this one.
  assert.equal(ran, vectors.cases.length);
});
