"""The tree conformance vectors (tests/vectors/tree-vectors.json) through the Python API:
'open' cases through the core's tree signature check, the others by writing the tree to a
directory and verifying it with verify_tree (differences as the vectors list them)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import sealkit
from conftest import REPO
from sealkit import _sealkit

TREE_VECTORS = REPO / "tests" / "vectors" / "tree-vectors.json"


def load() -> list[dict[str, Any]]:
    doc = json.loads(TREE_VECTORS.read_text(encoding="utf-8"))
    if doc.get("format") != "sealkit-tree-vectors" or doc.get("version") != 1:
        raise RuntimeError(f"{TREE_VECTORS}: unsupported version {doc.get('version')!r}")
    cases: list[dict[str, Any]] = doc["cases"]
    return cases


CASES = load()


def materialize(root: Path, entries: list[Any], files: dict[str, str]) -> None:
    for path, kind, _size, _digest, executable, target, _outside in entries:
        p = root / path
        if kind == "directory":
            p.mkdir()
        elif kind == "symlink":
            os.symlink(target, p)
        else:
            p.write_bytes(bytes.fromhex(files[path]))
            os.chmod(p, 0o755 if executable else 0o644)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_tree_vector(case: dict[str, Any], tmp_path: Path) -> None:
    sig = bytes.fromhex(case["sig"])
    policy = sealkit.TrustPolicy(case["keys"])
    expect = case["expect"]
    if expect.get("stage") == "open":
        with pytest.raises(sealkit.SealkitError) as e:
            _sealkit.open_tree_signature(sig, policy)
        assert (e.value.code, e.value.name) == (expect["code"], expect["error"])
        with pytest.raises(sealkit.SealkitError) as e:
            sealkit.verify_tree(tmp_path, sig, policy)
        assert e.value.code == expect["code"]
        return
    verified, exclusions, entries = _sealkit.open_tree_signature(sig, policy)
    root = tmp_path / "tree"
    root.mkdir()
    materialize(root, entries, case["files"])
    report = sealkit.verify_tree(root, sig, policy, check=False)
    if "error" in expect:
        assert [[d.change, d.path] for d in report.differences] == expect["differences"]
    else:
        assert report.ok, report.differences
        assert [e[0] for e in entries] == expect["entries"]
        assert exclusions == expect["exclusions"]
        assert verified.subject == expect["subject"]
        assert verified.version == expect["version"]


def test_every_case_ran() -> None:
    assert len(CASES) >= 20
