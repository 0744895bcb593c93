#!/usr/bin/env bash
# Installs what the tests and the demo need on a fresh machine: npm dependencies
# (from the lock file) and, where missing, Debian's Chromium (browser tests) and
# redis-server (signaling scale-out tests). Idempotent and quiet when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.hamok-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi

need=()
[ "${HAMOK_SKIP_BROWSER:-}" = 1 ] || command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
