#!/usr/bin/env bash
# System packages for the docker and browser test tiers (Debian). Idempotent: a fast no-op when
# everything is installed and a Docker engine answers.
#   docker.io    the engine (dockerd) that DockerSpawner and the image tests drive
#   debootstrap  builds the stand-in base image (no image registry is reachable here)
#   chromium     the headless browser Playwright drives (never a Playwright browser download)
#   caddy        the TLS edge in front of the hub
#   iproute2     `ip netns`: the browser tier's hub runs in a network namespace of its own, and
#                the local spawner gives each learner one (with nftables' rules)
#   nftables     the rules of the learners' network (hub/isolation/netns.py)
#   shellcheck   lints the cloud host's provisioning scripts (tests/test_terraform.py), the
#                bake script and the workflows' run: steps (through actionlint)
#   docker-registry  a registry on loopback that `workshop image push` is tested against
#   pebble       Let's Encrypt's test CA: two on loopback rehearse the certificate fallback
#                (tests/test_https_fallback.py)
set -euo pipefail

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
[[ -x /usr/bin/chromium ]] || need+=(chromium)
command -v caddy >/dev/null || need+=(caddy)
command -v ip >/dev/null || need+=(iproute2)
command -v nft >/dev/null || need+=(nftables)
command -v shellcheck >/dev/null || need+=(shellcheck)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v pebble >/dev/null || need+=(pebble)

if ((${#need[@]})); then
    if [[ $EUID -ne 0 ]]; then
        echo "system_deps.sh: root is needed to install: ${need[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Start an engine only when none answers (a CI runner or the host may already run one).
if ! docker info >/dev/null 2>&1; then
    if [[ $EUID -ne 0 ]]; then
        echo "system_deps.sh: no Docker engine answers and only root can start dockerd" >&2
        exit 1
    fi
    log=/var/log/dockerd-workshop.log
    # setsid: the engine must outlive this script and the test session that called it
    setsid dockerd >"$log" 2>&1 </dev/null &
    for _ in $(seq 60); do
        docker info >/dev/null 2>&1 && break
        sleep 1
    done
    if ! docker info >/dev/null 2>&1; then
        echo "system_deps.sh: dockerd did not answer within 60 s; last lines of $log:" >&2
        tail -20 "$log" >&2
        exit 1
    fi
fi
