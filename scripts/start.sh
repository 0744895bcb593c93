#!/usr/bin/env bash
# `npm start`: set-up, then three Hamok peers in one process electing a leader and replicating a write.
set -euo pipefail
cd "$(dirname "$0")/.."
HAMOK_SKIP_BROWSER="${HAMOK_SKIP_BROWSER:-1}" bash scripts/setup.sh
npx tsx examples/three-peers.ts
