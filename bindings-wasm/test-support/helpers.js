// Shared helpers for the Node tests.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const fixturesDir = fileURLToPath(new URL("../test/fixtures/", import.meta.url));

export function fromHex(h) {
  if (h.length % 2 !== 0) throw new Error(`odd hex length ${h.length}`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(b) {
  return Buffer.from(b).toString("hex");
}

/** The `mod251` pattern: byte i is i % 251, for i in start..start+len. */
export function mod251(len, start = 0) {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = (start + i) % 251;
  return out;
}

export function loadVectors() {
  return JSON.parse(readFileSync(new URL("tests/vectors/sealkit-vectors.json", `file://${repoRoot}`), "utf8"));
}

export function artifactOf(c) {
  const a = c.artifact;
  const keys = Object.keys(a).sort().join(",");
  if (keys === "hex,len") {
    const b = fromHex(a.hex);
    if (b.length !== a.len) throw new Error(`${c.name}: artifact hex is ${b.length} bytes, len says ${a.len}`);
    return b;
  }
  if (keys === "len,pattern" && a.pattern === "mod251") return mod251(a.len);
  throw new Error(`${c.name}: unknown artifact form ${JSON.stringify(Object.keys(a))}`);
}

/** Splits `data` into chunks of `size` bytes (views, no copies); with `empties`, adds empty chunks. */
export function* chunks(data, size, empties = false) {
  if (empties) yield data.subarray(0, 0);
  for (let off = 0; off < data.length; off += size) {
    yield data.subarray(off, off + size);
    if (empties) yield data.subarray(0, 0);
  }
}

/** The big stream: 256 MiB of the mod251 pattern, produced as fresh 1 MiB chunks. */
export const BIG_LEN = 256 * 1024 * 1024;
export const BIG_CHUNK = 1024 * 1024;
export function* bigChunks() {
  for (let off = 0; off < BIG_LEN; off += BIG_CHUNK) yield mod251Fast(BIG_CHUNK, off);
}

const PERIOD = mod251(BIG_CHUNK + 251);
/** mod251(len, start) by copying from a precomputed period (a fresh array each call). */
export function mod251Fast(len, start) {
  const s = start % 251;
  return PERIOD.slice(s, s + len);
}
