// The extension's service worker: downloads an artifact and its signature and verifies the
// artifact as it streams in, with the release key pinned in the extension (trusted-key.js).
// Pages of the extension ask it with chrome.runtime.sendMessage({ type: "verify", artifact, sig }).
import { init, verifyStream, SealkitError } from "./sealkit/index.js";
import { TRUSTED_KEYS, IDENTITY } from "./trusted-key.js";

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

async function verify(artifactUrl, sigUrl) {
  try {
    await init();
    const envelope = new Uint8Array(await (await fetchOk(sigUrl)).arrayBuffer());
    const response = await fetchOk(artifactUrl);
    const facts = await verifyStream(response.body, envelope, { keys: TRUSTED_KEYS, identity: IDENTITY });
    // Messages are JSON: drop the digest bytes, keep its hex.
    const { digest, ...shown } = facts;
    return { result: "verified", facts: shown };
  } catch (e) {
    if (e instanceof SealkitError) return { result: "rejected", errorName: e.errorName, code: e.code };
    return { result: "error", message: String(e.message) };
  }
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id || message?.type !== "verify") return false;
  verify(message.artifact, message.sig).then(sendResponse);
  return true; // the response is sent asynchronously
});
