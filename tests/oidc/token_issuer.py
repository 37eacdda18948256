"""A test OpenID token issuer on 127.0.0.1: a JWKS over HTTP and tokens minted on request.

    python tests/oidc/token_issuer.py [--port N] [--audience AUD]

Prints ``listening on http://127.0.0.1:PORT`` as its first stdout line (port 0, the default,
lets the system choose a free one). The issuer (``iss``) is that URL. Endpoints:

- ``GET /.well-known/openid-configuration``: ``issuer`` and ``jwks_uri``.
- ``GET /jwks``: the public RS256 (RSA 2048) and ES256 (P-256) keys, generated at start.
- ``POST /mint`` body ``{"kind": KIND, "alg": "RS256"|"ES256", "claims": {...}, "count": N}``:
  ``count`` tokens (default 1), one a line, as ``text/plain``. ``claims`` are merged over the
  GitHub Actions-like defaults (``repository``, ``job_workflow_ref``, ``event_name``, ``ref``...);
  a claim set to null is removed. Every token has a fresh ``jti``. KIND is one of ``KINDS``.
- ``POST /rotate``: replaces both signing keys by new ones with new key ids (the old ones leave
  the JWKS); answers ``{"kids": [...]}``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import secrets
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

DEFAULT_CLAIMS: dict[str, Any] = {
    "sub": "repo:vendor/app:ref:refs/tags/v1.0.0",
    "repository": "vendor/app",
    "repository_owner": "vendor",
    "job_workflow_ref": "vendor/app/.github/workflows/release.yml@refs/tags/v1.0.0",
    "workflow": "release",
    "event_name": "push",
    "ref": "refs/tags/v1.0.0",
    "ref_type": "tag",
    "runner_environment": "github-hosted",
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Keys:
    """The current signing keys; rotate() replaces them with new kids."""

    def __init__(self) -> None:
        self.generation = 0
        self.lock = threading.Lock()
        self.rotate()

    def rotate(self) -> list[str]:
        with self.lock:
            self.generation += 1
            self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.ec = ec.generate_private_key(ec.SECP256R1())
            suffix = f"{self.generation}-{secrets.token_hex(4)}"
            self.rsa_kid = f"ti-rsa-{suffix}"
            self.ec_kid = f"ti-ec-{suffix}"
            return [self.rsa_kid, self.ec_kid]

    def jwks(self) -> dict[str, Any]:
        with self.lock:
            rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key()))
            ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec.public_key()))
        rsa_jwk.update({"kid": self.rsa_kid, "alg": "RS256", "use": "sig"})
        ec_jwk.update({"kid": self.ec_kid, "alg": "ES256", "use": "sig"})
        return {"keys": [rsa_jwk, ec_jwk]}

    def signer(self, alg: str) -> tuple[Any, str]:
        with self.lock:
            if alg in ("RS256", "RS384", "RS512", "PS256"):
                return self.rsa, self.rsa_kid
            return self.ec, self.ec_kid


class Issuer:
    def __init__(self, url: str, audience: str) -> None:
        self.url = url
        self.audience = audience
        self.keys = Keys()

    def claims(self, overrides: dict[str, Any]) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = dict(DEFAULT_CLAIMS)
        claims.update(
            {
                "iss": self.url,
                "aud": self.audience,
                "iat": now,
                "nbf": now,
                "exp": now + 300,
                "jti": secrets.token_hex(16),
            }
        )
        for key, value in overrides.items():
            if value is None:
                claims.pop(key, None)
            else:
                claims[key] = value
        return claims

    def sign(self, claims: dict[str, Any], alg: str, kid: str | None = None) -> str:
        key, current_kid = self.keys.signer(alg)
        return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid or current_kid})

    def mint(self, kind: str, alg: str, overrides: dict[str, Any]) -> str:
        now = int(time.time())
        make = KINDS.get(kind)
        if make is None:
            raise ValueError(f"unknown kind {kind!r}; known: {', '.join(sorted(KINDS))}")
        return make(self, alg, now, overrides)


def _good(iss: Issuer, alg: str, _now: int, o: dict[str, Any]) -> str:
    return iss.sign(iss.claims(o), alg)


def _expired(iss: Issuer, alg: str, now: int, o: dict[str, Any]) -> str:
    return iss.sign(iss.claims({"iat": now - 7200, "nbf": now - 7200, "exp": now - 3600, **o}), alg)


def _not_yet_valid(iss: Issuer, alg: str, now: int, o: dict[str, Any]) -> str:
    return iss.sign(iss.claims({"nbf": now + 3600, "exp": now + 7200, **o}), alg)


def _iat_future(iss: Issuer, alg: str, now: int, o: dict[str, Any]) -> str:
    return iss.sign(iss.claims({"iat": now + 3600, "nbf": None, "exp": now + 7200, **o}), alg)


def _wrong_signature(iss: Issuer, alg: str, _now: int, o: dict[str, Any]) -> str:
    # Signed by a stranger's key but naming the provider's current key id.
    _, kid = iss.keys.signer(alg)
    stranger: Any = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if alg.startswith(("RS", "PS"))
        else ec.generate_private_key(ec.SECP256R1())
    )
    return jwt.encode(iss.claims(o), stranger, algorithm=alg, headers={"kid": kid})


def _tampered_payload(iss: Issuer, alg: str, _now: int, o: dict[str, Any]) -> str:
    # A genuine token whose payload was then changed (another repository): signature invalid.
    header, _, signature = iss.sign(iss.claims(o), alg).split(".")
    payload = b64url(json.dumps(iss.claims({"repository": "attacker/app", **o})).encode())
    return f"{header}.{payload}.{signature}"


def _wrong_audience(iss: Issuer, alg: str, _now: int, o: dict[str, Any]) -> str:
    return iss.sign(iss.claims({"aud": "someone-else", **o}), alg)


def _unknown_issuer(iss: Issuer, alg: str, _now: int, o: dict[str, Any]) -> str:
    return iss.sign(iss.claims({"iss": "https://idp.invalid/not-configured", **o}), alg)


def _rs384(iss: Issuer, _alg: str, _now: int, o: dict[str, Any]) -> str:
    return iss.sign(iss.claims(o), "RS384")


def _ps256(iss: Issuer, _alg: str, _now: int, o: dict[str, Any]) -> str:
    return iss.sign(iss.claims(o), "PS256")


def _alg_none(iss: Issuer, _alg: str, _now: int, o: dict[str, Any]) -> str:
    _, kid = iss.keys.signer("RS256")
    header = b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    payload = b64url(json.dumps(iss.claims(o)).encode())
    return f"{header}.{payload}."


def _hs256_public_key(iss: Issuer, _alg: str, _now: int, o: dict[str, Any]) -> str:
    # The classic key confusion: HMAC keyed with the provider's RSA public key (PEM), as a
    # verifier that trusted the header's alg would check it. PyJWT refuses to do this, so by hand.
    key, kid = iss.keys.signer("RS256")
    secret = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = b64url(json.dumps(iss.claims(o)).encode())
    mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(mac)}"


def _unknown_kid(iss: Issuer, alg: str, _now: int, o: dict[str, Any]) -> str:
    stranger: Any = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if alg.startswith(("RS", "PS"))
        else ec.generate_private_key(ec.SECP256R1())
    )
    kid = f"unknown-{secrets.token_hex(4)}"
    return jwt.encode(iss.claims(o), stranger, algorithm=alg, headers={"kid": kid})


def _malformed(_iss: Issuer, _alg: str, _now: int, _o: dict[str, Any]) -> str:
    return "this-is-not-a-jws"


def _malformed_segments(_iss: Issuer, _alg: str, _now: int, _o: dict[str, Any]) -> str:
    return "e30.!!!not-base64!!!.e30"


def _malformed_header(iss: Issuer, _alg: str, _now: int, o: dict[str, Any]) -> str:
    payload = b64url(json.dumps(iss.claims(o)).encode())
    return f"{b64url(b'not json')}.{payload}.{b64url(b'x' * 64)}"


KINDS: dict[str, Callable[[Issuer, str, int, dict[str, Any]], str]] = {
    "good": _good,
    "expired": _expired,
    "not_yet_valid": _not_yet_valid,
    "iat_future": _iat_future,
    "wrong_signature": _wrong_signature,
    "tampered_payload": _tampered_payload,
    "wrong_audience": _wrong_audience,
    "unknown_issuer": _unknown_issuer,
    "rs384": _rs384,
    "ps256": _ps256,
    "alg_none": _alg_none,
    "hs256_public_key": _hs256_public_key,
    "unknown_kid": _unknown_kid,
    "malformed": _malformed,
    "malformed_segments": _malformed_segments,
    "malformed_header": _malformed_header,
}


def make_handler(issuer: Issuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            del format, args  # quiet: the test script's output stays readable

        def reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def reply_json(self, status: int, value: Any) -> None:
            self.reply(status, json.dumps(value).encode(), "application/json")

        def do_GET(self) -> None:
            if self.path == "/.well-known/openid-configuration":
                self.reply_json(
                    200,
                    {
                        "issuer": issuer.url,
                        "jwks_uri": f"{issuer.url}/jwks",
                        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                        "response_types_supported": ["id_token"],
                        "subject_types_supported": ["public"],
                    },
                )
            elif self.path == "/jwks":
                self.reply_json(200, issuer.keys.jwks())
            else:
                self.reply_json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
                if self.path == "/rotate":
                    self.reply_json(200, {"kids": issuer.keys.rotate()})
                elif self.path == "/mint":
                    count = int(body.get("count", 1))
                    tokens = [
                        issuer.mint(
                            str(body.get("kind", "good")),
                            str(body.get("alg", "RS256")),
                            dict(body.get("claims") or {}),
                        )
                        for _ in range(count)
                    ]
                    self.reply(200, ("\n".join(tokens) + "\n").encode(), "text/plain")
                else:
                    self.reply_json(404, {"error": "not_found"})
            except (ValueError, TypeError, AttributeError) as exc:
                self.reply_json(400, {"error": "bad_request", "message": str(exc)})

    return Handler


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--audience", default="sealkit")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), BaseHTTPRequestHandler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    server.RequestHandlerClass = make_handler(Issuer(url, args.audience))
    print(f"listening on {url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
