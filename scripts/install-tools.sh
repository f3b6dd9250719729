#!/usr/bin/env bash
# Installs the command-line tools the tests and benchmarks use, from Debian's packages, when missing:
# kubectl (kubernetes-client) for the simulator's kubectl tests, hey and wrk for the seed's flow and bench/.
set -euo pipefail
missing=()
command -v kubectl >/dev/null || missing+=(kubernetes-client)
command -v hey >/dev/null || missing+=(hey)
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
