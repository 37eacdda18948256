// Writes the small test artifacts, or streams the big one to stdout (`--big`).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { mod251, BIG_LEN, bigChunks } from "./helpers.js";

if (process.argv[2] === "--big") {
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
