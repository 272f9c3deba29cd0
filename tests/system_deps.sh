#!/usr/bin/env bash
# System packages for the docker and browser test tiers (Debian). Idempotent.
set -euo pipefail
true
