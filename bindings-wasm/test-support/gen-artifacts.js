// Writes the small test artifacts, or streams the big one to stdout (`--big`).
import { writeFileSync, mkdirSync, rmSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { mod251, BIG_LEN, bigChunks } from "./helpers.js";

if (process.argv[2] === "--tree") {
  // A small folder for the tree signature tests (signed by make-fixtures.sh, "*.log" excluded).
  const dir = process.argv[3];
  rmSync(dir, { recursive: true, force: true });
  for (const d of ["bin", "data", "docs", "logs"]) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, "README.txt"), "a folder signed with sealkit\n");
  writeFileSync(join(dir, "bin", "tool"), mod251(1000));
  chmodSync(join(dir, "bin", "tool"), 0o755);
  writeFileSync(join(dir, "data", "big.bin"), mod251(5 * 1024 * 1024 + 7));
  writeFileSync(join(dir, "data", "empty.bin"), new Uint8Array(0));
  writeFileSync(join(dir, "docs", "\u00fcber n\u00e4me.txt"), "UTF-8 names\n");
  writeFileSync(join(dir, "logs", "debug.log"), "excluded from the signature\n");
} else if (process.argv[2] === "--big") {
  for (const chunk of bigChunks()) {
    if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once("drain", r));
  }
} else {
  const out = process.argv[2];
  const app = mod251(3 * 1024 * 1024 + 123);
  writeFileSync(join(out, "app.bin"), app);
  const tampered = app.slice();
  tampered[1_000_000] ^= 0x01;
  writeFileSync(join(out, "app-tampered.bin"), tampered);
  writeFileSync(join(out, "app-truncated.bin"), app.subarray(0, app.length - 1000));
  writeFileSync(join(out, "app-extended.bin"), Buffer.concat([app, mod251(1024 * 1024)]));
}
