// Asks the service worker to download and verify ?artifact=URL&sig=URL and shows the verdict.
const params = new URLSearchParams(location.search);
const artifact = params.get("artifact");
const status = document.getElementById("status");

const reply = await chrome.runtime.sendMessage({
  type: "verify",
  artifact,
  sig: params.get("sig") ?? `${artifact}.sig`,
});
status.dataset.result = reply.result;
if (reply.result === "verified") {
  status.textContent = "verified";
  document.getElementById("facts").textContent = JSON.stringify(reply.facts, null, 2);
} else if (reply.result === "rejected") {
  status.textContent = `rejected: ${reply.errorName} (${reply.code})`;
} else {
  status.textContent = `error: ${reply.message}`;
}
