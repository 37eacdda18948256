// Types of the npm package `sealkit` (hand-written with index.js; checked by `tsc` in the tests).

/** Bytes: a Uint8Array (or Node Buffer), another ArrayBufferView, or an ArrayBuffer. */
export type BytesLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

/** A key: a PublicKey, its text form `sealkit-ed25519:<base64>`, or its 32 raw bytes. */
export type KeyLike = PublicKey | string | BytesLike;

/** A policy given as options (keys first, then the rules; built at once, errors as SealkitError). */
export interface TrustPolicyOptions {
  /** Up to 8 keys; `{ key, identity }` trusts a key only for that signer identity (`iss`). */
  keys?: Iterable<KeyLike | { key: KeyLike; identity?: string | null }>;
  /** Require the envelope's `iss` to be exactly this. */
  identity?: string | null;
  /** Require the envelope's `sub` to be exactly this. */
  subject?: string | null;
  /** Require a release version of at least this (anti-rollback). */
  minVersion?: number | bigint | null;
}

export type PolicyLike = TrustPolicy | TrustPolicyOptions;

/** The states of a Verifier (sealkit::SlotState). */
export type VerifierState = "empty" | "active" | "finished" | "failed";

/**
 * What a successful finish vouches for. 64-bit values are numbers when exact (up to 2^53 - 1)
 * and bigints above.
 */
export interface Verified {
  /** The signing key's 8-byte id, hex. */
  readonly keyId: string;
  /** "Ed25519" (COSE -19) or "EdDSA" (COSE -8); both mean an Ed25519 signature. */
  readonly alg: "Ed25519" | "EdDSA";
  /** The signer identity (`iss`), or null. */
  readonly identity: string | null;
  /** The artifact name (`sub`). */
  readonly subject: string;
  /** The content type as a CoAP Content-Format number (42 = application/octet-stream), or null. */
  readonly contentFormat: number | null;
  /** The content type as a media type string, or null. */
  readonly mediaType: string | null;
  /** Signing time, seconds since the Unix epoch. */
  readonly issuedAt: number | bigint;
  /** The release version, or null. */
  readonly version: number | bigint | null;
  /** The artifact length in bytes. */
  readonly length: number | bigint;
  /** "sha256" or "sha512". */
  readonly hashAlg: "sha256" | "sha512";
  /** The artifact digest. */
  readonly digest: Uint8Array;
  /** The artifact digest, hex. */
  readonly digestHex: string;
  /** Every trusted signer that counted, in signature-file order (`keyId` is the first's). */
  readonly signers: readonly Signer[];
  /** Whether validity periods and expiry were checked (the policy had a time). */
  readonly timeChecked: boolean;
  /** The envelope's expiry (`exp`), seconds since the Unix epoch, or null. */
  readonly expiresAt: number | bigint | null;
}

/** A key id: 16 hex digits, 8 bytes, or a PublicKey (its id). */
export type KeyIdLike = string | BytesLike | PublicKey;

/** One trusted signer of a verification. */
export interface Signer {
  /** The key that signed the artifact (for a chain: the certified signing key), hex. */
  readonly keyId: string;
  /** The certified identity, or the envelope's `iss` for a direct key, or null. */
  readonly identity: string | null;
  /** The trusted root the chain leads to (hex), or null for a directly trusted key. */
  readonly rootKeyId: string | null;
  /** Number of certificates in the chain (0 for a direct key). */
  readonly chainDepth: number;
  /** When a trusted timestamp authority saw the envelope (Unix seconds, from its receipt), or null. */
  readonly timestamp: number | bigint | null;
  /** The id of the timestamp key that signed the receipt (hex), or null. */
  readonly timestampKeyId: string | null;
}

/** One signature's verdict from checkSigners. */
export interface SignerReport {
  readonly index: number;
  readonly unverifiedKeyId: string;
  readonly signer: Signer | null;
  readonly error: SealkitError | null;
  readonly counted: boolean;
}

/** The outcome of checkSigners. */
export interface SignerCheck {
  readonly reports: readonly SignerReport[];
  readonly signers: readonly Signer[];
  readonly isSet: boolean;
  readonly ok: boolean;
  readonly error: SealkitError | null;
}

/** An error of the sealkit core: `code` and `errorName` are stable (see the package README). */
export class SealkitError extends Error {
  constructor(code: number);
  readonly name: "SealkitError";
  /** The core's stable numeric code, e.g. 302. */
  readonly code: number;
  /** The core's stable snake_case name, e.g. "digest_mismatch". */
  readonly errorName: string;
  /** For `verifyTree`: the path of the file whose content differs (codes 310 to 312). */
  path?: string;
}

