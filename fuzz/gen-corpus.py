#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from the conformance vectors.

    python3 fuzz/gen-corpus.py [OUT_DIR]      # default: fuzz/corpus

Reads tests/vectors/sealkit-vectors.json (version 2), sealed-vectors.json, trust-vectors.json (version 2) and
tree-vectors.json (version 1) and refuses other versions. Writes one directory per target
(OUT_DIR/<target>/), one file per seed named by its SHA-1, so running it again over a corpus
that the fuzzer has grown only adds what is missing. The input layouts are documented at the
top of each target (fuzz/fuzz_targets/*.rs) and in fuzz/src/lib.rs ("case" encoding).
"""

import base64
import hashlib
import json
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "vectors"
ARTIFACT_CAP = 4096  # longer (pattern) artifacts are cut: seeds stay small and fast


def load(name, fmt, version):
    data = json.loads((VECTORS / name).read_text())
    if data.get("format", fmt) != fmt or data.get("version") != version:
        sys.exit(f"gen-corpus: {name}: expected format {fmt} version {version}, "
                 f"found {data.get('format')} {data.get('version')}")
    return data


def str8(b):
    if isinstance(b, str):
        b = b.encode()
    b = b[:255]
    return bytes([len(b)]) + b


def bytes16(b):
    b = b[:65535]
    return struct.pack("<H", len(b)) + b


def u64(n):
    return struct.pack("<Q", n & 0xFFFFFFFFFFFFFFFF)


def case_policy(public_keys, policy):
    """The "case" encoding of a trust policy (fuzz/src/lib.rs)."""
    out = bytes([len(public_keys) & 0x0F])
    for k in public_keys:
        flags = 2 | (1 if k.get("identity") is not None else 0)
        out += bytes([flags]) + str8(k["key"])
        if k.get("identity") is not None:
            out += str8(k["identity"])
    flags = 0
    tail = b""
    if policy.get("identity") is not None:
        flags |= 1
        tail += str8(policy["identity"])
    if policy.get("subject") is not None:
        flags |= 2
        tail += str8(policy["subject"])
    if policy.get("min_version") is not None:
        flags |= 4
        tail += u64(policy["min_version"])
    return out + bytes([flags]) + tail


def artifact_bytes(a):
    if "hex" in a:
        return bytes.fromhex(a["hex"])
    if a.get("pattern") == "mod251":
        return bytes(i % 251 for i in range(min(a["len"], ARTIFACT_CAP)))
    sys.exit(f"gen-corpus: unknown artifact form {a!r}")


def cbor_head(buf, pos):
    """(major, argument, next position) of the CBOR head at pos (definite lengths only)."""
    ib = buf[pos]
    major, info = ib >> 5, ib & 0x1F
    if info < 24:
        return major, info, pos + 1
    width = {24: 1, 25: 2, 26: 4, 27: 8}[info]
    return major, int.from_bytes(buf[pos + 1:pos + 1 + width], "big"), pos + 1 + width


def split_tree_sig(sig):
    """(envelope, manifest) of a well-formed tree signature file, else None."""
    try:
        major, n, pos = cbor_head(sig, 0)
        if major != 4 or n != 2:
            return None
        parts = []
        for _ in range(2):
            major, n, pos = cbor_head(sig, pos)
            if major != 2:
                return None
            parts.append(sig[pos:pos + n])
            pos += n
        return parts[0], parts[1]
    except (IndexError, KeyError):
        return None


def envelope_receipt(env):
    """The receipt item in a single envelope's unprotected header (label -65539), else None."""
    try:
        if env[0] != 0xD2 or env[1] != 0x84:
            return None
        major, n, pos = cbor_head(env, 2)
        if major != 2:
            return None
        pos += n
        key = bytes([0xA1, 0x3A, 0x00, 0x01, 0x00, 0x02])
        if env[pos:pos + len(key)] != key:
            return None
        start = pos + len(key)
        # The receipt runs to the payload: the envelope ends with the payload's and the
        # signature's byte strings (a 64-byte signature, a 32- or 64-byte digest).
        for digest_len in (32, 64):
            end = len(env) - (2 + 64) - (2 + digest_len)
            if end > start and env[end:end + 2] == bytes([0x58, digest_len]):
                return env[start:end]
        return None
    except (IndexError, KeyError):
        return None


def main():
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "fuzz" / "corpus"
    seeds = {}

    def add(target, data):
        seeds.setdefault(target, set()).add(bytes(data))

    main_v = load("sealkit-vectors.json", "sealkit-vectors", 2)
    sealed_v = load("sealed-vectors.json", "sealkit-sealed-vectors", 1)
    tree_v = load("tree-vectors.json", "sealkit-tree-vectors", 1)
    trust_v = load("trust-vectors.json", "sealkit-trust-vectors", 2)

    plans = [b"", bytes([7]), bytes([1, 0, 64]), bytes([255])]
    for c in main_v["cases"]:
        env = bytes.fromhex(c["envelope_hex"])
        art = artifact_bytes(c["artifact"])
        add("envelope", env)
        pol = case_policy(c["public_keys"], c["policy"])
        add("chunking_differential", pol + bytes16(env) + str8(plans[1]) + str8(plans[2]) + art)
        add("chunking_differential", pol + bytes16(env) + str8(plans[0]) + str8(plans[3]) + art)
        # The policy's keys, texts and requirements as trust_policy operations.
        ops = b""
        for k in c["public_keys"]:
            if k.get("identity") is None:
                ops += b"\x01" + str8(k["key"])
            else:
                raw = base64.b64decode(k["key"].split(":", 1)[1] + "==")[:32]
                ops += b"\x02" + raw.ljust(32, b"\0") + str8(k["identity"])
        if c["policy"].get("identity") is not None:
            ops += b"\x03" + str8(c["policy"]["identity"])
        if c["policy"].get("subject") is not None:
            ops += b"\x04" + str8(c["policy"]["subject"])
        if c["policy"].get("min_version") is not None:
            ops += b"\x05" + u64(c["policy"]["min_version"])
        add("trust_policy", ops)
    for k in main_v["public_key_text"]:
        add("trust_policy", b"\x06" + str8(k["text"]))
        add("trust_policy", b"\x01" + str8(k["text"]) + b"\x07\x00\x00\x07\x01\x01\x02ci")

    for c in trust_v["cases"]:
        now = c.get("now")
        now_part = b"\x01" + struct.pack("<Q", now) if now is not None else b"\x00"
        rotations = [bytes.fromhex(r) for r in c["rotations_hex"]]
        for rot in rotations or [b""]:
            add("certificates", bytes16(bytes.fromhex(c["policy_hex"])) + now_part + bytes16(rot)
                + bytes16(bytes.fromhex(c["signature_hex"])) + str8(plans[1])
                + bytes.fromhex(c["artifact_hex"]))

    # receipts: every receipt a keyless vector's envelope carries, raw (mode 0) and with the
    # timestamp key revoked (mode 2); then receipts the target signs (mode 1: key, time, digest
    # flip, edits) at the certificate's edges (T0 = 2026-01-01T00:00:00Z, ten minutes).
    t0 = 1_767_225_600
    for c in trust_v["cases"]:
        if not c["name"].startswith("keyless_"):
            continue
        receipt = envelope_receipt(bytes.fromhex(c["signature_hex"]))
        if receipt is not None:
            add("receipts", b"\x00" + receipt)
            add("receipts", b"\x02" + receipt)
    for which, time, flip, edits in [(0, t0 + 42, 0, b""), (0, t0, 0, b""), (0, t0 + 599, 0, b""),
                                     (0, t0 + 600, 0, b""), (0, t0 - 1, 0, b""), (0, 2**64 - 1, 0, b""),
                                     (1, t0 + 42, 0, b""), (2, t0 + 42, 0, b""), (3, t0 + 42, 0, b""),
                                     (0, t0 + 42, 7, b""), (0, t0 + 42, 0, b"\x10\x15"),
                                     (0, t0 + 42, 0, b"\x00\x01"), (0, t0 + 42, 0, b"\x40\x80")]:
        for mode in (1, 3):
            add("receipts", bytes([mode, which]) + u64(time) + bytes([flip]) + edits)

    for c in sealed_v["cases"]:
        stream = bytes.fromhex(c["stream_hex"])
        pol = case_policy(c["public_keys"], c["policy"])
        add("sealed_stream", b"\x00" + pol + str8(plans[1]) + str8(plans[2]) + stream)
        add("sealed_stream", b"\x00" + pol + str8(plans[0]) + str8(bytes([0, 11, 3])) + stream)
    for tamper in range(8):
        add("sealed_stream", bytes([1, tamper]) + struct.pack("<H", 300 + tamper * 77)
            + str8(bytes([5, 0, 130])) + b"a sealed artifact " * 8)

    for c in tree_v["cases"]:
        sig = bytes.fromhex(c["sig"])
        add("tree_manifest", sig)
        parts = split_tree_sig(sig)
        if parts is None:
            continue
        env, manifest = parts
        add("envelope", env)
        add("tree_manifest", manifest)
        files = {p: bytes.fromhex(h) for p, h in c.get("files", {}).items()}
        entries = c["expect"].get("entries")
        if entries is None:
            add("tree_verifier", b"\x00" + bytes16(manifest) + b"\x00\x02" + bytes16(b"x") + b"\x03")
            continue
        ops = b""
        for path in entries:
            ops += b"\x00"
            if path in files:
                ops += b"\x02" + bytes16(files[path])
        add("tree_verifier", b"\x00" + bytes16(manifest) + ops + b"\x00\x03")
        add("tree_verifier", b"\x01" + bytes16(manifest) + ops + b"\x03")
        add("tree_verifier", b"\x02" + bytes16(manifest))

    # stream_verifier: fields, policy, requirements, tamper, then the strings and numbers.
    for fields, pol, req, tamper in [(0x1C, 1, 0x15, 0), (0x06, 5, 0x05, 0), (0x00, 1, 0, 3),
                                     (0x10, 3, 0x30, 4), (0x04, 1, 0x01, 5), (0x1F, 1, 0x15, 6),
                                     (0x00, 2, 0, 7), (0x90, 1, 0, 0), (0x14, 13, 0x2A, 0)]:
        add("stream_verifier", bytes([fields, pol, req, tamper]) + str8("firmware.bin")
            + str8("ci@vendor.example") + str8("application/x-firmware") + u64(1_700_000_000)
            + u64(42) + str8("ci@vendor.example") + str8("ci@vendor.example")
            + str8("firmware.bin") + u64(41) + bytes([tamper % 8]) + struct.pack("<H", 1234)
            + str8(bytes([3, 0, 200])) + b"firmware bytes " * 20)

    # c_api: the good paths, then misuse.
    good_verify = (b"\x02\x00\x00"                # policy P0: trust the fuzz key's text
                   + b"\x09\x00\x00\x00"          # init V0 with the envelope under P0
                   + b"\x0a\x00\x00\xff"          # update V0: 255 artifact bytes
                   + b"\x0a\x00\x00\x2d"          # update V0: the last 45
                   + b"\x0b\x00\x02")             # finish V0
    add("c_api", good_verify)
    add("c_api", good_verify + b"\x0b\x00\x02\x0c\x00\x09\x00\x00\x00\x0d\x00\x00")
    good_unseal = (b"\x02\x00\x00" + b"\x0f\x00\x00"
                   + b"\x10\x00\x00\xff\x01" * 3 + b"\x10\x00\x00\xff\x01" + b"\x11\x00\x02")
    add("c_api", good_unseal)
    add("c_api", b"\x0a\x00\x00\x10\x0d\x00\x00\x09\x00\x00\x00\x0c\x00" + good_verify)
    add("c_api", b"\x01\x03\x00\x09\x05\x00\x00\x0c\x05\x0f\x05\x00\x00\x04\x0c\x04\x12\x04")
    add("c_api", b"\x05\x00\x02\x01\x02\x00\x00\x09\x00\x00\x00" + b"\x13\x00\x01\x14\x0b\x00\x15\x2d\x01")
    add("c_api", b"\x0e\x00\x00\xff\x00\x02" + b"\x02\x00\x00" + b"\x0e\x00\x00\xff\x00\x02")
    good_tree = (b"\x02\x00\x00" + b"\x16\x00\x00\x00"       # policy, then init the tree verifier
                 + b"\x17\x00\x01" * 2                          # dir, then dir/a
                 + b"\x18\x00\x00\xff" + b"\x18\x00\x00\x2d"  # dir/a's 300 bytes
                 + b"\x17\x00\x01" + b"\x18\x00\x00\x0b"       # dir/b's 11 bytes
                 + b"\x17\x00\x01" + b"\x1b\x00\x01" + b"\x1c\x00\x00" + b"\x19\x00\x02")
    add("c_api", good_tree)
    add("c_api", good_tree + b"\x1a\x00" + b"\x16\x00\x03\x10\x00\x05\x00" + b"\x17\x00\x01")

    total = 0
    for target, items in sorted(seeds.items()):
        d = out_dir / target
        d.mkdir(parents=True, exist_ok=True)
        for s in items:
            (d / hashlib.sha1(s).hexdigest()).write_bytes(s)
        total += len(items)
        print(f"{target}: {len(items)} seeds")
    print(f"gen-corpus: {total} seeds in {out_dir}")


if __name__ == "__main__":
    main()
