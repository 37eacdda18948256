// The conformance vectors inside a browser page (loaded by test-browser/chromium.test.js from
// the test server). Returns a report instead of asserting: the Node side checks it.
import { init, Verifier, TrustPolicy, PublicKey, SealkitError } from "/sealkit/index.js";

const fromHex = (h) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const FACTS = {
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

function artifactOf(a) {
  if (a.hex !== undefined) return fromHex(a.hex);
  if (a.pattern !== "mod251") throw new Error(`unknown pattern ${a.pattern}`);
  const out = new Uint8Array(a.len);
  for (let i = 0; i < a.len; i++) out[i] = i % 251;
  return out;
}

function* chunks(data, size, empties) {
  if (empties) yield data.subarray(0, 0);
  for (let off = 0; off < data.length; off += size) {
    yield data.subarray(off, off + size);
    if (empties) yield data.subarray(0, 0);
  }
}

// One run: returns a verdict string to compare with the expected one.
function run(c, policy, parts) {
  let v;
  try {
    v = new Verifier(fromHex(c.envelope_hex), policy);
  } catch (e) {
    return e instanceof SealkitError ? `error ${e.errorName} ${e.code} new` : `exception ${e}`;
  }
  try {
    let stage = "update";
    let err = null;
    try {
      for (const p of parts) v.update(p);
      stage = "finish";
      const f = v.finish();
      const got = {};
      for (const [k, js] of Object.entries(FACTS)) got[k] = f[js];
      if (toHex(f.digest) !== f.digestHex) return "digest bytes differ from digestHex";
      return `ok ${JSON.stringify(got, Object.keys(FACTS))}`;
    } catch (e) {
      if (!(e instanceof SealkitError)) return `exception ${e}`;
      err = e;
    }
    // Sticky: later calls repeat the error.
    for (const f of [() => v.update(new Uint8Array(1)), () => v.finish()]) {
      try {
        f();
        return "not sticky: a call after the failure succeeded";
      } catch (e) {
        if (e.code !== err.code) return `not sticky: ${e.code} after ${err.code}`;
      }
    }
    return `error ${err.errorName} ${err.code} ${stage}`;
  } finally {
    v.free();
  }
}

function expectedOf(c) {
  const x = c.expected;
  if (x.result === "ok") return `ok ${JSON.stringify(x.verified, Object.keys(FACTS))}`;
  return `error ${x.error} ${x.code} ${x.stage}`;
}

export async function runVectors(file) {
  await init();
  const report = { version: file.version, total: 0, ran: 0, failures: [] };
  if (file.version !== 2) {
    report.failures.push(`unsupported vector file version ${file.version}`);
    return report;
  }
  report.total = file.cases.length + file.public_key_text.length;
  for (const c of file.cases) {
    report.ran++;
    const want = expectedOf(c);
    let policy;
    try {
      policy = new TrustPolicy({
        keys: c.public_keys.map((k) => ({ key: k.key, identity: k.identity })),
        identity: c.policy.identity,
        subject: c.policy.subject,
        minVersion: c.policy.min_version,
      });
    } catch (e) {
      const got = e instanceof SealkitError ? `error ${e.errorName} ${e.code} policy` : `exception ${e}`;
      if (got !== want) report.failures.push(`${c.name} (policy): got ${got}, want ${want}`);
      continue;
    }
    const artifact = artifactOf(c.artifact);
    const runs = [["single", [artifact]]];
    for (const [size, empties] of [
      [1, false],
      [7, false],
      [64, true],
      [4096, false],
    ]) {
      if (size === 1 && artifact.length > 4096) continue;
      runs.push([`${size}${empties ? "+empty" : ""}`, chunks(artifact, size, empties)]);
    }
    for (const [label, parts] of runs) {
      const got = run(c, policy, parts);
      if (got !== want) report.failures.push(`${c.name} (${label}): got ${got}, want ${want}`);
    }
    policy.free();
  }
  for (const k of file.public_key_text) {
    report.ran++;
    try {
      const pk = PublicKey.fromText(k.text);
      const got = `ok ${toHex(pk.bytes)} ${pk.keyId}`;
      if (k.result !== "ok" || got !== `ok ${k.raw_hex} ${k.key_id}`) report.failures.push(`key ${k.name}: got ${got}`);
    } catch (e) {
      const got = e instanceof SealkitError ? `error ${e.errorName} ${e.code}` : `exception ${e}`;
      if (got !== `error ${k.error} ${k.code}`) report.failures.push(`key ${k.name}: got ${got}`);
    }
  }
  return report;
}