/**
 * Loads the WebAssembly module (once; later calls return at once). Node reads the file beside
 * the module; browsers fetch it by URL. `source` may be a URL, a Response, bytes or a Module.
 */
export function init(
  source?: string | URL | Request | Response | Promise<Response> | BufferSource | WebAssembly.Module,
): Promise<void>;

/** Loads the module synchronously from bytes or a compiled module. */
export function initSync(module: BufferSource | WebAssembly.Module): void;

/** A validated Ed25519 public key. */
export class PublicKey {
  private constructor();
  static fromBytes(bytes: BytesLike): PublicKey;
  static fromText(text: string): PublicKey;
  static from(key: KeyLike): PublicKey;
  /** The raw 32 bytes (a copy). */
  readonly bytes: Uint8Array;
  /** The key id, hex. */
  readonly keyId: string;
  toText(): string;
  toString(): string;
}

/** What a verifier accepts. Every method throws SealkitError on a bad argument. */
export class TrustPolicy {
  constructor(options?: TrustPolicyOptions);
  static from(policy: PolicyLike): TrustPolicy;
  trustKey(key: KeyLike, identity?: string | null): this;
  requireIdentity(identity: string): this;
  requireSubject(subject: string): this;
  requireMinVersion(min: number | bigint): this;
  readonly keyCount: number;
  /** A compiled trust policy (the CBOR of `sealkit policy compile`). */
  static fromCbor(bytes: BytesLike): TrustPolicy;
  /** The current time (seconds since the Unix epoch): validity and expiry are then checked. */
  setTime(now: number | bigint): this;
  /** Follows a signed rotation statement; returns the new root's key id (hex). */
  applyRotation(statement: BytesLike): string;
  /** Trusts `key` as a root that certifies signing keys; `name` is its certificates' `iss`. */
  trustRoot(key: KeyLike, name?: string | null): this;
  /** Trusts `key` with explicit rights (defaults: maySign true, mayCertify false). */
  trustEntry(key: KeyLike, options?: { maySign?: boolean; mayCertify?: boolean; name?: string | null }): this;
  /** Trusts `key` to sign timestamp receipts (an entry already trusted gains the right). */
  trustTimestampKey(key: KeyLike): this;
  /** Requires every counted signer to carry a trusted timestamp receipt (226 `timestamp_missing`). */
  requireTimestamp(): this;
  allowIdentity(keyId: KeyIdLike, pattern: string): this;
  allowSubject(keyId: KeyIdLike, pattern: string): this;
  requireIdentityPattern(pattern: string): this;
  requireSubjectPattern(pattern: string): this;
  revokeKey(keyId: KeyIdLike): this;
  /** Revokes a certificate by its id (`cti`): bytes, or a string taken as UTF-8. */
  revokeCertificate(id: BytesLike | string): this;
  setMaxChainDepth(depth: number): this;
  requireSigners(k: number, options?: { distinctIdentities?: boolean }): this;
  /** The time given with setTime, or null. */
  readonly time: number | bigint | null;
  /** The number of distinct trusted signers required. */
  readonly threshold: number;
  /** The longest certificate chain accepted. */
  readonly maxChainDepth: number;
  /** Whether a timestamp receipt is required. */
  readonly timestampRequired: boolean;
  /** Releases the WebAssembly memory now (otherwise the garbage collector does it). */
  free(): void;
}

/** A synchronous streaming verifier over one envelope. */
export class Verifier {
  /** Checks the envelope's signature and the policy at once; without arguments, an empty verifier. */
  constructor(envelope: BytesLike, policy: PolicyLike);
  constructor();
  start(envelope: BytesLike, policy: PolicyLike): void;
  update(chunk: BytesLike): void;
  finish(): Verified;
  abort(): void;
  readonly state: VerifierState;
  readonly error: SealkitError | null;
  readonly signedLength: number | bigint | null;
  readonly bytesReceived: number | bigint | null;
  readonly hashAlg: "sha256" | "sha512" | null;
  /** Settles with the first finish (facts) or failure (SealkitError, or the source's error). */
  readonly verified: Promise<Verified>;
  /** A sink: `await body.pipeTo(verifier.writable)`. */
  readonly writable: WritableStream<BytesLike>;
  /** Releases the WebAssembly memory now (otherwise the garbage collector does it). */
  free(): void;
}

