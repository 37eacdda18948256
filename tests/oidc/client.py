"""HTTP and file helpers for scripts/keyless.sh, speaking the issuer's HTTP API directly.

    client.py cert ISSUER_URL TOKEN_FILE            one certificate request with a fresh key
    client.py post ISSUER_URL PATH [--body B | --size N] [--content-type T]
    client.py strip-receipt IN.sig OUT.sig          drop the receipt (label -65539)
    client.py move-receipt DONOR.sig IN.sig OUT.sig IN's envelope with DONOR's receipt
    client.py audit-count DB                        rows in the audit log
    client.py audit-tamper DB                       edit one field of the first row
    client.py burst ISSUER_URL TOKEN_ISSUER_URL N   N mixed good/bad requests, 8 threads

Requests print one line ``STATUS ERROR_NAME`` (``200 -`` on success; for ``cert`` also the
identity: ``200 - IDENTITY``) and exit 0 whatever the status: the caller compares. Anything else
(no answer, a body that is not the contract's JSON) exits 1.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import sqlite3
import sys
import threading
import urllib.parse
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# cbor2 and cryptography are imported where they are used, so that the audit log commands, run
# many times by the test script, start fast.


PROOF_PREFIX = b"sealkit-issuer-proof-v1\x00"
RECEIPT_LABEL = -65539


def request(
    url: str, path: str, body: bytes, content_type: str = "application/json", method: str = "POST"
) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        headers = {"Content-Type": content_type} if method == "POST" else {}
        conn.request(method, path, body=body if method == "POST" else None, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def error_name(status: int, body: bytes) -> str:
    if status == 200:
        return "-"
    try:
        value = json.loads(body)
    except ValueError:
        return "<not-json>"
    if not isinstance(value, dict) or not isinstance(value.get("error"), str):
        return "<no-error-field>"
    if not isinstance(value.get("message"), str):
        return "<no-message-field>"
    return str(value["error"])


def certificate_body(
    token: str, key: Ed25519PrivateKey | None = None, proof_key: Ed25519PrivateKey | None = None
) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = key or Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    proof = (proof_key or key).sign(PROOF_PREFIX + hashlib.sha256(token.encode()).digest())
    return json.dumps(
        {
            "token": token,
            "public_key": "sealkit-ed25519:" + base64.b64encode(raw).decode(),
            "proof": base64.b64encode(proof).decode(),
        }
    ).encode()


def cmd_cert(url: str, token_file: str, *flags: str) -> int:
    with open(token_file, encoding="utf-8") as f:
        token = f.read().strip()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    proof_key = Ed25519PrivateKey.generate() if "--foreign-proof" in flags else None
    status, body = request(url, "/v1/certificate", certificate_body(token, proof_key=proof_key))
    name = error_name(status, body)
    if status == 200:
        answer = json.loads(body)
        for field in ("certificate", "chain", "identity", "not_before", "expires_at", "certificate_id"):
            if field not in answer:
                print(f"answer lacks {field}: {answer}", file=sys.stderr)
                return 1
        print(f"{status} {name} {answer['identity']}")
    else:
        print(f"{status} {name}")
    return 0


def cmd_post(url: str, path: str, *flags: str) -> int:
    body = b"{}"
    content_type = "application/json"
    method = "POST"
    args = list(flags)
    while args:
        flag = args.pop(0)
        if flag == "--body":
            body = args.pop(0).encode()
        elif flag == "--size":
            size = int(args.pop(0))
            body = json.dumps({"token": "x" * size, "public_key": "", "proof": ""}).encode()
        elif flag == "--content-type":
            content_type = args.pop(0)
        elif flag == "--get":
            method = "GET"
        else:
            raise SystemExit(f"unknown flag {flag}")
    status, answer = request(url, path, body, content_type, method)
    print(f"{status} {error_name(status, answer)}")
    return 0


def cmd_strip_receipt(src: str, dst: str) -> int:
    import cbor2

    with open(src, "rb") as f:
        envelope = cbor2.loads(f.read())
    if not isinstance(envelope, cbor2.CBORTag) or envelope.tag != 18 or len(envelope.value) != 4:
        print("not a tagged COSE_Sign1", file=sys.stderr)
        return 1
    unprotected = envelope.value[1]
    if RECEIPT_LABEL not in unprotected:
        print(f"no receipt in the unprotected header: {sorted(unprotected)}", file=sys.stderr)
        return 1
    del unprotected[RECEIPT_LABEL]
    with open(dst, "wb") as f:
        f.write(cbor2.dumps(envelope))
    return 0


def cmd_move_receipt(donor: str, src: str, dst: str) -> int:
    """Puts DONOR's receipt into SRC's envelope (a receipt for another envelope), writes DST."""
    import cbor2

    with open(donor, "rb") as f:
        receipt = cbor2.loads(f.read()).value[1][RECEIPT_LABEL]
    with open(src, "rb") as f:
        envelope = cbor2.loads(f.read())
    envelope.value[1] = {RECEIPT_LABEL: receipt}
    with open(dst, "wb") as f:
        f.write(cbor2.dumps(envelope))
    return 0


def audit_table(db: sqlite3.Connection) -> str:
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        columns = {row[1] for row in db.execute(f'PRAGMA table_info("{name}")')}
        if {"seq", "entry_hash", "prev_hash"} <= columns:
            return str(name)
    raise SystemExit("no audit table (with seq, prev_hash, entry_hash) in the database")


def cmd_audit_count(path: str) -> int:
    if not os.path.exists(path):
        print(0)
        return 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    (count,) = db.execute(f'SELECT count(*) FROM "{audit_table(db)}"').fetchone()
    print(count)
    return 0


def cmd_audit_tamper(path: str) -> int:
    db = sqlite3.connect(path)
    table = audit_table(db)
    columns = {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}
    column = "identity" if "identity" in columns else "time"
    value = "attacker@example.invalid" if column == "identity" else 1
    # Whoever can write the file can also drop the triggers that refuse updates: the hash chain,
    # not the triggers, is what makes an edit detectable.
    triggers = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    for name in triggers:
        db.execute(f'DROP TRIGGER "{name}"')
    cursor = db.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE seq = (SELECT min(seq) FROM "{table}")', (value,))
    db.commit()
    print(f"dropped {len(triggers)} trigger(s), edited {column} of {cursor.rowcount} row(s)")
    return 0 if cursor.rowcount == 1 else 1


def mint(token_issuer: str, kind: str, count: int, alg: str = "ES256") -> list[str]:
    status, body = request(token_issuer, "/mint", json.dumps({"kind": kind, "alg": alg, "count": count}).encode())
    if status != 200:
        raise SystemExit(f"token issuer answered {status}: {body[:200]!r}")
    return body.decode().split()


def cmd_burst(url: str, token_issuer: str, total: str) -> int:
    """Mixed good and bad requests from 8 threads; counts statuses, fails on 5xx or no answer."""
    n = int(total)
    bad_kinds = ["expired", "wrong_signature", "wrong_audience", "unknown_issuer", "alg_none", "hs256_public_key"]
    bad_tokens = {kind: mint(token_issuer, kind, 1)[0] for kind in bad_kinds}
    good_tokens = mint(token_issuer, "good", max(1, n // 10))
    requests: list[tuple[str, bytes, str]] = []
    for i in range(n):
        pick = i % 10
        if pick == 0 and good_tokens:
            requests.append(("/v1/certificate", certificate_body(good_tokens.pop()), "application/json"))
        elif pick in (1, 2, 3):
            digest = hashlib.sha256(i.to_bytes(8, "big")).hexdigest()
            requests.append(("/v1/timestamp", json.dumps({"digest": digest}).encode(), "application/json"))
        elif pick in (4, 5):
            kind = bad_kinds[i % len(bad_kinds)]
            requests.append(("/v1/certificate", certificate_body(bad_tokens[kind]), "application/json"))
        elif pick == 6:
            requests.append(("/v1/certificate", b'{"token": ', "application/json"))
        elif pick == 7:
            requests.append(("/v1/timestamp", b'{"digest": "00"}', "text/plain"))
        elif pick == 8:
            requests.append(("/v1/timestamp", b'{"digest": "' + b"0" * 20000 + b'"}', "application/json"))
        else:
            requests.append(("/v1/timestamp", json.dumps({"digest": "zz" * 32}).encode(), "application/json"))
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    cursor = iter(enumerate(requests))

    def worker() -> None:
        parts = urllib.parse.urlsplit(url)
        while True:
            with lock:
                item = next(cursor, None)
            if item is None:
                return
            _, (path, body, content_type) = item
            try:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                conn.request("POST", path, body=body, headers={"Content-Type": content_type})
                status = conn.getresponse().status
                conn.close()
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    failures.append(f"{path}: {exc!r}")
                continue
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    summary = " ".join(f"{s}x{c}" for s, c in sorted(statuses.items()))
    print(f"{sum(statuses.values())} answered ({summary}), {len(failures)} without an answer")
    for failure in failures[:5]:
        print(f"  {failure}")
    server_errors = sum(c for s, c in statuses.items() if s >= 500)
    return 0 if not failures and server_errors == 0 and sum(statuses.values()) == n else 1


COMMANDS = {
    "cert": cmd_cert,
    "post": cmd_post,
    "strip-receipt": cmd_strip_receipt,
    "move-receipt": cmd_move_receipt,
    "audit-count": cmd_audit_count,
    "audit-tamper": cmd_audit_tamper,
    "burst": cmd_burst,
}


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return COMMANDS[argv[1]](*argv[2:])
    except (OSError, http.client.HTTPException) as exc:
        print(f"client.py {argv[1]}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
