// The trust vectors (tests/vectors/trust-vectors.json) in Node through the package: every case
// in several chunkings (test-support/trust-vectors-run.js), the same policies built call by
// call (timestamp keys and required receipts included), checkSigners, and argument errors.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as sealkit from "../index.js";
import { runTrustVectors, runCase, expectedOf, policyOf, fromHex } from "../test-support/trust-vectors-run.js";

const { init, TrustPolicy, PublicKey, SealkitError, checkSigners } = sealkit;
const path = fileURLToPath(new URL("../../tests/vectors/trust-vectors.json", import.meta.url));
const file = JSON.parse(readFileSync(path, "utf8"));
const byName = new Map(file.cases.map((c) => [c.name, c]));

before(async () => {
  await init();
});

test("trust vector file is version 2, with unique names", () => {
  assert.equal(file.format, "sealkit-trust-vectors");
  assert.equal(file.version, 2, `unsupported trust vector file version ${file.version}`);
  assert.ok(file.cases.length >= 53);
  assert.equal(byName.size, file.cases.length);
});

test("the runner refuses another version", () => {
  for (const version of [1, 3]) {
    const report = runTrustVectors(sealkit, { ...file, version });
    assert.equal(report.ran, 0);
    assert.deepEqual(report.failures, [`unsupported trust vector file version ${version}`]);
  }
});

for (const c of file.cases) {
  test(`trust vector ${c.name}`, () => {
    const report = runTrustVectors(sealkit, { ...file, cases: [c] });
    assert.deepEqual(report.failures, []);
    assert.equal(report.ran, 1);
    assert.ok(report.runs >= 5);
  });
}

test("the runner can fail: a wrong expected stage is reported", () => {
  const c = byName.get("tampered_artifact");
  const wrong = { ...c, expected: { ...c.expected, stage: "update" } };
  const report = runTrustVectors(sealkit, { ...file, cases: [wrong] });
  assert.ok(report.failures.length > 0);
});

test("the runner can fail: a wrong receipt time or key is reported", () => {
  const c = byName.get("keyless_receipt_after_expiry");
  const signer = c.expected.verified.signers[0];
  assert.notEqual(signer.timestamp, null);
  for (const change of [{ timestamp: signer.timestamp + 1 }, { timestamp_key_id: null }]) {
    const verified = { ...c.expected.verified, signers: [{ ...signer, ...change }] };
    const wrong = { ...c, expected: { ...c.expected, verified } };
    const report = runTrustVectors(sealkit, { ...file, cases: [wrong] });
    assert.equal(report.failures.length, report.runs);
    assert.ok(report.runs >= 5);
  }
});

const ROOT = fromHex("8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c");
const K1 = fromHex("ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1");
const K2 = fromHex("ca93ac1705187071d67b83c7ff0efe8108e8ec4530575d7726879333dbdabe7c");
const TSA = fromHex("8a875fff1eb38451577acd5afee405456568dd7c89e090863a0557bc7af49f17");
const MONTHS_LATER = 1810454400;
const RECEIPT_TIME = 1800086412;
const rooted = () => new TrustPolicy().trustRoot(ROOT, "vendor-root");
const twoKeys = () => new TrustPolicy().trustEntry(K1).trustEntry(K2);

