// Obtains a real ID token from the provider started by provider.mjs, headlessly, through the
// provider's own authorization code flow:
//   authorization request (with PKCE) -> the provider's development login form, submitted ->
//   its consent form, submitted -> the redirect carrying the code -> the token endpoint ->
//   `id_token`, printed alone on stdout.
//
//   node tests/oidc/mint.mjs ISSUER_URL [--client sealkit-rs256|sealkit-es256] [--login SUB]
//
// Cookies are kept in a small jar (the interaction and session cookies the provider sets);
// forms are read from the returned HTML (their action and hidden fields) and posted with fetch.
import { createHash, randomBytes } from 'node:crypto';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const issuer = process.argv[2];
if (!issuer || issuer.startsWith('--')) {
  process.stderr.write('usage: mint.mjs ISSUER_URL [--client ID] [--login SUB]\n');
  process.exit(2);
}
const clientId = arg('--client', 'sealkit-rs256');
const login = arg('--login', 'release-bot');
const redirectUri = 'http://127.0.0.1/callback';

const jar = new Map();
function keep(response) {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') jar.delete(name);
    else jar.set(name, value);
  }
}
const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

async function request(url, init = {}) {
  const response = await fetch(url, {
    ...init,
    redirect: 'manual',
    headers: { ...(init.headers ?? {}), cookie: cookieHeader() },
  });
  keep(response);
  return response;
}

function fail(message) {
  process.stderr.write(`mint.mjs: ${message}\n`);
  process.exit(1);
}

// Follows redirects by hand (to keep cookies) until a page, or the redirect to our callback.
async function follow(url, init) {
  let response = await request(url, init);
  for (let hops = 0; hops < 10; hops += 1) {
    if (response.status < 300 || response.status >= 400) return { response };
    const location = new URL(response.headers.get('location'), url).toString();
    if (location.startsWith(redirectUri)) return { callback: new URL(location) };
    url = location;
    response = await request(url);
  }
  return fail('too many redirects');
}

function form(html, pageUrl) {
  const action = /<form[^>]*action="([^"]+)"/.exec(html);
  if (!action) fail(`no form on ${pageUrl}: ${html.slice(0, 200)}`);
  const fields = new URLSearchParams();
  for (const m of html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
    fields.set(m[1], m[2]);
  }
  return { action: new URL(action[1].replaceAll('&amp;', '&'), pageUrl).toString(), fields };
}

const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
const verifier = randomBytes(32).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');
const state = randomBytes(16).toString('base64url');
const nonce = randomBytes(16).toString('base64url');
const authorize = new URL(discovery.authorization_endpoint);
authorize.search = new URLSearchParams({
  client_id: clientId,
  response_type: 'code',
  redirect_uri: redirectUri,
  scope: 'openid github',
  state,
  nonce,
  code_challenge: challenge,
  code_challenge_method: 'S256',
}).toString();

let step = await follow(authorize.toString());
let callback = step.callback;
for (let round = 0; !callback && round < 4; round += 1) {
  const page = await step.response.text();
  const pageUrl = step.response.url || authorize.toString();
  if (step.response.status !== 200) fail(`provider answered ${step.response.status}: ${page.slice(0, 300)}`);
  const { action, fields } = form(page, pageUrl);
  if (fields.get('prompt') === 'login') {
    fields.set('login', login);
    fields.set('password', 'any');
  }
  step = await follow(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
  });
  callback = step.callback;
}
if (!callback) fail('the flow did not reach the redirect URI');
if (callback.searchParams.get('error')) {
  fail(`authorization error: ${callback.searchParams.get('error')}: ${callback.searchParams.get('error_description')}`);
}
if (callback.searchParams.get('state') !== state) fail('state mismatch');
const code = callback.searchParams.get('code');
if (!code) fail('no code in the redirect');

const tokenResponse = await fetch(discovery.token_endpoint, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
    client_id: clientId,
    client_secret: `${clientId}-secret`,
  }).toString(),
});
const tokens = await tokenResponse.json();
if (!tokens.id_token) fail(`token endpoint answered ${tokenResponse.status}: ${JSON.stringify(tokens)}`);
process.stdout.write(`${tokens.id_token}\n`);
