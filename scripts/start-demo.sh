#!/usr/bin/env bash
# `npm start`: set up, build the demo, start the signaling server and serve the demo on localhost.
# Open the printed URL in several tabs (or browsers): they form one hamok cluster over WebRTC.
#   DEMO_PORT (default 5173), SIGNAL_PORT (default 8787), ROOM (default demo) change the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO_PORT="${DEMO_PORT:-5173}"
SIGNAL_PORT="${SIGNAL_PORT:-8787}"
ROOM="${ROOM:-demo}"

HAMOK_SKIP_BROWSER=1 bash scripts/setup.sh
echo "start: building the demo"
npx vite build --config demo/vite.config.ts --logLevel warn

echo "start: signaling server on http://localhost:${SIGNAL_PORT}"
npx tsx signaling-server/main.ts --host 127.0.0.1 --port "${SIGNAL_PORT}" --log-level warn &
signal_pid=$!
trap 'kill "${signal_pid}" 2>/dev/null || true' EXIT INT TERM

url="http://localhost:${DEMO_PORT}/?room=${ROOM}"
[ "${SIGNAL_PORT}" = 8787 ] || url="${url}&signal=http://localhost:${SIGNAL_PORT}"
cat <<MSG

  hamok demo: open this URL in two or three tabs (or browsers) side by side:

      ${url}

  Add, tick and delete tasks in any tab; watch the cluster inspector elect a leader, replicate and
  compact the log. Close the leader's tab to see a failover. Ctrl-C stops the servers.

MSG
npx vite preview --config demo/vite.config.ts --host 127.0.0.1 --port "${DEMO_PORT}" --strictPort
