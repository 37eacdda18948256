// Compiled by `tsc -p test/tsconfig.json`: the tree signature API's types (TreeVerifier,
// verifyTree, TreeFilesError); each @ts-expect-error line must be a type error.
import {
  init,
  SealkitError,
  TreeFilesError,
  TreeVerifier,
  verifyTree,
  type TreeEntry,
  type Verified,
  type VerifiedTree,
} from "../../index.js";

export async function tree(sig: Uint8Array, keyText: string, picked: FileList): Promise<string> {
  await init();
  const v = new TreeVerifier(sig, { keys: [keyText] });
  const patterns: readonly string[] = v.exclusions;
  let e: TreeEntry | null;
  while ((e = v.nextEntry()) !== null) {
    if (e.kind === "file") {
      const size: number | bigint = e.size;
      const hex: string = e.sha256Hex;
      v.update(new Uint8Array(Number(size)));
      void hex;
    } else if (e.kind === "symlink") {
      const t: string = e.target;
      const out: boolean = e.outside;
      void [t, out];
    }
  }
  const facts: Verified = v.finish();
  try {
    const r: VerifiedTree = await verifyTree(sig, { keys: [keyText] }, picked);
    await verifyTree(sig, { keys: [keyText] }, new Map([["a", new Blob([])]]));
    await verifyTree(sig, { keys: [keyText] }, async (f) => (f.size === 0 ? new Uint8Array(0) : null));
    return `${r.entries.length} ${facts.subject} ${patterns.length}`;
  } catch (err) {
    if (err instanceof TreeFilesError) return err.missing.concat(err.unexpected).join(",");
    if (err instanceof SealkitError) return `${err.code} ${err.path ?? ""}`;
    throw err;
  }
}

export function treeMisuse(sig: Uint8Array): void {
  const v = new TreeVerifier();
  // @ts-expect-error a policy is required with a signature
  new TreeVerifier(sig);
  const e = v.nextEntry();
  // @ts-expect-error a directory entry has no size
  if (e !== null && e.kind === "directory") void e.size;
  // @ts-expect-error entries are read-only
  if (e !== null) e.path = "x";
  // @ts-expect-error files must be given
  void verifyTree(sig, { keys: [] });
}
