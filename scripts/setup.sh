#!/usr/bin/env bash
# Set up a fresh machine for frkg: a virtualenv with frkg installed (and, with --test, everything the
# test suite needs: test Python packages, Debian's chromium and the npm packages). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
extras=""
[[ $want_test == 1 ]] && extras="[test]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"

[[ $want_test == 1 ]] || exit 0

# System packages the tests drive for real (kept in one list, installed only when missing).
# chromium: the browser tests; curl: the examples in docs/; virtuoso-opensource: the remote-backend
# tests and benchmarks; nginx and apache2-bin: the static export's tests (`frkg build`), which
# start their own servers (apache2-bin is the server alone: no service is started); libseccomp2:
# the query workers' network wall (part of every Debian base system; listed so it is never missing).
apt_packages=(chromium curl virtuoso-opensource nginx apache2-bin libseccomp2)
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

if [[ -f package.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
