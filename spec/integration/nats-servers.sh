#!/usr/bin/env bash
# The nats-server binaries the integration suites run on, installed or built when missing. Source it, or run
#   bash spec/integration/nats-servers.sh debian|current   (prints the binary's path on the last line)
#
# - debian:  Debian's package (2.9.10 on bookworm), installed with apt-get when missing.
# - current: a current nats-server (NATS_SERVER_VERSION, default below) built with the Go toolchain from the
#   Go module proxy and cached outside the repository in
#   ${RXJS_LANES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rxjs-lanes}/nats-server-<version>/nats-server,
#   so that only the first run on a machine builds it (about a minute on 2 cores, cold Go caches).
#   The build uses the local Go toolchain only (GOTOOLCHAIN=local) and no cgo; concurrent runs on one machine
#   wait for each other (flock) instead of building twice; a half-written binary is never left in the cache.
# Messages go to stderr; stdout carries the path only.

NATS_SERVER_VERSION_DEFAULT=v2.15.3

nats_server_debian() {
  local bin
  for bin in "$(command -v nats-server 2>/dev/null)" /usr/sbin/nats-server /usr/bin/nats-server; do
    if [ -n "$bin" ] && [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
      echo "$bin"
      return 0
    fi
  done
  echo "nats-server missing: installing Debian's package" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "nats-server is not installed and this user cannot run apt-get (no sudo)" >&2; return 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -q >&2 || { echo "apt-get update failed" >&2; return 1; }
  $sudo apt-get install -y -q -o DPkg::Lock::Timeout=600 nats-server >&2 || { echo "apt-get install nats-server failed" >&2; return 1; }
  for bin in /usr/sbin/nats-server /usr/bin/nats-server; do
    [ -x "$bin" ] && { echo "$bin"; return 0; }
  done
  echo "nats-server installed but not found" >&2
  return 1
}

nats_server_current() {
  local version=${NATS_SERVER_VERSION:-$NATS_SERVER_VERSION_DEFAULT}
  local cache=${RXJS_LANES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rxjs-lanes}
  local dir="$cache/nats-server-$version"
  local bin="$dir/nats-server"
  if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
    echo "$bin"
    return 0
  fi
  command -v go >/dev/null 2>&1 || { echo "go is not installed: cannot build nats-server $version" >&2; return 1; }
  mkdir -p "$cache" || return 1
  (
    # One build at a time per machine; a second run waits, then finds the binary.
    exec 9>"$cache/nats-server-$version.lock"
    flock -w 1800 9 || { echo "timed out waiting for another build of nats-server $version" >&2; exit 1; }
    if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then exit 0; fi
    local tmp
    tmp=$(mktemp -d "$cache/.build-$version.XXXXXX") || exit 1
    trap 'rm -rf "$tmp"' EXIT
    echo "building nats-server $version with $(go version) (first run on this machine; cached in $dir)" >&2
    local start=$SECONDS
    GOBIN="$tmp" GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
      go install "github.com/nats-io/nats-server/v2@$version" >&2 || { echo "go install nats-server $version failed" >&2; exit 1; }
    "$tmp/nats-server" --version >/dev/null 2>&1 || { echo "the built nats-server does not run" >&2; exit 1; }
    mkdir -p "$dir" && mv -f "$tmp/nats-server" "$bin.partial" && mv -f "$bin.partial" "$bin" || exit 1
    echo "built nats-server $version in $((SECONDS - start)) s" >&2
  ) || return 1
  echo "$bin"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  case "${1:-}" in
    debian) nats_server_debian ;;
    current) nats_server_current ;;
    *) echo "usage: $0 debian|current" >&2; exit 2 ;;
  esac
fi