const BUILT = {
  direct_key: () => new TrustPolicy().trustEntry(K1, { maySign: true }),
  two_link_chain: rooted,
  chain_too_deep_policy: () => rooted().setMaxChainDepth(1),
  identity_allowed_by_pattern: () => rooted().allowIdentity(PublicKey.fromBytes(ROOT), "*@vendor.example"),
  identity_not_allowed: () => rooted().allowIdentity(PublicKey.fromBytes(ROOT).keyId, "*@other.example"),
  required_identity_pattern: () => rooted().requireIdentityPattern("release-*"),
  required_subject_mismatch: () => rooted().requireSubjectPattern("tool-*"),
  revoked_signing_key: () => rooted().revokeKey("b62e867fa2f33afe"),
  revoked_intermediate_key: () => rooted().revokeKey(fromHex("6a3803d5f059902a")),
  revoked_certificate: () =>
    rooted().revokeCertificate("leaf-9").revokeCertificate(new TextEncoder().encode("inter-1")),
  rollback_with_chain: () => rooted().requireMinVersion(8),
  certificate_expired: () => rooted().setTime(1802678400),
  two_link_chain_with_time: () => rooted().setTime(1800172800n),
  two_of_three: () => twoKeys().requireSigners(2),
  threshold_not_met: () => twoKeys().requireSigners(3),
  distinct_identities: () => twoKeys().requireSigners(2, { distinctIdentities: true }),
  keyless_receipt_after_expiry: () => rooted().trustTimestampKey(TSA).setTime(MONTHS_LATER),
  keyless_receipt_no_clock: () => rooted().trustTimestampKey(PublicKey.fromBytes(TSA)).requireTimestamp(),
  keyless_root_also_timestamps: () => rooted().trustTimestampKey(ROOT).setTime(MONTHS_LATER),
  keyless_no_receipt_after_expiry: () => rooted().trustTimestampKey(TSA).setTime(MONTHS_LATER),
  keyless_receipt_required: () => rooted().trustTimestampKey(TSA).requireTimestamp().setTime(1800086460),
  keyless_receipt_untrusted_key: () => rooted().trustTimestampKey(TSA).setTime(MONTHS_LATER),
  keyless_receipt_bad_signature: () => rooted().trustTimestampKey(TSA).setTime(MONTHS_LATER),
  keyless_receipt_after_certificate: () => rooted().trustTimestampKey(TSA).setTime(MONTHS_LATER),
  keyless_receipt_revoked_timestamp_key: () =>
    rooted().trustTimestampKey(TSA).revokeKey("72456720412037a6").setTime(MONTHS_LATER),
};

for (const [name, build] of Object.entries(BUILT)) {
  test(`built policy gives the vector's verdict: ${name}`, () => {
    const c = byName.get(name);
    assert.equal(runCase(sealkit, c, 64, build()), expectedOf(c));
  });
}

test("rotation through the builder names the new root", () => {
  const c = byName.get("rotation_followed");
  const p = rooted();
  assert.equal(p.applyRotation(fromHex(c.rotations_hex[0])), c.expected.verified.signers[0].root_key_id);
  assert.equal(runCase(sealkit, c, null, p), expectedOf(c));
});

test("policy getters", () => {
  const p = rooted().setTime(5).requireSigners(2).setMaxChainDepth(1);
  assert.deepEqual([p.time, p.threshold, p.maxChainDepth], [5, 2, 1]);
  assert.equal(new TrustPolicy().time, null);
  assert.equal(p.timestampRequired, false);
  assert.equal(p.requireTimestamp(), p);
  assert.equal(p.timestampRequired, true);
});

test("a receipt saves an expired keyless certificate, and its time and key are reported", () => {
  const c = byName.get("keyless_receipt_after_expiry");
  const p = rooted().trustTimestampKey(PublicKey.fromBytes(TSA).toText()).setTime(MONTHS_LATER);
  const facts = sealkit.verifyBytes(fromHex(c.artifact_hex), fromHex(c.signature_hex), p);
  assert.equal(facts.signers.length, 1);
  assert.equal(facts.signers[0].timestamp, RECEIPT_TIME);
  assert.equal(facts.signers[0].timestampKeyId, PublicKey.fromBytes(TSA).keyId);
  assert.equal(facts.signers[0].identity, "release-ci@vendor.example");
  assert.ok(facts.timeChecked);
});

test("a receipt by a key trusted only as a root is refused (222) until it may timestamp", () => {
  const c = byName.get("keyless_receipt_after_expiry");
  const [sig, art] = [fromHex(c.signature_hex), fromHex(c.artifact_hex)];
  const p = rooted().trustRoot(TSA).setTime(MONTHS_LATER);
  assert.throws(
    () => sealkit.verifyBytes(art, sig, p),
    (e) => e instanceof SealkitError && e.code === 222 && e.errorName === "untrusted_timestamp_key",
  );
  assert.equal(sealkit.verifyBytes(art, sig, p.trustTimestampKey(TSA)).signers[0].timestamp, RECEIPT_TIME);
});

