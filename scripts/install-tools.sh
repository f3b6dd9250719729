#!/usr/bin/env bash
# Installs the command-line tools the tests and benchmarks use, from Debian's packages, when missing:
# kubectl (kubernetes-client) for the simulator's kubectl tests, hey and wrk for the seed's flow and bench/,
# chromium for the test that renders the report's Markdown and Mermaid charts as GitHub does
# (test/e2e/render.test.ts, driven by playwright-core, which brings no browser of its own).
set -euo pipefail
missing=()
command -v kubectl >/dev/null || missing+=(kubernetes-client)
command -v hey >/dev/null || missing+=(hey)
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
# (the emoji font only makes the ✅/❌ in the docs/ screenshots legible)
command -v chromium >/dev/null || missing+=(chromium fonts-noto-color-emoji)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
