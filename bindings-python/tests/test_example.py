"""The example in examples/python (shown in the README) works as documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sealkit
from conftest import REPO
from helpers import key

EXAMPLE = REPO / "examples" / "python" / "install_verified.py"
DATA = bytes(range(256)) * 10000


def run(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, EXAMPLE, *map(str, args)], capture_output=True, text=True
    )


def test_installs_a_good_file_and_refuses_bad_ones(tmp_path: Path) -> None:
    art = tmp_path / "app.bin"
    art.write_bytes(DATA)
    sig = tmp_path / "app.bin.sig"
    sig.write_bytes(sealkit.sign_file(art, key(), version=3))
    pub = tmp_path / "vendor.pub"
    pub.write_text(key().public_key.text + "\n")
    dest_dir = tmp_path / "installed"
    dest_dir.mkdir()
    dest = dest_dir / "app.bin"

    r = run(art, sig, "--key", pub, "--subject", "app.bin", "--min-version", "3", "-o", dest)
    assert r.returncode == 0, r.stderr
    assert "installed" in r.stdout and "version 3" in r.stdout
    assert dest.read_bytes() == DATA

    dest.unlink()
    bad = bytearray(DATA)
    bad[-1] ^= 1
    art.write_bytes(bad)
    r = run(art, sig, "--key", key().public_key.text, "-o", dest)
    assert r.returncode == 1
    assert "digest_mismatch" in r.stderr
    assert not dest.exists()
    assert list(dest_dir.iterdir()) == []  # the partial copy is gone too

    art.write_bytes(DATA)
    r = run(art, sig, "--key", pub, "--min-version", "4", "-o", dest)
    assert r.returncode == 1 and "rollback" in r.stderr
    assert list(dest_dir.iterdir()) == []


def test_readme_shows_the_example() -> None:
    """bindings-python/README.md shows the example's function exactly as the tested file has it."""
    import ast

    source = EXAMPLE.read_text(encoding="utf-8")
    tree = ast.parse(source)
    func = next(
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "install_verified"
    )
    code = ast.get_source_segment(source, func)
    assert code is not None
    readme = (REPO / "bindings-python" / "README.md").read_text(encoding="utf-8")
    assert f"```python\n{code}\n```" in readme
