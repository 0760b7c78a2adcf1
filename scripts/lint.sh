#!/usr/bin/env bash
# npm run lint: ESLint with type-aware rules (about 26 s here) and Prettier's check (about 10 s) side by side,
# so the step takes the time of the longer one. Prettier's report follows ESLint's, whole; the exit is non-zero
# when either fails.
set -uo pipefail
cd "$(dirname "$0")/.."

prettier_out=$(mktemp)
trap 'rm -f "$prettier_out"' EXIT
npx prettier --check . >"$prettier_out" 2>&1 &
prettier_pid=$!
npx eslint .
eslint_rc=$?
wait "$prettier_pid"
prettier_rc=$?
cat "$prettier_out"
[ "$eslint_rc" = 0 ] && [ "$prettier_rc" = 0 ]
