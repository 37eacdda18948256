// Verify a downloaded file against its signature before using it:
//   node verify-file.js FILE FILE.sig release.pub
import { createReadStream, readFileSync } from "node:fs";
import { init, verifyStream, SealkitError } from "sealkit";

const [file, sig, key] = process.argv.slice(2);
await init();
try {
  const facts = await verifyStream(createReadStream(file), readFileSync(sig), {
    keys: [readFileSync(key, "utf8")],
    identity: "release@example.org",
  });
  console.log(`verified ${facts.subject} version ${facts.version}, key ${facts.keyId}`);
} catch (e) {
  if (!(e instanceof SealkitError)) throw e;
  console.error(`rejected: ${e.errorName} (${e.code})`);
  process.exitCode = 1;
}
