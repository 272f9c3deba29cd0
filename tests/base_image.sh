#!/usr/bin/env bash
# Builds a local stand-in for the image's public Python base (no image registry is reachable from
# the test machines): a minimal Debian with python3, venv and CA certificates, made by debootstrap
# and loaded with `docker import`. Cached by tag: a no-op when the tag exists.
#   tests/base_image.sh [TAG]      default TAG: workshop-standin-base:bookworm
# Prints the tag on stdout. The host's CA bundle replaces the rootfs's so that pip inside image
# builds trusts the same (proxy) CAs as the host; nothing CA-related is committed.
set -euo pipefail
TAG="${1:-workshop-standin-base:bookworm}"
SUITE="${DEBIAN_SUITE:-bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
HOST_CA="${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"

if docker image inspect "$TAG" >/dev/null 2>&1; then
    echo "$TAG"
    exit 0
fi
for tool in debootstrap docker; do
    command -v "$tool" >/dev/null || { echo "base_image.sh: $tool is missing (run tests/system_deps.sh)" >&2; exit 1; }
done

root="$(mktemp -d /tmp/workshop-rootfs.XXXXXX)"
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    "$SUITE" "$root" "$MIRROR" >&2
cp "$HOST_CA" "$root/etc/ssl/certs/ca-certificates.crt"
# Trim what an image does not need (package caches, apt lists, docs).
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
tar -C "$root" -c . | docker import \
    -c 'ENV LANG=C.UTF-8' \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["python3"]' \
    - "$TAG" >&2
echo "$TAG"
