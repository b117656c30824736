#!/usr/bin/env bash
# Quick start 1: set up and serve the knowledge graph on http://127.0.0.1:8000/ (flags go to `frkg serve`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/frkg serve "$@"
