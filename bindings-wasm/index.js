// sealkit for JavaScript: the hand-written layer over the WebAssembly core (pkg/, made by
// build.sh). It holds no verification logic: it turns the core's numeric error codes into
// SealkitError objects, converts numbers and adds the stream helpers. Every verdict comes from
// the Rust core (sealkit::VerifierSlot).

import initWasm, * as raw from "./pkg/sealkit_wasm.js";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_U64 = (1n << 64n) - 1n;
// Larger chunks are passed to the core in slices of this size, so the WebAssembly memory never
// grows with the caller's chunk size (it holds one slice at a time).
const SLICE = 256 * 1024;
const STATES = Object.freeze(["empty", "active", "finished", "failed"]);

let initialized = false;
let pending = null;

function isNode() {
  return typeof process !== "undefined" && process.versions != null && typeof process.versions.node === "string";
}

/**
 * Loads the WebAssembly module once. Without an argument, Node reads the `.wasm` file next to
 * this module with `fs`, and browsers fetch it by URL. `source` may also be a URL, a
 * `Response`, bytes or a `WebAssembly.Module`.
 */
export function init(source) {
  if (initialized) return Promise.resolve();
  if (pending !== null) return pending;
  pending = (async () => {
    let input = source;
    if (input === undefined) {
      const url = new URL("./pkg/sealkit_wasm_bg.wasm", import.meta.url);
      if (isNode() && url.protocol === "file:") {
        const { readFile } = await import("node:fs/promises");
        input = await readFile(url);
      } else {
        input = url;
      }
    }
    await initWasm({ module_or_path: input });
    initialized = true;
  })();
  // A failed load may be retried.
  pending.catch(() => {
    pending = null;
  });
  return pending;
}

/** Loads the module synchronously from bytes or a compiled `WebAssembly.Module`. */
export function initSync(module) {
  if (initialized) return;
  raw.initSync({ module });
  initialized = true;
}

function ensure() {
  if (!initialized) {
    throw new Error("sealkit: the WebAssembly module is not loaded; call `await init()` first");
  }
}

/** An error reported by the sealkit core, with its stable numeric `code` and `errorName`. */
export class SealkitError extends Error {
  constructor(code) {
    const errorName = (initialized && raw.errorName(code)) || "unknown_error";
    const text = (initialized && raw.errorMessage(code)) || "unknown error";
    super(`${text} (${errorName}, code ${code})`);
    this.name = "SealkitError";
    /** The core's stable numeric code, e.g. 302. */
    this.code = code;
    /** The core's stable snake_case name, e.g. "digest_mismatch". */
    this.errorName = errorName;
  }
}

// The core throws its error code as a number; anything else (a TypeError, a trap) passes as is.
function wrap(e) {
  return typeof e === "number" ? new SealkitError(e) : e;
}

function call(f) {
  try {
    return f();
  } catch (e) {
    throw wrap(e);
  }
}

function bytesOf(x, what) {
  if (x instanceof Uint8Array) return x;
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  const tag = Object.prototype.toString.call(x);
  if (tag === "[object ArrayBuffer]" || tag === "[object SharedArrayBuffer]") {
    return new Uint8Array(x);
  }
  throw new TypeError(`sealkit: ${what} must be a Uint8Array, another ArrayBufferView or an ArrayBuffer`);
}

function isBytes(x) {
  if (ArrayBuffer.isView(x)) return true;
  const tag = Object.prototype.toString.call(x);
  return tag === "[object ArrayBuffer]" || tag === "[object SharedArrayBuffer]";
}

// Strings cross into Rust as UTF-8; a lone surrogate has no UTF-8 form, which is the core's
// argument_not_utf8 (508), rather than being silently replaced by U+FFFD.
function textOf(s, what) {
  if (typeof s !== "string") throw new TypeError(`sealkit: ${what} must be a string`);
  const ok = typeof s.isWellFormed === "function" ? s.isWellFormed() : !/\p{Surrogate}/u.test(s);
  if (!ok) throw new SealkitError(508);
  return s;
}

