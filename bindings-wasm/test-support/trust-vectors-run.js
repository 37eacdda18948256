// The trust vectors (tests/vectors/trust-vectors.json) against a loaded `sealkit` module, in
// Node (test/trust-vectors.test.js) and in a browser page (test-browser/chromium.test.js): for
// every case the compiled policy (TrustPolicy.fromCbor), the time and the rotations, then the
// artifact whole and in chunks of 1, 7, 64 and 4096 bytes and with empty chunks; the error's
// code, name and stage, or every fact with each signer, is compared, and a failed verifier
// must keep its error. Returns a report instead of asserting: the caller checks it.

const fromHex = (h) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const CHUNKINGS = [null, 1, 7, 64, 4096, "empties"];

export function policyOf(sealkit, c) {
  const p = sealkit.TrustPolicy.fromCbor(fromHex(c.policy_hex));
  if (c.now !== undefined && c.now !== null) p.setTime(c.now);
  for (const r of c.rotations_hex) p.applyRotation(fromHex(r));
  return p;
}

export function factsOf(f) {
  return {
    key_id: f.keyId,
    identity: f.identity,
    subject: f.subject,
    version: f.version,
    time_checked: f.timeChecked,
    expires_at: f.expiresAt,
    signers: f.signers.map((s) => ({
      key_id: s.keyId,
      identity: s.identity,
      root_key_id: s.rootKeyId,
      chain_depth: s.chainDepth,
      timestamp: s.timestamp,
      timestamp_key_id: s.timestampKeyId,
    })),
  };
}

// Key order independent, for comparing with the file's objects.
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

function expectedOf(c) {
  const x = c.expected;
  if (x.result === "ok") return `ok ${canonical(x.verified)}`;
  return `error ${x.error} ${x.code} ${x.stage}`;
}

// One run: a verdict string to compare with the expected one.
export function runCase(sealkit, c, chunk, policy = null) {
  const { Verifier, SealkitError } = sealkit;
  const sig = fromHex(c.signature_hex);
  const art = fromHex(c.artifact_hex);
  let p = policy;
  if (p === null) {
    try {
      p = policyOf(sealkit, c);
    } catch (e) {
      return e instanceof SealkitError ? `error ${e.errorName} ${e.code} policy` : `exception ${e}`;
    }
  }
  let v;
  try {
    v = new Verifier(sig, p);
  } catch (e) {
    return e instanceof SealkitError ? `error ${e.errorName} ${e.code} new` : `exception ${e}`;
  } finally {
    if (policy === null) p.free();
  }
  let stage = "update";
  try {
    if (chunk === null) v.update(art);
    else {
      const size = chunk === "empties" ? 7 : chunk;
      for (let i = 0; i < art.length; i += size) {
        v.update(art.subarray(i, i + size));
        if (chunk === "empties") v.update(new Uint8Array(0));
      }
    }
    stage = "finish";
    return `ok ${canonical(factsOf(v.finish()))}`;
  } catch (e) {
    if (!(e instanceof SealkitError)) return `exception ${e}`;
    if (v.state !== "failed") return `state ${v.state} after ${e.errorName}`;
    for (const call of [() => v.update(new Uint8Array(1)), () => v.finish()]) {
      try {
        call();
        return "not sticky: a call after the failure succeeded";
      } catch (e2) {
        if (e2.code !== e.code) return `not sticky: ${e2.code} after ${e.code}`;
      }
    }
    return `error ${e.errorName} ${e.code} ${stage}`;
  }
}

export function runTrustVectors(sealkit, file) {
  const report = { version: file.version, total: 0, ran: 0, runs: 0, failures: [] };
  if (file.format !== "sealkit-trust-vectors" || file.version !== 2) {
    report.failures.push(`unsupported trust vector file version ${file.version}`);
    return report;
  }
  report.total = file.cases.length;
  for (const c of file.cases) {
    report.ran++;
    const want = expectedOf(c);
    const artLen = c.artifact_hex.length / 2;
    for (const chunk of CHUNKINGS) {
      if (chunk === 1 && artLen > 4096) continue;
      report.runs++;
      const got = runCase(sealkit, c, chunk);
      if (got !== want) report.failures.push(`${c.name} (${chunk}): got ${got}, want ${want}`);
    }
  }
  return report;
}

export { expectedOf, fromHex };
