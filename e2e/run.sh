#!/usr/bin/env bash
# The end-to-end suite: real Chromium tabs (Debian's /usr/bin/chromium) forming a hamok cluster over WebRTC.
# WebRTC needs a non-loopback interface and this machine may only talk to loopback or to namespaces it
# creates, so everything (signaling server, demo server, browser) runs inside a private network namespace
# made by scripts/netns.sh. Extra arguments go to `playwright test` (e.g. a spec file or `-g <title>`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec scripts/netns.sh npx playwright test -c e2e/playwright.config.ts "$@"
