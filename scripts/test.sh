#!/usr/bin/env bash
# The project's test command (README, .ci/run): install what is missing, lint, type-check, run the suite.
# Every stage runs even after one fails, so one CI run shows everything; exit status is non-zero if any
# stage failed (pytest's 5, "no tests collected", included). Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-test-deps.sh || { echo "test.sh: installing test dependencies failed" >&2; exit 1; }
if command -v uv >/dev/null 2>&1; then uv=(uv); else uv=(python3 -m uv); fi

failed=()
stage() {
  local name=$1
  shift
  echo "==> $name: $*"
  "$@" || failed+=("$name (exit $?)")
}

lint_paths=()
for path in mailbot tests benchmarks; do [ -e "$path" ] && lint_paths+=("$path"); done

stage ruff "${uv[@]}" run --frozen ruff check "${lint_paths[@]}"
# Formatting is advice, not a gate: report files ruff format would change.
"${uv[@]}" run --frozen ruff format --check "${lint_paths[@]}" >/dev/null 2>&1 \
  || echo "note: some files are not ruff-formatted (run: uv run ruff format ${lint_paths[*]})"
stage mypy "${uv[@]}" run --frozen mypy
stage import-contract "${uv[@]}" run --frozen lint-imports --no-cache

pytest_args=()
if [ -n "${CI:-}" ]; then
  # On CI: no cache directory in the checkout, show the slowest tests, never prompt or colour.
  pytest_args+=(-p no:cacheprovider --durations=15 --color=no)
fi
stage pytest "${uv[@]}" run --frozen pytest "${pytest_args[@]}" "$@"

if ((${#failed[@]})); then
  echo "test.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "test.sh: all stages passed"
