#!/usr/bin/env bash
# Quick start 2: set up everything the tests need and run the whole suite (flags go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"