test("requireTimestamp refuses an envelope without a receipt (226), even without a clock", () => {
  const c = byName.get("keyless_no_receipt_after_expiry");
  const [sig, art] = [fromHex(c.signature_hex), fromHex(c.artifact_hex)];
  const facts = sealkit.verifyBytes(art, sig, rooted());
  assert.equal(facts.timeChecked, false);
  assert.deepEqual([facts.signers[0].timestamp, facts.signers[0].timestampKeyId], [null, null]);
  assert.throws(
    () => new sealkit.Verifier(sig, rooted().requireTimestamp()),
    (e) => e instanceof SealkitError && e.code === 226 && e.errorName === "timestamp_missing",
  );
});

test("checkSigners reports the receipt", () => {
  const c = byName.get("keyless_receipt_after_expiry");
  const r = checkSigners(fromHex(c.signature_hex), policyOf(sealkit, c));
  assert.ok(r.ok);
  assert.equal(r.signers[0].timestamp, RECEIPT_TIME);
  assert.equal(r.signers[0].timestampKeyId, c.expected.verified.signers[0].timestamp_key_id);
  const bad = checkSigners(fromHex(byName.get("keyless_receipt_bad_signature").signature_hex), policyOf(sealkit, c));
  assert.equal(bad.error.errorName, "bad_timestamp_signature");
});

function throwsCode(f, name) {
  assert.throws(f, (e) => e instanceof SealkitError && e.errorName === name);
}

test("argument errors", () => {
  throwsCode(() => TrustPolicy.fromCbor(fromHex(byName.get("policy_trailing_bytes").policy_hex)), "bad_policy");
  throwsCode(() => rooted().applyRotation(new Uint8Array([0xa0])), "bad_rotation");
  throwsCode(() => rooted().trustRoot(ROOT), "duplicate_key");
  throwsCode(() => new TrustPolicy().trustRoot(new Uint8Array(31)), "invalid_public_key");
  throwsCode(() => new TrustPolicy().trustTimestampKey(new Uint8Array(31)), "invalid_public_key");
  throwsCode(() => new TrustPolicy().trustTimestampKey("sealkit-ed25519:AAAA"), "bad_public_key_text");
  assert.throws(() => new TrustPolicy().trustTimestampKey(12), TypeError);
  assert.throws(() => rooted().revokeKey("zz"), RangeError);
  assert.throws(() => rooted().revokeKey(new Uint8Array(7)), RangeError);
  assert.throws(() => rooted().setMaxChainDepth(256), RangeError);
  assert.throws(() => rooted().requireSigners(1.5), RangeError);
  assert.throws(() => TrustPolicy.fromCbor("a2"), TypeError);
});

test("checkSigners on a set: each verdict, the counted signers, the threshold", () => {
  const c = byName.get("two_of_three");
  const r = checkSigners(fromHex(c.signature_hex), policyOf(sealkit, c));
  assert.ok(r.ok && r.error === null && r.isSet);
  assert.equal(r.reports.length, 3);
  assert.deepEqual(
    r.signers.map((s) => s.keyId),
    c.expected.verified.signers.map((s) => s.key_id),
  );
  const refused = r.reports.filter((x) => x.signer === null);
  assert.equal(refused.length, 1);
  assert.equal(refused[0].error.errorName, "untrusted_key");
  assert.equal(r.reports.filter((x) => x.counted).length, 2);
});

test("checkSigners: threshold not met, and a single envelope's own error", () => {
  const t = byName.get("threshold_not_met");
  const r = checkSigners(fromHex(t.signature_hex), policyOf(sealkit, t));
  assert.ok(!r.ok);
  assert.equal(r.error.errorName, "threshold_not_met");
  const k = byName.get("revoked_signing_key");
  const one = checkSigners(fromHex(k.signature_hex), policyOf(sealkit, k));
  assert.ok(!one.ok && !one.isSet);
  assert.equal(one.error.errorName, "key_revoked");
  assert.equal(one.reports[0].error.code, 211);
  throwsCode(() => checkSigners(new Uint8Array([1, 2]), rooted()), "not_tagged_sign1");
});
