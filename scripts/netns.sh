#!/bin/sh
# Run a command inside a private network namespace with a veth pair (10.77.0.1 <-> 10.77.0.2) and loopback.
# WebRTC needs a non-loopback interface for ICE host candidates; the namespace gives it one while keeping every
# packet on this machine (nothing inside can reach any other network).
#
#   scripts/netns.sh node --import tsx test/transport/webrtc-scenario.ts
#
# Needs root (or CAP_SYS_ADMIN + CAP_NET_ADMIN), util-linux `unshare` and iproute2 `ip`.
set -eu

if [ "$#" -eq 0 ]; then
  echo "usage: scripts/netns.sh <command> [args...]" >&2
  exit 64
fi
for tool in unshare ip; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "netns.sh: '$tool' not found (install util-linux and iproute2)" >&2
    exit 69
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "netns.sh: must run as root to create a network namespace" >&2
  exit 77
fi

exec unshare -n sh -c '
  set -e
  ip link set lo up
  ip link add veth0 type veth peer name veth1
  ip addr add 10.77.0.1/24 dev veth0
  ip addr add 10.77.0.2/24 dev veth1
  ip link set veth0 up
  ip link set veth1 up
  ip route add default via 10.77.0.2
  exec "$@"
' netns "$@"
