#!/usr/bin/env bash
# `npm test`: set-up, then typecheck, lint, and every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== typecheck"; npx tsc -p tsconfig.json --noEmit
echo "== package: packed tarball through publint, attw, tsc per resolver, node"; bash scripts/check-package.sh
echo "== lint"; npx biome check .
echo "== unit, scenario, simulation and browser tests"; npx vitest run
echo "== end-to-end: Chromium tabs over WebRTC in a private network namespace"; bash e2e/run.sh
