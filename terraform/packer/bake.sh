#!/usr/bin/env bash
# Packer's provisioner: lay the bundle out exactly where the single host's user data puts it
# (terraform/provision/user-data.yaml.tftpl: /opt/dragonn-workshop/bundles/<sha256>.tar.gz,
# bundle-<first 16 hex digits>, the bundle symlink, the bootstrap venv with boto3), then run the
# one provisioning script with --bake: the hub installed, the per-user image built, cloud-init
# reset so a host started from the AMI runs its own first boot. Run as root, with BUNDLE_SHA256.
set -euo pipefail
: "${BUNDLE_SHA256:?BUNDLE_SHA256 must be the SHA-256 of the bundle}"
upload=/tmp/dragonn-workshop-bundle.tar.gz
root=/opt/dragonn-workshop

echo "$BUNDLE_SHA256  $upload" | sha256sum -c -
mkdir -p "$root/bundles"
mv "$upload" "$root/bundles/$BUNDLE_SHA256.tar.gz"
dest="$root/bundle-$(echo "$BUNDLE_SHA256" | cut -c1-16)"
rm -rf "$dest" "$dest.tmp"
mkdir -p "$dest.tmp"
tar -xzf "$root/bundles/$BUNDLE_SHA256.tar.gz" -C "$dest.tmp"
set -- "$dest.tmp"/*
if [ "$#" -eq 1 ] && [ -d "$1" ]; then
    mv "$1" "$dest"
    rmdir "$dest.tmp"
else
    mv "$dest.tmp" "$dest"
fi
ln -sfn "$dest" "$root/bundle"

if ! python3 -c 'import ensurepip' 2>/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi
[ -x "$root/venv/bin/python" ] || python3 -m venv "$root/venv"
"$root/venv/bin/pip" install -q --disable-pip-version-check 'boto3>=1.34,<2'

"$root/bundle/terraform/provision/provision.sh" --bake
