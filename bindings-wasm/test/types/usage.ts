// Compiled by `tsc -p test/tsconfig.json` (test/types.test.js): proves the shipped types
// describe the API; each @ts-expect-error line must be a type error or tsc fails.
import {
  init,
  PublicKey,
  SealkitError,
  TrustPolicy,
  Verifier,
  verifyBytes,
  verifyStream,
  type Verified,
  type VerifierState,
} from "../../index.js";

export async function example(url: string, envelope: Uint8Array, keyText: string): Promise<string> {
  await init();
  const policy = new TrustPolicy({ keys: [keyText], identity: "release@example.org", minVersion: 7 })
    .requireSubject("app.bin")
    .requireMinVersion(8n);
  const key: PublicKey = PublicKey.fromText(keyText);
  const id: string = key.keyId;
  new TrustPolicy().trustKey(key.bytes, "ci@example.org").trustKey(key);

  const response = await fetch(url);
  const facts: Verified = await verifyStream(response.body!, envelope, policy);
  const v = new Verifier(envelope, { keys: [{ key: keyText, identity: null }] });
  await (await fetch(url)).body!.pipeTo(v.writable);
  const again: Verified = await v.verified;
  const state: VerifierState = v.state;
  const once = verifyBytes(new ArrayBuffer(0), envelope, policy);
  try {
    v.finish();
  } catch (e) {
    if (e instanceof SealkitError) {
      const code: number = e.code;
      const name: string = e.errorName;
      return `${code} ${name}`;
    }
  }
  return `${id} ${facts.subject} ${again.length} ${state} ${once.digestHex} ${facts.version ?? "none"}`;
}

export function keyless(envelope: Uint8Array, root: PublicKey, tsaText: string): string {
  const policy = new TrustPolicy().trustRoot(root, "issuer").trustTimestampKey(tsaText).requireTimestamp();
  const required: boolean = policy.timestampRequired;
  const signer = verifyBytes(new Uint8Array(0), envelope, policy).signers[0];
  const time: number | bigint | null = signer.timestamp;
  const tsKey: string | null = signer.timestampKeyId;
  // @ts-expect-error the receipt time is read-only
  signer.timestamp = 0;
  // @ts-expect-error requireTimestamp takes no argument
  policy.requireTimestamp(true);
  return `${required} ${time ?? "none"} ${tsKey ?? "none"}`;
}

export function misuse(envelope: Uint8Array, policy: TrustPolicy): void {
  // @ts-expect-error a chunk must be bytes
  new Verifier(envelope, policy).update("text");
  // @ts-expect-error minVersion is a number or bigint
  new TrustPolicy({ minVersion: "7" });
  // @ts-expect-error the facts are read-only
  verifyBytes(envelope, envelope, policy).subject = "other";
  // @ts-expect-error states are a closed set
  const s: VerifierState = "done";
  // @ts-expect-error PublicKey has no public constructor
  new PublicKey();
  void s;
}
