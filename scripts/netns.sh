#!/bin/sh
# Run a command inside a private network namespace with a veth pair (10.77.0.1 <-> 10.77.0.2) and loopback.
# WebRTC needs a non-loopback interface for ICE host candidates; the namespace gives it one while keeping every
# packet on this machine (nothing inside can reach any other network).
#
#   scripts/netns.sh node --import tsx test/transport/webrtc-scenario.ts
#
# Needs root or unprivileged user namespaces, util-linux `unshare` and iproute2 `ip`.
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
# As root a plain network namespace; otherwise an unprivileged user namespace that maps the caller to root
# inside it (where the kernel allows them), which is enough to create the veth pair.
flags="-n"
if [ "$(id -u)" -ne 0 ]; then
  if unshare -rn true 2>/dev/null; then
    flags="-rn"
  else
    echo "netns.sh: creating a network namespace needs root or unprivileged user namespaces" >&2
    exit 77
  fi
fi

exec unshare "$flags" sh -c '
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
