#!/usr/bin/env bash
# The whole test suite: installs what it needs, then runs every tier (unit, slow, notebook,
# docker, browser) on TensorFlow, and the backend tests again on JAX and PyTorch.
# Extra arguments go to pytest, e.g. `tests/run.sh -m "not docker"` or `tests/run.sh tests/test_motifs.py`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
hub/bootstrap.sh --dev
bash tests/system_deps.sh   # Docker engine, Chromium, debootstrap, Caddy for the slow tiers
export PATH="$ROOT/.venv/bin:$ROOT/node_modules/.bin:$PATH"
export PYTHONUNBUFFERED=1
status=0
if [[ $# -gt 0 ]]; then
    python -m pytest "$@" || status=$?
else
    python -m pytest -m "" || status=$?
    for backend in jax torch; do
        echo "=== Keras backend: $backend"
        KERAS_BACKEND=$backend python -m pytest -m backend -p no:cacheprovider || status=$?
    done
fi
exit $status