function hex(b) {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

// u64 values arrive as bigint: a number when exact, else the bigint itself.
function num(b) {
  return b <= MAX_SAFE ? Number(b) : b;
}

function u64Of(n, what) {
  if (typeof n === "bigint") {
    if (n >= 0n && n <= MAX_U64) return n;
  } else if (typeof n === "number") {
    if (Number.isSafeInteger(n) && n >= 0) return BigInt(n);
  } else {
    throw new TypeError(`sealkit: ${what} must be a number or a bigint`);
  }
  throw new RangeError(`sealkit: ${what} must be an integer from 0 to 2^64 - 1 (exact)`);
}

function u8Of(n, what) {
  if (typeof n !== "number") throw new TypeError(`sealkit: ${what} must be a number`);
  if (!Number.isInteger(n) || n < 0 || n > 255)
    throw new RangeError(`sealkit: ${what} must be an integer from 0 to 255`);
  return n;
}

// A key id: 16 hex digits, 8 bytes, or a PublicKey (its id).
function keyIdOf(k) {
  if (k instanceof PublicKey) k = k.keyId;
  if (typeof k === "string") {
    if (!/^[0-9a-fA-F]{16}$/.test(k)) throw new RangeError("sealkit: a key id is 16 hex digits");
    return Uint8Array.from(k.match(/../g), (b) => parseInt(b, 16));
  }
  const b = bytesOf(k, "a key id");
  if (b.length !== 8) throw new RangeError("sealkit: a key id is 8 bytes");
  return b;
}

const KEY_TOKEN = Symbol("sealkit.PublicKey");

/** A validated Ed25519 public key (a canonical point not of small order). */
export class PublicKey {
  #bytes;

  /** @private use PublicKey.fromBytes / fromText / from */
  constructor(token, bytes) {
    if (token !== KEY_TOKEN) throw new TypeError("sealkit: use PublicKey.fromBytes or PublicKey.fromText");
    this.#bytes = bytes;
  }

  /** A key from its 32 raw bytes. */
  static fromBytes(bytes) {
    ensure();
    const b = bytesOf(bytes, "a raw public key");
    return new PublicKey(
      KEY_TOKEN,
      call(() => raw.publicKeyFromBytes(b)),
    );
  }

  /** A key from its text form `sealkit-ed25519:<base64>` (surrounding whitespace ignored). */
  static fromText(text) {
    ensure();
    const t = textOf(text, "a public key text");
    return new PublicKey(
      KEY_TOKEN,
      call(() => raw.publicKeyFromText(t)),
    );
  }

  /** A key from a PublicKey, its text form or its raw bytes. */
  static from(key) {
    if (key instanceof PublicKey) return key;
    if (typeof key === "string") return PublicKey.fromText(key);
    if (isBytes(key)) return PublicKey.fromBytes(key);
    throw new TypeError("sealkit: a key must be a PublicKey, a `sealkit-ed25519:` text or 32 raw bytes");
  }

  /** The raw 32 bytes (a copy). */
  get bytes() {
    return this.#bytes.slice();
  }

  /** The key id (first 8 bytes of SHA-256 of the raw key), hex. */
  get keyId() {
    ensure();
    return hex(call(() => raw.publicKeyId(this.#bytes)));
  }

  /** The text form `sealkit-ed25519:<base64>`. */
  toText() {
    ensure();
    return call(() => raw.publicKeyToText(this.#bytes));
  }

  toString() {
    return this.toText();
  }
}

const rawPolicies = new WeakMap();

/**
 * What a verifier accepts: up to 8 trusted keys (optionally bound to an identity) and optional
 * identity, subject and minimum-version rules. Methods throw SealkitError (stage "policy").
 */
export class TrustPolicy {
  /** An empty policy (trusts nothing), or one built from `options` (see `TrustPolicy.from`). */
  constructor(options) {
    ensure();
    rawPolicies.set(this, new raw.RawTrustPolicy());
    if (options !== undefined && options !== null) {
      if (typeof options !== "object") throw new TypeError("sealkit: policy options must be an object");
      const keys = options.keys ?? [];
      if (typeof keys === "string" || typeof keys[Symbol.iterator] !== "function") {
        throw new TypeError("sealkit: policy keys must be an array (or another iterable) of keys");
      }
      for (const k of keys) {
        if (typeof k === "object" && k !== null && !isBytes(k) && !(k instanceof PublicKey)) {
          this.trustKey(k.key, k.identity ?? null);
        } else {
          this.trustKey(k);
        }
      }
      if (options.identity != null) this.requireIdentity(options.identity);
      if (options.subject != null) this.requireSubject(options.subject);
      if (options.minVersion != null) this.requireMinVersion(options.minVersion);
    }
  }

  /** A TrustPolicy as is, or a new one from options. */
  static from(policy) {
    if (policy instanceof TrustPolicy) return policy;
    if (policy === undefined || policy === null) {
      throw new TypeError("sealkit: a trust policy (TrustPolicy or options) is required");
    }
    return new TrustPolicy(policy);
  }

  /** Trusts `key` (PublicKey, text or raw bytes); with `identity`, only for that `iss`. */
  trustKey(key, identity = null) {
    const r = rawPolicies.get(this);
    const id = identity === null || identity === undefined ? undefined : textOf(identity, "identity");
    if (typeof key === "string") {
      const t = textOf(key, "a public key text");
      call(() => r.trustKeyText(t, id));
    } else if (key instanceof PublicKey) {
      const b = key.bytes;
      call(() => r.trustKeyBytes(b, id));
    } else {
      const b = bytesOf(key, "a key");
      call(() => r.trustKeyBytes(b, id));
    }
    return this;
  }

  /** Requires the envelope's `iss` to be exactly `identity`. */
  requireIdentity(identity) {
    const t = textOf(identity, "identity");
    call(() => rawPolicies.get(this).requireIdentity(t));
    return this;
  }

  /** Requires the envelope's `sub` to be exactly `subject`. */
  requireSubject(subject) {
    const t = textOf(subject, "subject");
    call(() => rawPolicies.get(this).requireSubject(t));
    return this;
  }

  /** Requires a release version of at least `min` (a number or bigint; anti-rollback). */
  requireMinVersion(min) {
    const v = u64Of(min, "minVersion");
    rawPolicies.get(this).requireMinVersion(v);
    return this;
  }

  /** How many keys are trusted. */
  get keyCount() {
    return rawPolicies.get(this).keyCount;
  }

  /**
   * A compiled trust policy (the CBOR of `sealkit policy compile`), loaded by the core exactly
   * as a device loads it. Throws SealkitError (175 bad_policy, or the rule broken).
   */
  static fromCbor(bytes) {
    ensure();
    const b = bytesOf(bytes, "a compiled policy");
    const r = call(() => raw.RawTrustPolicy.fromCbor(b));
    const p = new TrustPolicy();
    rawPolicies.get(p).free();
    rawPolicies.set(p, r);
    return p;
  }

  /** Gives the current time (seconds since the Unix epoch): validity and expiry are then checked. */
  setTime(now) {
    const t = u64Of(now, "now");
    rawPolicies.get(this).setTime(t);
    return this;
  }

  /** Follows a signed rotation statement (bytes); returns the new root's key id (hex). */
  applyRotation(statement) {
    const b = bytesOf(statement, "a rotation statement");
    return hex(call(() => rawPolicies.get(this).applyRotation(b)));
  }

  /** Trusts `key` as a root: it may certify signing keys, not sign; `name` is its certificates' `iss`. */
  trustRoot(key, name = null) {
    return this.trustEntry(key, { maySign: false, mayCertify: true, name });
  }

  /** Trusts `key` with explicit rights (`maySign` default true, `mayCertify` default false) and `name`. */
  trustEntry(key, options = {}) {
    const b = PublicKey.from(key).bytes;
    const o = options ?? {};
    const n = o.name === null || o.name === undefined ? undefined : textOf(o.name, "name");
    const maySign = o.maySign ?? true;
    const mayCertify = o.mayCertify ?? false;
    call(() => rawPolicies.get(this).trustEntry(b, Boolean(maySign), Boolean(mayCertify), n));
    return this;
  }

  /**
   * Trusts `key` (PublicKey, text or raw bytes) to sign timestamp receipts; an entry already
   * trusted (say, a keyless issuer's root) gains the right, else a timestamp-only entry is added.
   */
  trustTimestampKey(key) {
    const b = PublicKey.from(key).bytes;
    call(() => rawPolicies.get(this).trustTimestampKey(b));
    return this;
  }

  /** Requires every counted signer's envelope to carry a trusted timestamp receipt (226 `timestamp_missing`). */
  requireTimestamp() {
    rawPolicies.get(this).requireTimestamp();
    return this;
  }

  /** Lets the trusted key `keyId` (hex, 8 bytes or a PublicKey) sign or certify only identities matching `pattern`. */
  allowIdentity(keyId, pattern) {
    const k = keyIdOf(keyId);
    const t = textOf(pattern, "pattern");
    call(() => rawPolicies.get(this).allowIdentity(k, t));
    return this;
  }

  /** Lets the trusted key `keyId` sign or certify only subjects matching `pattern`. */
  allowSubject(keyId, pattern) {
    const k = keyIdOf(keyId);
    const t = textOf(pattern, "pattern");
    call(() => rawPolicies.get(this).allowSubject(k, t));
    return this;
  }

  /** Requires the signer identity to match `pattern`. */
  requireIdentityPattern(pattern) {
    const t = textOf(pattern, "pattern");
    call(() => rawPolicies.get(this).requireIdentityPattern(t));
    return this;
  }

  /** Requires the subject to match `pattern`. */
  requireSubjectPattern(pattern) {
    const t = textOf(pattern, "pattern");
    call(() => rawPolicies.get(this).requireSubjectPattern(t));
    return this;
  }

  /** Revokes the key `keyId` anywhere in a chain. */
  revokeKey(keyId) {
    const k = keyIdOf(keyId);
    call(() => rawPolicies.get(this).revokeKey(k));
    return this;
  }

  /** Revokes the certificate whose id (`cti`) is `id` (bytes, or a string taken as UTF-8). */
  revokeCertificate(id) {
    const b =
      typeof id === "string" ? new TextEncoder().encode(textOf(id, "certificate id")) : bytesOf(id, "a certificate id");
    call(() => rawPolicies.get(this).revokeCertificate(b));
    return this;
  }

  /** Sets the longest certificate chain accepted (default 2). */
  setMaxChainDepth(depth) {
    const d = u8Of(depth, "depth");
    call(() => rawPolicies.get(this).setMaxChainDepth(d));
    return this;
  }

  /** Requires `k` distinct trusted signers; `{ distinctIdentities: true }` requires distinct identities too. */
  requireSigners(k, options = {}) {
    const n = u8Of(k, "k");
    const distinct = Boolean((options ?? {}).distinctIdentities ?? false);
    call(() => rawPolicies.get(this).requireSigners(n, distinct));
    return this;
  }

  /** The current time given with setTime, or null. */
  get time() {
    const t = rawPolicies.get(this).time;
    return t === undefined ? null : num(t);
  }

  /** The number of distinct trusted signers required. */
  get threshold() {
    return rawPolicies.get(this).threshold;
  }

  /** The longest certificate chain accepted. */
  get maxChainDepth() {
    return rawPolicies.get(this).maxChainDepth;
  }

  /** Whether a timestamp receipt is required. */
  get timestampRequired() {
    return rawPolicies.get(this).timestampRequired;
  }

  /** Releases the WebAssembly memory now (otherwise the garbage collector does it). */
  free() {
    const r = rawPolicies.get(this);
    if (r) {
      rawPolicies.delete(this);
      r.free();
    }
  }
}

function facts(v) {
  try {
    const digest = v.digest;
    const version = v.version;
    return Object.freeze({
      keyId: hex(v.keyId),
      alg: v.alg,
      identity: v.identity ?? null,
      subject: v.subject,
      contentFormat: v.contentFormat ?? null,
      mediaType: v.mediaType ?? null,
      issuedAt: num(v.issuedAt),
      version: version === undefined ? null : num(version),
      length: num(v.length),
      hashAlg: v.hashAlg,
      digest,
      digestHex: hex(digest),
      signers: signersOf(v, v.signerCount),
      timeChecked: v.timeChecked,
      expiresAt: v.expiresAt === undefined ? null : num(v.expiresAt),
    });
  } finally {
    v.free();
  }
}

// Signers 0..count of a raw object with signerKeyId/signerIdentity/signerRootKeyId/signerChainDepth
// and signerTimestamp/signerTimestampKeyId.
function signerOf(r, i) {
  const root = r.signerRootKeyId(i);
  const time = r.signerTimestamp(i);
  const tsKey = r.signerTimestampKeyId(i);
  return Object.freeze({
    keyId: hex(r.signerKeyId(i)),
    identity: r.signerIdentity(i) ?? null,
    rootKeyId: root === undefined ? null : hex(root),
    chainDepth: r.signerChainDepth(i),
    timestamp: time === undefined ? null : num(time),
    timestampKeyId: tsKey === undefined ? null : hex(tsKey),
  });
}

function signersOf(r, count) {
  const out = [];
  for (let i = 0; i < count; i++) out.push(signerOf(r, i));
  return Object.freeze(out);
}

/**
 * Checks every signature of a signature file (a single envelope or a signature set) against
 * `policy` without the artifact: each signature's verdict, the signers that count, and whether
 * the policy's threshold is met (`ok`; else `error` is the SealkitError verifying would throw).
 * Throws SealkitError only if the file is malformed.
 */
export function checkSigners(signature, policy) {
  ensure();
  const sig = bytesOf(signature, "a signature");
  const r = withPolicy(policy, (p) => call(() => raw.checkSigners(sig, p)));
  try {
    const reports = [];
    const signers = [];
    for (let i = 0; i < r.count; i++) {
      const code = r.errorCode(i);
      const signer = code === undefined ? signerOf(r, i) : null;
      const counted = r.counted(i);
      if (counted && signer) signers.push(signer);
      reports.push(
        Object.freeze({
          index: r.index(i),
          unverifiedKeyId: hex(r.unverifiedKeyId(i)),
          signer,
          error: code === undefined ? null : new SealkitError(code),
          counted,
        }),
      );
    }
    const verdict = r.verdictCode;
    return Object.freeze({
      reports: Object.freeze(reports),
      signers: Object.freeze(signers),
      isSet: r.isSet,
      ok: verdict === undefined,
      error: verdict === undefined ? null : new SealkitError(verdict),
    });
  } finally {
    r.free();
  }
}

function withPolicy(policy, f) {
  const p = TrustPolicy.from(policy);
  try {
    return f(rawPolicies.get(p));
  } finally {
    if (p !== policy) p.free();
  }
}

/**
 * A synchronous streaming verifier: `new Verifier(envelope, policy)` checks the envelope's
 * signature and the policy before any artifact byte; then `update(chunk)` any number of times
 * and `finish()` for the verified facts. Errors are SealkitError and sticky until `abort()`.
 */
export class Verifier {
  #raw;
  #writable = null;
  #verified = null;
  #settle = null;
  #sinkFacts = null;

  /** Starts at once when given an envelope and a policy; `new Verifier()` is an empty slot. */
  constructor(envelope, policy) {
    ensure();
    this.#raw = new raw.RawVerifier();
    if (envelope !== undefined || policy !== undefined) {
      try {
        this.start(envelope, policy);
      } catch (e) {
        this.#raw.free();
        throw e;
      }
    }
  }

  /** Starts an empty verifier (after `new Verifier()` or `abort()`). */
  start(envelope, policy) {
    const env = bytesOf(envelope, "the envelope");
    try {
      withPolicy(policy, (p) => call(() => this.#raw.start(env, p)));
    } catch (e) {
      this.#failed(e);
      throw e;
    }
  }

  /** Absorbs the next chunk of the artifact (any size, including empty). */
  update(chunk) {
    const data = bytesOf(chunk, "a chunk");
    try {
      call(() => {
        if (data.length <= SLICE) {
          this.#raw.update(data);
        } else {
          for (let off = 0; off < data.length; off += SLICE) {
            this.#raw.update(data.subarray(off, off + SLICE));
          }
        }
      });
    } catch (e) {
      this.#failed(e);
      throw e;
    }
  }

  /** Checks length and digest and returns the verified facts (once). */
  finish() {
    if (this.#sinkFacts !== null) {
      // The writable sink already finished this verification: hand its facts out once.
      const f = this.#sinkFacts;
      this.#sinkFacts = null;
      return f;
    }
    let f;
    try {
      f = facts(call(() => this.#raw.finish()));
    } catch (e) {
      this.#failed(e);
      throw e;
    }
    this.#resolve(f);
    return f;
  }

  /** Empties the verifier from any state, discarding the verification in progress. */
  abort() {
    this.#raw.abort();
    this.#sinkFacts = null;
    this.#writable = null;
    if (this.#settle !== null) {
      this.#settle(false, new DOMException("sealkit: verification aborted", "AbortError"));
    }
    this.#verified = null;
    this.#settle = null;
  }

  /** "empty", "active", "finished" or "failed". */
  get state() {
    return STATES[this.#raw.state];
  }

  /** The sticky error (a SealkitError) once failed, else null. */
  get error() {
    const code = this.#raw.errorCode;
    return code === undefined ? null : new SealkitError(code);
  }

  /** The artifact length the envelope signed, once started, else null. */
  get signedLength() {
    const n = this.#raw.signedLength;
    return n === undefined ? null : num(n);
  }

  /** Artifact bytes absorbed so far, once started, else null. */
  get bytesReceived() {
    const n = this.#raw.bytesReceived;
    return n === undefined ? null : num(n);
  }

  /** The envelope's hash algorithm ("sha256" or "sha512"), once started, else null. */
  get hashAlg() {
    return this.#raw.hashAlg ?? null;
  }

  /** A promise of the verified facts: settles with the first finish or failure. */
  get verified() {
    if (this.#verified === null) {
      this.#verified = new Promise((resolve, reject) => {
        this.#settle = (ok, value) => {
          this.#settle = null;
          if (ok) resolve(value);
          else reject(value);
        };
      });
      // Nobody has to await it: a rejection nobody listens to is not an unhandled rejection.
      this.#verified.catch(() => {});
    }
    return this.#verified;
  }

  #resolve(f) {
    if (this.#settle !== null) this.#settle(true, f);
    else if (this.#verified === null) this.#verified = Promise.resolve(f);
  }

  // `verified` follows the slot: it rejects when the slot has failed (not on a TypeError, or a
  // policy error before the slot was touched).
  #failed(e) {
    if (this.#raw.state === 3) this.#reject(e);
  }

  #reject(e) {
    if (this.#settle !== null) this.#settle(false, e);
    else if (this.#verified === null) {
      this.#verified = Promise.reject(e);
      this.#verified.catch(() => {});
    }
  }

  /**
   * A WHATWG WritableStream sink: `await body.pipeTo(verifier.writable)` feeds every chunk to
   * `update` and finishes when the source closes. A failure errors the sink, so the pipe
   * rejects with the SealkitError and the source is cancelled. The facts are then in
   * `verifier.verified` or returned (once) by `verifier.finish()`.
   */
  get writable() {
    if (this.#writable === null) {
      this.verified; // create the promise before any chunk arrives
      this.#writable = new WritableStream(
        {
          write: (chunk) => {
            this.update(chunk);
          },
          close: () => {
            this.#sinkFacts = this.finish();
          },
          abort: (reason) => {
            this.#reject(reason);
          },
        },
        { highWaterMark: 1 },
      );
    }
    return this.#writable;
  }

  /** Releases the WebAssembly memory now (otherwise the garbage collector does it). */
  free() {
    this.#raw.free();
  }
}

/** Verifies `data` (all in memory) against `envelope`; returns the facts or throws SealkitError. */
export function verifyBytes(data, envelope, policy) {
  const v = new Verifier(envelope, policy);
  try {
    v.update(data);
    return v.finish();
  } finally {
    v.free();
  }
}

async function discard(source, reason) {
  try {
    if (source != null && typeof source.getReader === "function") {
      if (!source.locked) await source.cancel(reason);
    } else if (source != null && typeof source.destroy === "function") {
      source.destroy(); // a Node stream
    } else if (source != null && typeof source[Symbol.asyncIterator] === "function") {
      await source[Symbol.asyncIterator]().return?.();
    }
  } catch {
    // The verdict is what matters; a source that cannot be released is left to the GC.
  }
}

/**
 * Verifies a stream chunk by chunk in constant memory (chunks are never concatenated):
 * `source` is a WHATWG ReadableStream (e.g. `(await fetch(url)).body`), an async iterable or
 * an iterable of byte chunks. On a verification failure (including a rejected envelope, before
 * any byte is read) the stream is cancelled and the SealkitError is thrown; if the stream itself
 * fails, its error is thrown.
 */
export async function verifyStream(source, envelope, policy) {
  await init();
  let v;
  try {
    v = new Verifier(envelope, policy);
  } catch (e) {
    // Nothing will be read: release the source (e.g. stop a download).
    await discard(source, e);
    throw e;
  }
  try {
    if (source != null && typeof source.getReader === "function") {
      const reader = source.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          try {
            v.update(value);
          } catch (e) {
            await reader.cancel(e).catch(() => {});
            throw e;
          }
        }
      } finally {
        reader.releaseLock();
      }
    } else if (isBytes(source)) {
      v.update(source);
    } else if (
      source != null &&
      (typeof source[Symbol.asyncIterator] === "function" || typeof source[Symbol.iterator] === "function")
    ) {
      for await (const chunk of source) v.update(chunk);
    } else {
      throw new TypeError("sealkit: source must be a ReadableStream, an async iterable or an iterable of chunks");
    }
    return v.finish();
  } finally {
    v.free();
  }
}

/**
 * A synchronous verifier for a sealed stream (`sealkit seal`: header, envelope, then the
 * artifact): `new Unsealer(policy)`, then `update(chunk)` returns the chunk's artifact bytes (a
 * view into `chunk`, empty while the header and envelope are read; NOT verified yet: keep them
 * aside), and `finish()` returns the verified facts. The signature is checked as soon as the
 * envelope is complete, before any artifact byte is returned. Errors are SealkitError, sticky.
 */
export class Unsealer {
  #raw;

  constructor(policy) {
    ensure();
    this.#raw = withPolicy(policy, (p) => call(() => new raw.RawUnsealer(p)));
  }

  /** Absorbs the next chunk of the sealed stream; returns its artifact bytes (a subarray). */
  update(chunk) {
    const data = bytesOf(chunk, "a chunk");
    let start = data.length;
    call(() => {
      if (data.length === 0) {
        this.#raw.update(data);
        return;
      }
      for (let off = 0; off < data.length; off += SLICE) {
        const part = data.subarray(off, off + SLICE);
        const o = this.#raw.update(part);
        if (start === data.length && o < part.length) start = off + o;
      }
    });
    return data.subarray(start);
  }

  /** Checks the end of the stream, length and digest; returns the verified facts (once). */
  finish() {
    return facts(call(() => this.#raw.finish()));
  }

  /** "header", "envelope", "payload", "finished" or "failed". */
  get state() {
    return UNSEAL_STATES[this.#raw.state];
  }

  /** The sticky error (a SealkitError) once failed, else null. */
  get error() {
    const code = this.#raw.errorCode;
    return code === undefined ? null : new SealkitError(code);
  }

  /** The signed artifact length once the envelope is accepted, else null. */
  get signedLength() {
    const n = this.#raw.signedLength;
    return n === undefined ? null : num(n);
  }

  /** Artifact bytes absorbed so far once the envelope is accepted, else null. */
  get bytesReceived() {
    const n = this.#raw.bytesReceived;
    return n === undefined ? null : num(n);
  }

  /** Releases the WebAssembly memory now (otherwise the garbage collector does it). */
  free() {
    this.#raw.free();
  }
}

const UNSEAL_STATES = Object.freeze(["header", "envelope", "payload", "finished", "failed"]);

/** The 11-byte sealed-stream header for an envelope of `envelopeLength` bytes. */
export function sealedHeader(envelopeLength) {
  ensure();
  return call(() => raw.sealedHeader(envelopeLength));
}

async function* chunksOf(source) {
  if (source != null && typeof source.getReader === "function") {
    const reader = source.getReader();
    let done = false;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) {
          done = true;
          return;
        }
        yield r.value;
      }
    } finally {
      if (!done) await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  } else if (isBytes(source)) {
    yield source;
  } else if (
    source != null &&
    (typeof source[Symbol.asyncIterator] === "function" || typeof source[Symbol.iterator] === "function")
  ) {
    yield* source;
  } else {
    throw new TypeError("sealkit: source must be a ReadableStream, an async iterable or an iterable of chunks");
  }
}

/**
 * Verifies a sealed stream chunk by chunk in constant memory, handing each chunk's artifact
 * bytes to `write` (awaited; a view that is only valid during the call) as they arrive. The
 * bytes are NOT verified until the returned promise resolves with the facts: write them to a
 * temporary place and install them only then. On any failure (a bad signature before the first
 * artifact byte, appended bytes, a truncated stream...) the source is released and the
 * SealkitError is thrown.
 */
export async function unsealStream(source, policy, write) {
  await init();
  if (typeof write !== "function") throw new TypeError("sealkit: write must be a function");
  const u = new Unsealer(policy);
  try {
    for await (const chunk of chunksOf(source)) {
      const payload = u.update(chunk);
      if (payload.length > 0) await write(payload);
    }
    return u.finish();
  } finally {
    u.free();
  }
}

// ---------------------------------------------------------------------------------------------
// Tree signatures (folders): TreeVerifier over the core's TreeVerifierState, and verifyTree.

function treeEntry(e) {
  try {
    const path = e.path;
    if (e.kind === 0) {
      const sha256 = e.sha256;
      return Object.freeze({
        path,
        kind: "file",
        size: num(e.size),
        executable: e.executable,
        sha256,
        sha256Hex: hex(sha256),
      });
    }
    if (e.kind === 1) return Object.freeze({ path, kind: "directory" });
    return Object.freeze({ path, kind: "symlink", target: e.target, outside: e.outside });
  } finally {
    e.free();
  }
}

const optNum = (n) => (n === undefined ? null : num(n));

/**
 * A synchronous streaming verifier for a folder's tree signature file (`DIR.sig`):
 * `new TreeVerifier(signature, policy)` checks the signature, the policy and every manifest rule
 * (the object keeps its own copy of the manifest); then `nextEntry()` hands out the entries in
 * manifest order, `update(chunk)` takes the current file's bytes, and `finish()` returns the
 * facts once every entry was visited and every file matched its signed size and SHA-256.
 * Errors are SealkitError and sticky until `abort()`.
 */
export class TreeVerifier {
  #raw;

  /** Starts at once when given a signature and a policy; `new TreeVerifier()` is an empty slot. */
  constructor(signature, policy) {
    ensure();
    this.#raw = new raw.RawTreeVerifier();
    if (signature !== undefined || policy !== undefined) {
      try {
        this.start(signature, policy);
      } catch (e) {
        this.#raw.free();
        throw e;
      }
    }
  }

  /** Starts an empty tree verifier (after `new TreeVerifier()` or `abort()`). */
  start(signature, policy) {
    const sig = bytesOf(signature, "the tree signature");
    withPolicy(policy, (p) => call(() => this.#raw.start(sig, p)));
  }

  /**
   * Checks the file before (size and SHA-256) and returns the next entry, or null after the
   * last: `{path, kind: "file", size, executable, sha256, sha256Hex}`,
   * `{path, kind: "directory"}` or `{path, kind: "symlink", target, outside}`.
   */
  nextEntry() {
    const e = call(() => this.#raw.nextEntry());
    return e === undefined ? null : treeEntry(e);
  }

  /** Takes the next bytes of the current file (any size, including empty). */
  update(chunk) {
    const data = bytesOf(chunk, "a chunk");
    call(() => {
      if (data.length <= SLICE) {
        this.#raw.update(data);
      } else {
        for (let off = 0; off < data.length; off += SLICE) this.#raw.update(data.subarray(off, off + SLICE));
      }
    });
  }

  /** Checks the last file and that every entry was visited; returns the manifest's facts. */
  finish() {
    return facts(call(() => this.#raw.finish()));
  }

  /** Empties the verifier from any state (and frees its manifest copy). */
  abort() {
    this.#raw.abort();
  }

  /** "empty", "active", "finished" or "failed". */
  get state() {
    return STATES[this.#raw.state];
  }

  /** The sticky error (a SealkitError) once failed, else null. */
  get error() {
    const code = this.#raw.errorCode;
    return code === undefined ? null : new SealkitError(code);
  }

  /** How many entries the manifest lists, once started, else null. */
  get entryCount() {
    return optNum(this.#raw.entryCount);
  }

  /** Entries not handed out yet, once started, else null. */
  get entriesLeft() {
    return optNum(this.#raw.entriesLeft);
  }

  /** Bytes the current file still needs, while a file is open, else null. */
  get fileBytesLeft() {
    return optNum(this.#raw.fileBytesLeft);
  }

  /** The signed exclusion patterns (sorted), once started; else empty. */
  get exclusions() {
    return Object.freeze(this.#raw.exclusions());
  }

  /** Releases the WebAssembly memory now (otherwise the garbage collector does it). */
  free() {
    this.#raw.free();
  }
}

/** Files missing from, or unexpected in, what was given to `verifyTree`. */
export class TreeFilesError extends Error {
  constructor(missing, unexpected) {
    const parts = [];
    if (missing.length) parts.push(`missing: ${missing.join(", ")}`);
    if (unexpected.length) parts.push(`not in the signed manifest: ${unexpected.join(", ")}`);
    super(`sealkit: tree files do not match the manifest (${parts.join("; ")})`);
    this.name = "TreeFilesError";
    /** Paths of files the manifest lists that were not given. */
    this.missing = Object.freeze([...missing]);
    /** Paths given that are not files of the manifest (nor excluded by it). */
    this.unexpected = Object.freeze([...unexpected]);
  }
}

// A signed exclusion pattern as the format defines it: `*` any run of characters but `/`, `?`
// one character but `/`; without `/` it matches a name at any depth, with `/` the whole
// relative path; an excluded directory excludes everything below it.
function exclusionMatcher(patterns) {
  const compiled = patterns.map((p) => {
    let r = "^";
    for (const ch of p) {
      if (ch === "*") r += "[^/]*";
      else if (ch === "?") r += "[^/]";
      else r += ch.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
    }
    return { re: new RegExp(`${r}$`, "u"), whole: p.includes("/") };
  });
  return (path) => {
    const parts = path.split("/");
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join("/");
      for (const { re, whole } of compiled) {
        if (re.test(whole ? prefix : parts[i - 1])) return true;
      }
    }
    return false;
  };
}

function isBlob(x) {
  return x != null && typeof x === "object" && typeof x.stream === "function" && typeof x.size === "number";
}

// The path of a File picked with <input type=file webkitdirectory> (relative to the picked
// folder), else its name.
function pathOfFile(f) {
  const rel = typeof f.webkitRelativePath === "string" ? f.webkitRelativePath : "";
  if (rel) {
    const i = rel.indexOf("/");
    return i < 0 ? rel : rel.slice(i + 1);
  }
  return f.name;
}

function treeSource(files) {
  if (typeof files === "function") return { get: (entry) => files(entry), rest: () => [] };
  let map;
  if (files instanceof Map) map = new Map(files);
  else if (
    files != null &&
    typeof files === "object" &&
    !isBytes(files) &&
    typeof files[Symbol.iterator] === "function"
  ) {
    map = new Map();
    for (const f of files) {
      if (!isBlob(f) || typeof f.name !== "string") {
        throw new TypeError("sealkit: an iterable of files must hold File objects");
      }
      map.set(pathOfFile(f), f);
    }
  } else if (files != null && typeof files === "object") map = new Map(Object.entries(files));
  else throw new TypeError("sealkit: files must be a function, a Map, an object or a list of File objects");
  return {
    get: (entry) => {
      const c = map.get(entry.path);
      map.delete(entry.path);
      return c;
    },
    rest: () => [...map.keys()],
  };
}

async function feedTree(v, content) {
  if (isBytes(content)) {
    v.update(content);
    return;
  }
  const source = isBlob(content) ? content.stream() : content;
  for await (const chunk of chunksOf(source)) v.update(chunk);
}

// Errors about a file's content surface when it is closed (next entry or finish): name it.
function withPath(e, path) {
  if (e instanceof SealkitError && path !== null && e.code >= 310 && e.code <= 312) e.path = path;
  return e;
}

/**
 * Verifies a folder against its tree signature file: the signature and manifest first, then
 * every file's bytes in manifest order, streamed in constant memory. `files` gives the content
 * by path: a function `(entry) => content` (may return a promise), a Map or object from path to
 * content, or a list of File objects (a FileList from `<input type=file webkitdirectory>`,
 * paths taken relative to the picked folder). Content is a Blob/File, bytes, a ReadableStream or
 * an (async) iterable of chunks. Resolves with `{verified, entries, exclusions}`; rejects with
 * a SealkitError (with `path` for a file that differs) or a TreeFilesError (a listed file not
 * given, or a given file that the manifest neither lists nor excludes). Directories and
 * symlinks are listed in `entries`, but only the caller can check them on disk.
 */
export async function verifyTree(signature, policy, files) {
  await init();
  const source = treeSource(files);
  const v = new TreeVerifier(signature, policy);
  try {
    const exclusions = v.exclusions;
    const entries = [];
    let last = null;
    for (;;) {
      let e;
      try {
        e = v.nextEntry();
      } catch (err) {
        throw withPath(err, last);
      }
      if (e === null) break;
      entries.push(e);
      if (e.kind !== "file") continue;
      last = e.path;
      const content = await source.get(e);
      if (content === undefined || content === null) throw new TreeFilesError([e.path], []);
      try {
        await feedTree(v, content);
      } catch (err) {
        throw withPath(err, e.path);
      }
    }
    let verified;
    try {
      verified = v.finish();
    } catch (err) {
      throw withPath(err, last);
    }
    const excluded = exclusionMatcher(exclusions);
    const unexpected = source.rest().filter((p) => !excluded(p));
    if (unexpected.length) throw new TreeFilesError([], unexpected);
    return Object.freeze({ verified, entries: Object.freeze(entries), exclusions });
  } finally {
    v.free();
  }
}
