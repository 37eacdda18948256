"""Throughput of sealkit.verify_file against the release CLI (`sealkit verify`), same file.

Generates a file (1 GiB by default) and its signature in a temporary directory, reads it once
so the page cache is warm, then times each side three times (in interleaved rounds) and keeps
the best. Prints GB/s for both and the ratio Python / CLI. Also times hashlib over the same
file, in 1 MiB reads, as a reference for the cost of hashing from Python.

    python bench_verify_file.py --cli target/release/sealkit [--size-mib 1024] [--hash sha256]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import sealkit

CHUNK = 1 << 20


def best_of(n: int, fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def make_file(path: Path, size: int) -> None:
    block = os.urandom(CHUNK)
    with open(path, "wb") as f:
        for _ in range(size // CHUNK):
            f.write(block)
        f.write(block[: size % CHUNK])


def hashlib_file(path: Path, alg: str) -> bytes:
    h = hashlib.new(alg)
    with open(path, "rb") as f:
        buf = bytearray(CHUNK)
        view = memoryview(buf)
        while n := f.readinto(buf):
            h.update(view[:n])
    return h.digest()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cli", required=True, type=Path, help="the release sealkit binary")
    p.add_argument("--size-mib", type=int, default=1024)
    p.add_argument("--hash", default="sha256", choices=["sha256", "sha512"])
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    size = args.size_mib * CHUNK

    with tempfile.TemporaryDirectory(prefix="sealkit-bench-") as d:
        tmp = Path(d)
        art = tmp / "artifact.bin"
        make_file(art, size)
        key = sealkit.SigningKey.generate()
        sig = tmp / "artifact.bin.sig"
        sig.write_bytes(sealkit.sign_file(art, key, hash=args.hash))
        pub = tmp / "vendor.pub"
        pub.write_text(key.public_key.text + "\n")
        policy = sealkit.TrustPolicy([key.public_key])
        cli = [str(args.cli), "verify", str(art), "--sig", str(sig), "--key", str(pub)]

        # Warm the page cache and check that both sides accept the file.
        hashlib_file(art, args.hash)
        assert sealkit.verify_file(art, sig, policy).length == size
        subprocess.run(cli, check=True, capture_output=True)

        # Interleaved rounds, so that load drifting during the run hits every side alike.
        t_py = t_cli = t_hashlib = float("inf")
        for _ in range(args.runs):
            t_py = min(t_py, best_of(1, lambda: sealkit.verify_file(art, sig, policy)))
            t_cli = min(
                t_cli, best_of(1, lambda: subprocess.run(cli, check=True, capture_output=True))
            )
            t_hashlib = min(t_hashlib, best_of(1, lambda: hashlib_file(art, args.hash)))

    gb = size / 1e9
    print(f"file: {args.size_mib} MiB, {args.hash}, page cache warm, best of {args.runs}")
    print(f"sealkit.verify_file (Python): {t_py:.3f} s  {gb / t_py:.2f} GB/s")
    print(f"sealkit verify (release CLI): {t_cli:.3f} s  {gb / t_cli:.2f} GB/s")
    print(f"hashlib.{args.hash} in 1 MiB reads: {t_hashlib:.3f} s  {gb / t_hashlib:.2f} GB/s")
    print(f"ratio verify_file / CLI throughput: {t_cli / t_py:.2f}")
    print(f"ratio verify_file / hashlib throughput: {t_hashlib / t_py:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
