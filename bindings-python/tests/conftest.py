"""Shared fixtures: repository paths, the conformance vectors and the sealkit CLI."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "tests" / "vectors" / "sealkit-vectors.json"


def load_vectors() -> dict[str, Any]:
    """The conformance vectors; refuses any schema version but 2."""
    doc = json.loads(VECTORS.read_text(encoding="utf-8"))
    if doc.get("format") != "sealkit-vectors" or doc.get("version") != 2:
        raise RuntimeError(
            f"{VECTORS}: unsupported vector file (format {doc.get('format')!r}, "
            f"version {doc.get('version')!r}); this harness knows version 2"
        )
    return doc


def artifact_bytes(artifact: dict[str, Any]) -> bytes:
    """The bytes of a case's artifact (hex, or the mod251 pattern)."""
    if "hex" in artifact:
        data = bytes.fromhex(artifact["hex"])
    elif artifact.get("pattern") == "mod251":
        data = bytes(i % 251 for i in range(artifact["len"]))
    else:
        raise RuntimeError(f"unknown artifact recipe {artifact!r}")
    assert len(data) == artifact["len"]
    return data


def cli_path() -> Path:
    """The sealkit CLI: $SEALKIT_CLI, else the workspace's release then debug build."""
    env = os.environ.get("SEALKIT_CLI")
    if env:
        return Path(env)
    for profile in ("release", "debug"):
        p = REPO / "target" / profile / "sealkit"
        if p.exists():
            return p
    found = shutil.which("sealkit")
    if found:
        return Path(found)
    raise RuntimeError("the sealkit CLI is not built: run `cargo build --release -p sealkit-cli`")


@pytest.fixture(scope="session")
def cli() -> Path:
    return cli_path()
