#!/bin/sh
# Installs the reference load tools (wrk, hey) and the native loopback target (nginx) from Debian, so the
# benchmark can compare our load engine with them side by side. Needs root (or sudo) and apt.
set -eu

missing=""
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
command -v hey >/dev/null 2>&1 || missing="$missing hey"
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing="$missing nginx-light"
if [ -z "$missing" ]; then
  echo "bench tools: wrk, hey and nginx are installed"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "bench tools: installing$missing"
$sudo apt-get update -qq
# shellcheck disable=SC2086 # one word per package
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
# The package starts nginx as a service; the benchmark runs its own instance on a loopback port.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  $sudo systemctl stop nginx
elif [ -f /run/nginx.pid ]; then
  $sudo kill "$(cat /run/nginx.pid)" 2>/dev/null || true
fi
