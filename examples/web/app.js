// Fetches an artifact and its signature from this page's server and verifies the artifact while
// it streams in (never holding it whole), with the release key the app pins.
// Query parameters: ?artifact=URL&sig=URL (default files/app.bin and its .sig).
import { init, verifyStream, SealkitError } from "./sealkit/index.js";
import { TRUSTED_KEYS, IDENTITY } from "./trusted-key.js";

const params = new URLSearchParams(location.search);
const artifactUrl = params.get("artifact") ?? "files/app.bin";
const sigUrl = params.get("sig") ?? `${artifactUrl}.sig`;
const status = document.getElementById("status");
document.getElementById("artifact").textContent = artifactUrl;
document.getElementById("sig").textContent = sigUrl;

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

function show(result, text) {
  status.dataset.result = result;
  status.textContent = text;
}

async function main() {
  show("pending", "verifying");
  try {
    await init();
    const envelope = new Uint8Array(await (await fetchOk(sigUrl)).arrayBuffer());
    const response = await fetchOk(artifactUrl);
    const facts = await verifyStream(response.body, envelope, { keys: TRUSTED_KEYS, identity: IDENTITY });
    const { digest, ...shown } = facts;
    document.getElementById("facts").textContent = JSON.stringify(shown, null, 2);
    show("verified", "verified");
  } catch (e) {
    if (e instanceof SealkitError) show("rejected", `rejected: ${e.errorName} (${e.code})`);
    else show("error", `error: ${e.message}`);
  }
}

async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  await navigator.serviceWorker.register("sw.js", { type: "module" });
  await navigator.serviceWorker.ready;
  document.getElementById("sw").textContent = "ready";
}

main();
registerServiceWorker().catch((e) => {
  document.getElementById("sw").textContent = `failed: ${e.message}`;
});
