#!/usr/bin/env bash
# The demo: install, write sample step-down emails into local Maildirs, run mailbot once on the
# embedded defaults (Maildir + SQLite + file transport), then show the replies and the register.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
uv sync --frozen --quiet --compile-bytecode
uv run python scripts/demo.py demo
uv run mailbot --config demo/mailbot.toml run --once
echo
echo "== Replies mailbot wrote (demo/outgoing) =="
uv run python scripts/demo.py show demo/outgoing
echo
echo "== The register =="
uv run mailbot --config demo/mailbot.toml register export --format json
