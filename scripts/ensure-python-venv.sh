#!/usr/bin/env bash
# Debian splits venv out of python3: install it when `python3 -m venv` is unavailable.
set -euo pipefail
if command -v apt-get >/dev/null; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
else
  echo "python3 -m venv is not available; install your system's venv package." >&2
  exit 1
fi
