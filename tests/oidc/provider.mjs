// A real OpenID provider (the `oidc-provider` package, pinned in package.json) on 127.0.0.1.
//
//   node tests/oidc/provider.mjs [--port N]       (default 0: a free port chosen by the system)
//
// Prints `listening on http://127.0.0.1:PORT` as its first stdout line, then serves discovery
// (/.well-known/openid-configuration), the JWKS, the authorization and token endpoints and the
// package's own development login and consent forms. Static confidential clients:
// `sealkit-rs256` gets RS256-signed ID tokens and `sealkit-es256` ES256-signed ones (the
// audiences the issuer accepts), `other-app` RS256 ones (an audience it refuses); all use the
// redirect URI http://127.0.0.1/callback (never served: mint.mjs reads the code from the redirect).
// Signing keys (RSA 2048 and P-256) are generated at start and never leave the process.
//
// Every account carries GitHub Actions-like claims (scope `github`), put into the ID token:
// repository, job_workflow_ref, event_name, ref, repository_owner, workflow. The values come from
// the JSON object in the environment variable SEALKIT_OP_CLAIMS when set, else from the
// defaults below; the login name typed into the form becomes `sub`.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;

const defaultClaims = {
  repository: 'vendor/app',
  repository_owner: 'vendor',
  job_workflow_ref: 'vendor/app/.github/workflows/release.yml@refs/tags/v1.0.0',
  workflow: 'release',
  event_name: 'push',
  ref: 'refs/tags/v1.0.0',
};
const extraClaims = process.env.SEALKIT_OP_CLAIMS
  ? JSON.parse(process.env.SEALKIT_OP_CLAIMS)
  : defaultClaims;

function privateJwk(type, options, kid, alg) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

const jwks = {
  keys: [
    privateJwk('rsa', { modulusLength: 2048 }, 'op-rsa-1', 'RS256'),
    privateJwk('ec', { namedCurve: 'P-256' }, 'op-ec-1', 'ES256'),
  ],
};

const redirect = 'http://127.0.0.1/callback';
const client = (id, alg) => ({
  client_id: id,
  client_secret: `${id}-secret`,
  redirect_uris: [redirect],
  response_types: ['code'],
  grant_types: ['authorization_code'],
  token_endpoint_auth_method: 'client_secret_post',
  id_token_signed_response_alg: alg,
});

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const { port: bound } = server.address();
  const issuer = `http://127.0.0.1:${bound}`;
  const provider = new Provider(issuer, {
    clients: [
      client('sealkit-rs256', 'RS256'),
      client('sealkit-es256', 'ES256'),
      // A client the issuer does not accept as an audience: its tokens are wrong_audience.
      client('other-app', 'RS256'),
    ],
    jwks,
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256'] },
    // Scope claims go into the ID token itself (as GitHub's tokens carry them), not only
    // into userinfo.
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub'],
      github: Object.keys(extraClaims),
    },
    scopes: ['openid', 'github'],
    ttl: { IdToken: 600, AccessToken: 600, AuthorizationCode: 60, Interaction: 600, Session: 600, Grant: 600 },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, ...extraClaims }),
    }),
    features: { devInteractions: { enabled: true } },
  });
  // Plain HTTP on loopback only: the package refuses nothing, but it warns; keep stderr quiet
  // of that warning's noise by not enabling proxy mode.
  server.on('request', provider.callback());
  process.stdout.write(`listening on ${issuer}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
