"""Peak resident memory (VmHWM / ru_maxrss) of verifying files of growing size, side by side
with a constant-memory baseline on the same files. Run through run.sh, which builds the CLI and
provides the files, key and signatures.

For each size: `sealkit verify FILE --sig SIG --key PUB` (the CLI) against `sha256sum FILE`,
and `sealkit.verify_file` (the Python binding, in a fresh interpreter) against
`hashlib.file_digest` streaming the same file (also in a fresh interpreter). Peak RSS is GNU
time's `%M` (the kernel's maximum resident set size of the command, its VmHWM when it exits).
GNU time runs the command, not this interpreter: the kernel keeps the larger of the
pre-exec and post-exec peaks, so a child forked straight from Python would report at least
Python's own size. Prints one table and the ratios.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

PY_VERIFY = """
import sys, sealkit
policy = sealkit.TrustPolicy([sealkit.PublicKey.from_text(open(sys.argv[3]).read().strip())])
v = sealkit.verify_file(sys.argv[1], sys.argv[2], policy)
assert v.length == int(sys.argv[4]), (v.length, sys.argv[4])
"""

PY_BASELINE = """
import hashlib, sys
with open(sys.argv[1], "rb") as f:
    hashlib.file_digest(f, "sha256")
"""


def peak_rss_kib(argv: list[str]) -> int:
    """Runs argv to completion under GNU time and returns its peak RSS in KiB; exits if the
    command fails."""
    with tempfile.NamedTemporaryFile("r") as out:
        cmd = ["/usr/bin/time", "-f", "%M", "-o", out.name, *argv]
        code = subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False).returncode
        if code != 0:
            sys.exit(f"error: {' '.join(argv)} exited with {code}")
        return int(out.read().split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--python", required=True)
    ap.add_argument("--key", required=True, help="NAME.pub")
    ap.add_argument("files", nargs="+", help="FILE (FILE.sig beside it), smallest first")
    a = ap.parse_args()

    rows = []
    for path in a.files:
        size = os.path.getsize(path)
        sig = path + ".sig"
        rows.append(
            (
                size,
                peak_rss_kib([a.cli, "verify", path, "--sig", sig, "--key", a.key]),
                peak_rss_kib(["sha256sum", path]),
                peak_rss_kib([a.python, "-c", PY_VERIFY, path, sig, a.key, str(size)]),
                peak_rss_kib([a.python, "-c", PY_BASELINE, path]),
            )
        )

    def human(n: int) -> str:
        return f"{n >> 30} GiB" if n >= 1 << 30 else f"{n >> 20} MiB"

    head = ("file", "sealkit verify", "sha256sum", "ratio", "py verify_file", "py hashlib", "ratio")
    print("peak RSS in MiB (ratio: sealkit / baseline on the same file, same run)")
    print("| {:>7} | {:>14} | {:>9} | {:>5} | {:>14} | {:>10} | {:>5} |".format(*head))
    print("|" + "|".join("-" * (len(h) + 2) for h in ("x" * 7,) + head[1:]) + "|")
    for size, cli, sha, py, pyb in rows:
        print(
            f"| {human(size):>7} | {cli / 1024:>14.1f} | {sha / 1024:>9.1f} | {cli / sha:>5.2f} "
            f"| {py / 1024:>14.1f} | {pyb / 1024:>10.1f} | {py / pyb:>5.2f} |"
        )
    first, last = rows[0], rows[-1]
    growth = last[0] / first[0]
    print(
        f"growth from {human(first[0])} to {human(last[0])} (x{growth:.0f} the bytes): "
        f"sealkit verify x{last[1] / first[1]:.3f}, sha256sum x{last[2] / first[2]:.3f}, "
        f"py verify_file x{last[3] / first[3]:.3f}, py hashlib x{last[4] / first[4]:.3f}"
    )


if __name__ == "__main__":
    main()
