#!/usr/bin/env bash
# `npm test`: set-up, then typecheck, lint, and every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== typecheck"; npx tsc -p tsconfig.json --noEmit
echo "== lint"; npx biome check .
echo "== unit, scenario and simulation tests"; npx vitest run
