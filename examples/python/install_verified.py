"""Install a downloaded file only if its sealkit signature verifies.

The artifact is verified while it is copied to a temporary file beside the destination, and
renamed into place only after ``finish()`` succeeds, so no unverified byte is ever installed.
Memory use is constant whatever the file's size.

    python install_verified.py app.tar.gz app.tar.gz.sig --key vendor.pub -o /opt/app.tar.gz
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

import sealkit

CHUNK = 1 << 20


def install_verified(
    src: str,
    sig: str,
    trusted_key: str,
    dest: str,
    *,
    subject: str | None = None,
    min_version: int | None = None,
) -> sealkit.Verified:
    """Copies `src` to `dest` if it verifies, else raises a sealkit error and installs nothing."""
    policy = sealkit.TrustPolicy([trusted_key], subject=subject, min_version=min_version)
    with open(sig, "rb") as f:
        envelope = f.read(sealkit.MAX_ENVELOPE_LEN + 1)
    # The signature and the policy are checked here, before any artifact byte is read.
    verifier = sealkit.Verifier(envelope, policy)
    fd, partial = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(dest)), prefix=".partial-")
    try:
        with open(src, "rb") as inp, os.fdopen(fd, "wb") as out:
            buf = bytearray(CHUNK)
            view = memoryview(buf)
            while True:
                n = inp.readinto(buf)
                if not n:
                    break
                verifier.update(view[:n])  # in place, GIL released while hashing
                out.write(view[:n])
        facts = verifier.finish()  # raises unless length and digest match
        os.replace(partial, dest)
        return facts
    except BaseException:
        os.unlink(partial)
        raise


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("file")
    p.add_argument("sig")
    p.add_argument("--key", required=True, help="NAME.pub file or sealkit-ed25519:... text")
    p.add_argument("--subject")
    p.add_argument("--min-version", type=int)
    p.add_argument("-o", "--output", required=True)
    args = p.parse_args(argv)
    key = args.key
    if not key.startswith(sealkit.PUBLIC_KEY_TEXT_PREFIX):
        with open(key, encoding="utf-8") as f:
            key = f.read()
    try:
        facts = install_verified(
            args.file,
            args.sig,
            key,
            args.output,
            subject=args.subject,
            min_version=args.min_version,
        )
    except sealkit.SealkitError as e:
        print(f"rejected: {e} ({e.name}, {e.code})", file=sys.stderr)
        return 1
    print(
        f"installed {args.output}: {facts.subject} version {facts.version}, "
        f"{facts.length} bytes, signed by {facts.key_id}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
