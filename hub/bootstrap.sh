#!/usr/bin/env bash
# Installs what DragoNN Workshop needs into ./.venv (and configurable-http-proxy into
# ./node_modules). Idempotent: re-running only installs what is missing.
#   hub/bootstrap.sh          the hub and the tutorial package (what `hub/workshop up` needs)
#   hub/bootstrap.sh --dev    also the test tools (what `tests/run.sh` needs)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
EXTRAS="hub,notebooks"
[[ "${1:-}" == "--dev" ]] && EXTRAS="dev,jax,torch"

PY="${PYTHON:-python3}"
if [[ ! -x .venv/bin/python ]]; then
    "$PY" -m venv .venv
fi
STAMP=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${EXTRAS//,/_}"
if [[ ! -f "$STAMP" ]]; then
    .venv/bin/python -m pip install -q --upgrade pip
    # torch: the CPU build pinned here; an unpinned torch would pull a multi-GB CUDA build
    if [[ "$EXTRAS" == *torch* ]]; then
        .venv/bin/python -m pip install -q "torch==2.13.0" || .venv/bin/python -m pip install -q torch
    fi
    .venv/bin/python -m pip install -q -e ".[${EXTRAS}]"
    touch "$STAMP"
fi

if [[ ! -x node_modules/.bin/configurable-http-proxy ]]; then
    if ! command -v npm >/dev/null; then
        apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
    fi
    npm install --silent --no-audit --no-fund --prefix "$ROOT" configurable-http-proxy@4 >/dev/null
fi
