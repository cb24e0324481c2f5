"""Every way of installing mailbot compiles its bytecode at install time.

The service user cannot write to the installed environment, so a ``uv sync`` without
``--compile-bytecode`` (or ``UV_COMPILE_BYTECODE=1``) would make every start compile every module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALL_PATHS = ["README.md", "deploy/Containerfile", "deploy/OPERATING.md", "scripts/demo.sh"]


@pytest.mark.parametrize("name", INSTALL_PATHS)
def test_every_uv_sync_compiles_bytecode(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    syncs = [line for line in text.splitlines() if "uv sync" in line and not line.lstrip().startswith("#")]
    assert syncs, f"{name} no longer shows how to install"
    for line in syncs:
        assert "--compile-bytecode" in line or "UV_COMPILE_BYTECODE=1" in text, f"{name}: {line.strip()}"
