#!/usr/bin/env bash
# The staff console beside the demo: a local test sign-in (oidc-provider-mock on 127.0.0.1:9400, four
# demo people, one per role) and `mailbot web` on http://127.0.0.1:8080 over the demo's register.
# Run scripts/demo.sh first (this does it when demo/ is missing). Stop with Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")/.."
export MAILBOT_DEMO_SESSION_SECRET="${MAILBOT_DEMO_SESSION_SECRET:-demo-session-secret-not-for-production-use}"
export MAILBOT_DEMO_OIDC_SECRET="${MAILBOT_DEMO_OIDC_SECRET:-demo}"
[ -f demo/mailbot.toml ] || scripts/demo.sh
[ -d node_modules/govuk-frontend ] || npm ci --no-audit --no-fund --loglevel=error
uv sync --frozen --quiet

person() {  # email, name, group
  printf '{"sub": "%s", "email": "%s", "name": "%s", "groups": ["%s"]}' "$1" "$1" "$2" "$3"
}
uv run oidc-provider-mock --port 9400 \
  --user-claims "$(person caf.team@lancashire.gov.uk 'Casey CAF' demo-caf-team)" \
  --user-claims "$(person wpehs.manager@lancashire.gov.uk 'Wren Manager' demo-wpehs-allocators)" \
  --user-claims "$(person viewer@lancashire.gov.uk 'Vic Viewer' demo-viewers)" \
  --user-claims "$(person admin@lancashire.gov.uk 'Ada Admin' demo-administrators)" \
  2>demo/oidc-provider.log &
provider=$!
trap 'kill "$provider" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf http://127.0.0.1:9400/.well-known/openid-configuration >/dev/null 2>&1 && break
  sleep 0.2
done
echo "Console: http://127.0.0.1:8080  (sign in by clicking one of the demo people)"
uv run mailbot --config demo/mailbot.toml web
