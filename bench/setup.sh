#!/usr/bin/env bash
# Install what bench/run.py measures frkg against, into this checkout only: the PyPI peers
# (bench/requirements.txt) into .venv, Trifid from bench/package-lock.json into bench/node_modules,
# and Debian's wrk, nginx and virtuoso-opensource when missing. Never needed by the tests.
# Run `bash scripts/setup.sh` first (it creates .venv). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x .venv/bin/python ]]; then
  echo "no .venv: run bash scripts/setup.sh first" >&2
  exit 1
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt

apt_packages=(wrk nginx virtuoso-opensource)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if (( ${#missing[@]} )); then
  sudo=""
  [[ $(id -u) == 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Trifid 5.3 runs on Node 20 (Debian's or any newer).
(cd bench && npm ci --no-audit --no-fund --loglevel=error)