export function verifyBytes(data: BytesLike, envelope: BytesLike, policy: PolicyLike): Verified;

/** Each signature's verdict under `policy`, without the artifact; throws only if the file is malformed. */
export function checkSigners(signature: BytesLike, policy: PolicyLike): SignerCheck;

export function verifyStream(
  source: ReadableStream<BytesLike> | AsyncIterable<BytesLike> | Iterable<BytesLike> | BytesLike,
  envelope: BytesLike,
  policy: PolicyLike,
): Promise<Verified>;

/** A synchronous verifier for a sealed stream (header, envelope, artifact). */
export class Unsealer {
  constructor(policy: PolicyLike);
  /** Returns the chunk's artifact bytes (a view into `chunk`), not verified until `finish()`. */
  update(chunk: BytesLike): Uint8Array;
  finish(): Verified;
  readonly state: "header" | "envelope" | "payload" | "finished" | "failed";
  readonly error: SealkitError | null;
  readonly signedLength: number | bigint | null;
  readonly bytesReceived: number | bigint | null;
  /** Releases the WebAssembly memory now (otherwise the garbage collector does it). */
  free(): void;
}

/** The 11-byte sealed-stream header for an envelope of `envelopeLength` bytes. */
export function sealedHeader(envelopeLength: number): Uint8Array;

/** Verifies a sealed stream, handing artifact bytes to `write`; resolves with the facts. */
export function unsealStream(
  source: ReadableStream<BytesLike> | AsyncIterable<BytesLike> | Iterable<BytesLike> | BytesLike,
  policy: PolicyLike,
  write: (artifactBytes: Uint8Array) => void | Promise<void>,
): Promise<Verified>;

/** One entry of a tree manifest, in manifest order. Sizes are numbers when exact, else bigints. */
export type TreeEntry =
  | {
      readonly path: string;
      readonly kind: "file";
      readonly size: number | bigint;
      readonly executable: boolean;
      readonly sha256: Uint8Array;
      readonly sha256Hex: string;
    }
  | { readonly path: string; readonly kind: "directory" }
  | { readonly path: string; readonly kind: "symlink"; readonly target: string; readonly outside: boolean };

/** A synchronous streaming verifier for a folder's tree signature file (`DIR.sig`). */
export class TreeVerifier {
  /** Checks the signature, policy and manifest at once; without arguments, an empty verifier. */
  constructor(signature: BytesLike, policy: PolicyLike);
  constructor();
  start(signature: BytesLike, policy: PolicyLike): void;
  /** Checks the previous file and returns the next entry, or null after the last. */
  nextEntry(): TreeEntry | null;
  /** Takes the next bytes of the current file. */
  update(chunk: BytesLike): void;
  /** The manifest envelope's facts, once every entry was visited and every file matched. */
  finish(): Verified;
  abort(): void;
  readonly state: VerifierState;
  readonly error: SealkitError | null;
  readonly entryCount: number | bigint | null;
  readonly entriesLeft: number | bigint | null;
  readonly fileBytesLeft: number | bigint | null;
  readonly exclusions: readonly string[];
  /** Releases the WebAssembly memory now (otherwise the garbage collector does it). */
  free(): void;
}

/** Files missing from, or unexpected in, what was given to `verifyTree`. */
export class TreeFilesError extends Error {
  constructor(missing: string[], unexpected: string[]);
  readonly name: "TreeFilesError";
  readonly missing: readonly string[];
  readonly unexpected: readonly string[];
}

/** A file's content for `verifyTree`. */
export type TreeContent = Blob | BytesLike | ReadableStream<BytesLike> | AsyncIterable<BytesLike> | Iterable<BytesLike>;

/** What `verifyTree` reads the files from. */
export type TreeFiles =
  | ((entry: TreeEntry & { kind: "file" }) => TreeContent | null | undefined | Promise<TreeContent | null | undefined>)
  | Map<string, TreeContent>
  | Record<string, TreeContent>
  | Iterable<File>;

export interface VerifiedTree {
  readonly verified: Verified;
  readonly entries: readonly TreeEntry[];
  readonly exclusions: readonly string[];
}

/**
 * Verifies a folder's files against its tree signature file, in manifest order and constant
 * memory. Rejects with SealkitError (its `path` names a file that differs) or TreeFilesError.
 */
export function verifyTree(signature: BytesLike, policy: PolicyLike, files: TreeFiles): Promise<VerifiedTree>;
