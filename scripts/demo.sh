#!/usr/bin/env bash
# The demo: the whole step-down journey on the embedded defaults (Maildir + SQLite + a file transport).
# 1 the council's existing register is imported; 2 the emails are answered (each incoming email shown
# beside mailbot's reply); 3 a chase-up; 4 the digest; 5 a manager allocates by replying to it, and the
# feedback and CAF@ update go out; 6 CAF@ files WPEHS's update and writes to the new lead professional;
# 7 the review queue; 8 the register at the end, as the council's case system takes it back.
set -euo pipefail
cd "$(dirname "$0")/.."
# The demo config has a console section ([web]); these stand in for its secrets (demo only).
export MAILBOT_DEMO_SESSION_SECRET="${MAILBOT_DEMO_SESSION_SECRET:-demo-session-secret-not-for-production-use}"
export MAILBOT_DEMO_OIDC_SECRET="${MAILBOT_DEMO_OIDC_SECRET:-demo}"
command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
uv sync --frozen --quiet --compile-bytecode
demo=(uv run --frozen python scripts/demo.py)
mailbot=(uv run --frozen mailbot --config demo/mailbot.toml)
step() { echo; echo "######## $*"; }

"${demo[@]}" setup demo

step "1. The council's existing register (demo/council-register.csv): a dry run, then the import"
"${mailbot[@]}" register import demo/council-register.csv --dry-run
"${mailbot[@]}" register import demo/council-register.csv

step "2. mailbot answers what is waiting in CAF@ and preventionearlyhelp@"
"${mailbot[@]}" run --once
"${demo[@]}" show demo

step "3. Ten days later: the chase-up (a dry run first, then for real)"
later=$(uv run --frozen python -c 'from datetime import date, timedelta; print(date.today() + timedelta(days=10))')
"${mailbot[@]}" chase --as-of "$later" --dry-run
"${mailbot[@]}" chase --as-of "$later"
"${demo[@]}" show demo

step "4. The allocation digest to WPEHS"
"${mailbot[@]}" digest
"${demo[@]}" show demo

step "5. A WPEHS manager allocates by replying to the digest"
"${demo[@]}" answer-digest demo
"${mailbot[@]}" run --once
"${demo[@]}" show demo

step "6. WPEHS's update reaches CAF@: the new lead professional is filed and written to"
"${demo[@]}" deliver-to-caf demo
"${mailbot[@]}" run --once
"${demo[@]}" show demo

step "7. The review queue: what needs a person"
"${mailbot[@]}" review list

step "8. The register at the end"
"${mailbot[@]}" register show 123456 | uv run --frozen python -c 'import json, sys; r = json.load(sys.stdin); print(json.dumps({k: r[k] for k in ("urn", "children", "lead_professional", "lead_professional_history", "requests", "allocations")}, indent=2))'
echo
echo "The council CSV (mailbot register export --format council-csv):"
"${mailbot[@]}" register export --format council-csv
