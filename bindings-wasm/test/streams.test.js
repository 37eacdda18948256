// Streams: ReadableStream, async iterables, the WritableStream sink, failing sources, and a
// 256 MiB stream in bounded memory. Artifacts come from test-support/make-fixtures.sh.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { join } from "node:path";
import { init, Verifier, TrustPolicy, SealkitError, verifyStream } from "../index.js";
import { fixturesDir, chunks, bigChunks, BIG_LEN, BIG_CHUNK } from "../test-support/helpers.js";

const fx = (name) => join(fixturesDir, name);
let policy;
let envelope;

before(async () => {
  await init();
  policy = new TrustPolicy({ keys: [readFileSync(fx("release.pub"), "utf8")], identity: "release@example.org" });
  envelope = readFileSync(fx("app.bin.sig"));
});

function expectApp(facts) {
  assert.equal(facts.subject, "app.bin");
  assert.equal(facts.identity, "release@example.org");
  assert.equal(facts.version, 42);
  assert.equal(facts.length, 3 * 1024 * 1024 + 123);
  assert.equal(facts.hashAlg, "sha256");
}

/** A ReadableStream over `data` in `size` chunks that records whether and why it was cancelled. */
function recordingStream(data, size, { failAfter = null } = {}) {
  const it = chunks(data, size);
  let n = 0;
  const rec = { cancelled: false, reason: undefined };
  rec.stream = new ReadableStream({
    pull(controller) {
      if (failAfter !== null && n++ === failAfter) {
        controller.error(new Error("network down"));
        return;
      }
      const { done, value } = it.next();
      if (done) controller.close();
      else controller.enqueue(value.slice());
    },
    cancel(reason) {
      rec.cancelled = true;
      rec.reason = reason;
    },
  });
  return rec;
}

const isCode = (code) => (e) => e instanceof SealkitError && e.code === code;

test("verifyStream consumes a ReadableStream", async () => {
  expectApp(await verifyStream(recordingStream(readFileSync(fx("app.bin")), 65536).stream, envelope, policy));
});

test("verifyStream consumes a Node async iterable (fs.createReadStream)", async () => {
  expectApp(await verifyStream(createReadStream(fx("app.bin")), envelope, policy));
});

test("verifyStream consumes a web stream made from a Node stream", async () => {
  expectApp(await verifyStream(Readable.toWeb(createReadStream(fx("app.bin"))), envelope, policy));
});

test("verifyStream accepts a policy given as options and an ArrayBuffer envelope", async () => {
  const key = readFileSync(fx("release.pub"), "utf8").trim();
  const env = envelope.buffer.slice(envelope.byteOffset, envelope.byteOffset + envelope.length);
  const facts = await verifyStream(createReadStream(fx("app.bin")), env, {
    keys: [{ key, identity: "release@example.org" }],
    subject: "app.bin",
    minVersion: 42n,
  });
  expectApp(facts);
});

test("verifyStream rejects a tampered stream with digest_mismatch", async () => {
  await assert.rejects(verifyStream(createReadStream(fx("app-tampered.bin")), envelope, policy), (e) => {
    assert.ok(e instanceof SealkitError);
    assert.equal(e.code, 302);
    assert.equal(e.errorName, "digest_mismatch");
    return true;
  });
});

test("verifyStream rejects a truncated stream with artifact_too_short", async () => {
  await assert.rejects(verifyStream(createReadStream(fx("app-truncated.bin")), envelope, policy), isCode(301));
});

test("verifyStream cancels the source on artifact_too_long, with the SealkitError as reason", async () => {
  const rec = recordingStream(readFileSync(fx("app-extended.bin")), 65536);
  await assert.rejects(verifyStream(rec.stream, envelope, policy), isCode(300));
  assert.equal(rec.cancelled, true);
  assert.ok(isCode(300)(rec.reason));
});

test("verifyStream passes on the error of a stream that fails midway", async () => {
  const rec = recordingStream(readFileSync(fx("app.bin")), 65536, { failAfter: 10 });
  await assert.rejects(verifyStream(rec.stream, envelope, policy), (e) => {
    assert.ok(!(e instanceof SealkitError));
    assert.equal(e.message, "network down");
    return true;
  });
});

test("verifyStream fails before reading when the envelope is unacceptable, and releases the source", async () => {
  const rec = recordingStream(readFileSync(fx("app.bin")), 65536);
  const other = new TrustPolicy({ keys: [readFileSync(fx("release.pub"), "utf8")], subject: "other.bin" });
  await assert.rejects(verifyStream(rec.stream, envelope, other), isCode(205));
  assert.equal(rec.cancelled, true);
  assert.ok(isCode(205)(rec.reason));
  // A Node stream is destroyed.
  const file = createReadStream(fx("app.bin"));
  await assert.rejects(verifyStream(file, envelope, other), isCode(205));
  assert.equal(file.destroyed, true);
});

