// The sealed-stream vectors (tests/vectors/sealed-vectors.json) through Unsealer, in several
// chunkings: facts and payload bytes, or the error's code, name and stage, then stickiness.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { init, Unsealer, TrustPolicy, SealkitError } from "../index.js";

const path = fileURLToPath(new URL("../../tests/vectors/sealed-vectors.json", import.meta.url));
const file = JSON.parse(readFileSync(path, "utf8"));
const CHUNKINGS = [null, 1, 7, 64, 4096, "empties"];

before(async () => {
  await init();
});

const fromHex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

function policyOf(c) {
  const p = new TrustPolicy();
  for (const k of c.public_keys) p.trustKey(k.key, k.identity);
  if (c.policy.identity !== null) p.requireIdentity(c.policy.identity);
  if (c.policy.subject !== null) p.requireSubject(c.policy.subject);
  if (c.policy.min_version !== null) p.requireMinVersion(c.policy.min_version);
  return p;
}

function factsOf(f) {
  return {
    key_id: f.keyId,
    alg: f.alg,
    identity: f.identity,
    subject: f.subject,
    content_format: f.contentFormat,
    media_type: f.mediaType,
    issued_at: f.issuedAt,
    version: f.version,
    length: f.length,
    hash_alg: f.hashAlg,
    digest_hex: f.digestHex,
  };
}

test("sealed vector file is version 1", () => {
  assert.equal(file.format, "sealkit-sealed-vectors");
  assert.equal(file.version, 1, `unsupported sealed vector file version ${file.version}`);
  assert.ok(file.cases.length >= 25);
});

for (const c of file.cases) {
  test(`sealed vector ${c.name}`, () => {
    const stream = fromHex(c.stream_hex);
    for (let chunk of CHUNKINGS) {
      if (chunk === 1 && stream.length > 4096) chunk = 7;
      const u = new Unsealer(policyOf(c));
      const out = [];
      let stage = "update";
      let facts = null;
      try {
        if (chunk === null) out.push(...u.update(stream));
        else if (chunk === "empties") {
          for (let i = 0; i < stream.length; i += 13) {
            out.push(...u.update(stream.subarray(i, i + 13)));
            out.push(...u.update(new Uint8Array(0)));
          }
        } else {
          for (let i = 0; i < stream.length; i += chunk) out.push(...u.update(stream.subarray(i, i + chunk)));
        }
        stage = "finish";
        facts = u.finish();
      } catch (e) {
        assert.ok(e instanceof SealkitError, `${c.name}: ${e}`);
        assert.equal(c.expected.result, "error", `${c.name} (${chunk}): unexpected ${e.errorName}`);
        assert.deepEqual([e.code, e.errorName, stage], [c.expected.code, c.expected.error, c.expected.stage]);
        assert.equal(u.state, "failed");
        assert.throws(
          () => u.update(new Uint8Array(1)),
          (x) => x.code === e.code,
        );
        assert.throws(
          () => u.finish(),
          (x) => x.code === e.code,
        );
        u.free();
        continue;
      }
      assert.equal(c.expected.result, "ok", `${c.name} (${chunk}): verified, expected an error`);
      assert.deepEqual(factsOf(facts), c.expected.verified);
      assert.equal(toHex(out), c.expected.payload_hex);
      u.free();
    }
  });
}
