// Streaming throughput of the sealkit npm package in Node (256 MiB in 1 MiB chunks) against
// hash-wasm's SHA-256 and node:crypto's createHash("sha256") over the same chunks, side by side.
// Run through run.sh (it builds the package and signs the data with the CLI).
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { createSHA256 } from "hash-wasm";
import { init, Verifier, TrustPolicy, verifyStream } from "../../bindings-wasm/index.js";
import { fixturesDir, bigChunks, BIG_LEN, BIG_CHUNK } from "../../bindings-wasm/test-support/helpers.js";

const ROUNDS = Number(process.env.ROUNDS ?? 5);
await init();
const envelope = readFileSync(`${fixturesDir}/big.bin.sig`);
const policy = new TrustPolicy({ keys: [readFileSync(`${fixturesDir}/release.pub`, "utf8")] });
const chunks = [...bigChunks()]; // the same 256 chunks for every contender
const sha256 = await createSHA256();

const contenders = {
  "sealkit Verifier.update": () => {
    const v = new Verifier(envelope, policy);
    for (const c of chunks) v.update(c);
    return v.finish().digestHex;
  },
  "sealkit verifyStream": async () => (await verifyStream(chunks, envelope, policy)).digestHex,
  "hash-wasm sha256": () => {
    sha256.init();
    for (const c of chunks) sha256.update(c);
    return sha256.digest("hex");
  },
  "node:crypto sha256": () => {
    const h = createHash("sha256");
    for (const c of chunks) h.update(c);
    return h.digest("hex");
  },
};

const best = {};
const digests = new Set();
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, f] of Object.entries(contenders)) {
    const t0 = process.hrtime.bigint();
    digests.add(await f());
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    best[name] = Math.min(best[name] ?? Infinity, s);
  }
}
if (digests.size !== 1) throw new Error(`contenders disagree on the digest: ${[...digests]}`);

// Starting a verifier parses the envelope and checks the Ed25519 signature (once per artifact).
const N = 500;
let startBest = Infinity;
for (let r = 0; r < ROUNDS; r++) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) new Verifier(envelope, policy).free();
  startBest = Math.min(startBest, Number(process.hrtime.bigint() - t0) / 1e3 / N);
}

const mbps = (s) => BIG_LEN / s / 1e6;
console.log(
  `${BIG_LEN / 2 ** 20} MiB in ${BIG_CHUNK / 2 ** 20} MiB chunks, best of ${ROUNDS}, node ${process.version}`,
);
console.log(`new Verifier (envelope + Ed25519 signature check): ${startBest.toFixed(0)} us`);
const base = best["sealkit Verifier.update"];
for (const [name, s] of Object.entries(best)) console.log(`${name.padEnd(26)} ${mbps(s).toFixed(0).padStart(6)} MB/s`);
for (const other of ["hash-wasm sha256", "node:crypto sha256"]) {
  console.log(`ratio sealkit Verifier.update / ${other}: ${(best[other] / base).toFixed(2)}x throughput`);
}