test("verifyStream refuses a source that is not a stream", async () => {
  await assert.rejects(verifyStream(42, envelope, policy), TypeError);
  await assert.rejects(verifyStream(["not bytes"], envelope, policy), TypeError);
});

test("pipeTo(verifier.writable) verifies; facts from finish() once and from verified", async () => {
  const v = new Verifier(envelope, policy);
  await Readable.toWeb(createReadStream(fx("app.bin"))).pipeTo(v.writable);
  const facts = v.finish();
  expectApp(facts);
  assert.equal(await v.verified, facts);
  assert.equal(v.state, "finished");
  assert.throws(() => v.finish(), isCode(400));
});

test("pipeTo rejects with the SealkitError on a tampered artifact (at close)", async () => {
  const v = new Verifier(envelope, policy);
  await assert.rejects(Readable.toWeb(createReadStream(fx("app-tampered.bin"))).pipeTo(v.writable), isCode(302));
  await assert.rejects(v.verified, isCode(302));
  assert.equal(v.state, "failed");
  assert.throws(() => v.finish(), isCode(302));
});

test("pipeTo is aborted with the SealkitError on artifact_too_long and the source cancelled", async () => {
  const v = new Verifier(envelope, policy);
  const rec = recordingStream(readFileSync(fx("app-extended.bin")), 65536);
  await assert.rejects(rec.stream.pipeTo(v.writable), isCode(300));
  await assert.rejects(v.verified, isCode(300));
  assert.equal(rec.cancelled, true);
  assert.ok(isCode(300)(rec.reason));
});

test("pipeTo rejects with the source's error when the stream fails midway", async () => {
  const v = new Verifier(envelope, policy);
  const rec = recordingStream(readFileSync(fx("app.bin")), 65536, { failAfter: 5 });
  await assert.rejects(rec.stream.pipeTo(v.writable), /network down/);
  await assert.rejects(v.verified, /network down/);
  // Nothing was verified: finishing now finds the artifact too short.
  assert.throws(() => v.finish(), isCode(301));
});

test("verified settles from a plain finish() too, and abort() rejects a pending one", async () => {
  const v = new Verifier(envelope, policy);
  const p = v.verified;
  v.abort();
  await assert.rejects(p, (e) => e.name === "AbortError");
  v.start(envelope, policy);
  const q = v.verified;
  v.update(readFileSync(fx("app.bin")));
  expectApp(v.finish());
  expectApp(await q);
});

function rssMiB() {
  return process.memoryUsage().rss / (1024 * 1024);
}

async function bigRun(t, label, consume) {
  const env = readFileSync(fx("big.bin.sig"));
  const chunksIt = bigChunks();
  let peak = 0;
  let n = 0;
  const stream = new ReadableStream(
    {
      pull(controller) {
        const { done, value } = chunksIt.next();
        if (done) controller.close();
        else controller.enqueue(value);
        if (++n % 16 === 0) peak = Math.max(peak, rssMiB());
      },
    },
    { highWaterMark: 2 },
  );
  globalThis.gc?.();
  const start = rssMiB();
  const facts = await consume(stream, env);
  peak = Math.max(peak, rssMiB());
  assert.equal(facts.length, BIG_LEN);
  assert.equal(facts.subject, "big.bin");
  assert.equal(facts.version, 43);
  const growth = peak - start;
  t.diagnostic(
    `${label}: ${BIG_LEN / 2 ** 20} MiB in ${BIG_CHUNK / 2 ** 20} MiB chunks, RSS ${start.toFixed(1)} -> peak ${peak.toFixed(1)} MiB (growth ${growth.toFixed(1)} MiB)`,
  );
  // Concatenating would need 256 MiB more; chunks are garbage-collected as they go.
  assert.ok(growth < 96, `RSS grew by ${growth.toFixed(1)} MiB`);
}

test("a 256 MiB stream verifies in bounded memory (verifyStream)", async (t) => {
  await bigRun(t, "verifyStream", (stream, env) => verifyStream(stream, env, policy));
});

test("a 256 MiB stream verifies in bounded memory (pipeTo writable)", async (t) => {
  await bigRun(t, "pipeTo", async (stream, env) => {
    const v = new Verifier(env, policy);
    await stream.pipeTo(v.writable);
    return v.verified;
  });
});
