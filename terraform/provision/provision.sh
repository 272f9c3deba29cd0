#!/usr/bin/env bash
# Provisions a DragoNN Workshop host from this checkout (a "bundle"): the hub and its tools, the
# learners' image, the homes volume, the passwords, the roster, and the hub behind Caddy as systemd
# services. Run as root by the user data's bootstrap on an instance's first boot; by an AMI bake
# with --bake (stops after the image: no volume, secrets or services); and by
# tests/test_cloud_init.py in a container. Idempotent: every step checks what is already there, so
# running it again (after fixing a failed step, or on a baked AMI) finishes the job.
#
# Inputs: /etc/dragonn-workshop/cloud.env (CLOUD_*: class name, region, bucket, Elastic IP, domain,
# homes volume, image base, idle stop) and /etc/dragonn-workshop/settings.env (WORKSHOP_* hub
# settings), both written by the user data. Progress and the outcome go to the SSM parameter
# /<name>/status (ready | failed: <step> | provisioning N/M: ...) and to the console.
set -Eeuo pipefail  # -E: the ERR trap (status "failed: <step>") also fires inside functions

BUNDLE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ROOT=/opt/dragonn-workshop            # small venv with boto3 (the bootstrap's), bundles
STATE=/srv/dragonn-workshop           # the homes volume: hub state + Docker's volumes
DATA="$STATE/hub"                     # the hub's data dir (settings, secrets, roster, database)
CONF=/etc/dragonn-workshop
LOG=/var/log/dragonn-workshop-provision.log
BAKE=0
for arg in "$@"; do
    case "$arg" in
        --bake) BAKE=1 ;;
        *) echo "provision.sh: unknown option $arg (allowed: --bake)" >&2; exit 2 ;;
    esac
done
if [[ $EUID -ne 0 ]]; then
    echo "provision.sh: run as root" >&2
    exit 1
fi
mkdir -p "$CONF" "$(dirname "$LOG")"
exec > >(tee -a "$LOG") 2>&1

if [[ -f "$CONF/cloud.env" ]]; then
    set -a
    # shellcheck source=/dev/null
    . "$CONF/cloud.env"
    set +a
fi
CLOUD_NAME="${CLOUD_NAME:-dragonn-workshop}"
export AWS_DEFAULT_REGION="${CLOUD_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
export AWS_REGION="$AWS_DEFAULT_REGION"
if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
    export PIP_CERT=/etc/ssl/certs/ca-certificates.crt
fi
export DEBIAN_FRONTEND=noninteractive
# apt waits for the dpkg lock: unattended-upgrades holds it for minutes after an Ubuntu first boot
APT=(apt-get -o DPkg::Lock::Timeout=900)
export PATH="$BUNDLE/.venv/bin:$BUNDLE/node_modules/.bin:$PATH"

STEP=start
TOTAL=10
[[ $BAKE == 1 ]] && TOTAL=4

agent() {
    # hub/cloud/agent.py: with the hub's venv once it exists, else the bootstrap's (boto3 only)
    local py="$ROOT/venv/bin/python"
    [[ -x "$BUNDLE/.venv/bin/python" ]] && py="$BUNDLE/.venv/bin/python"
    PYTHONPATH="$BUNDLE" "$py" -m hub.cloud.agent --name "$CLOUD_NAME" --data-dir "$DATA" "$@"
}

report() {
    # the agent prints the status as it publishes it; without it (bake, or no AWS yet) echo it
    if [[ $BAKE == 0 ]] && agent status "$1"; then
        return 0
    fi
    echo "dragonn-workshop: status=$1"
}

failed() {
    # an agent step leaves its reason in last-error (e.g. which DNS record is missing)
    local detail="see $LOG on the host"
    if [[ -s "$CONF/last-error" ]]; then
        detail="$(head -c 300 "$CONF/last-error")"
    fi
    report "failed: $STEP: $detail"
}
trap failed ERR

step() {
    STEP="$2"
    echo "[$(date -u +%H:%M:%S)] step $1/$TOTAL: $2"
    report "provisioning $1/$TOTAL: $3"
}

engine_answers() {
    curl -fsS --max-time 5 --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1
}

# --- 1. system packages: Docker engine (the GPU AMI has one), Python venv, Node.js, Caddy --------
step 1 packages "system packages"
need=()
python3 -c 'import ensurepip' 2>/dev/null || need+=(python3-venv)
command -v curl >/dev/null || need+=(curl)
engine_answers || command -v dockerd >/dev/null || need+=(docker.io)
if ((${#need[@]})); then
    "${APT[@]}" update -qq
    "${APT[@]}" install -y -qq "${need[@]}" >/dev/null
fi
if ! engine_answers; then
    if [[ -d /run/systemd/system ]]; then
        systemctl enable --now docker.service
    fi
    for _ in $(seq 60); do engine_answers && break; sleep 1; done
    engine_answers || { STEP=docker; false; }
fi

# --- 2. the hub: Python venv, configurable-http-proxy, Caddy -------------------------------------
# Only the hub runs on the host (learners' code, TensorFlow included, runs in their containers),
# so the venv gets the hub extra and numpy, not the tutorial's machine-learning stack.
step 2 hub "the hub's Python environment"
# npm and Caddy come from apt, in the background while pip installs the hub. The proxy and the
# Node.js it runs on are pinned, as image/Dockerfile pins its own: Ubuntu 24.04's nodejs is 18,
# older than configurable-http-proxy 5.3 declares (engines: node >= 20), so Node comes from the
# npm registry's node-linux-<arch> package (tests/test_host_runtime.py installs the same pins)
CHP_VERSION=5.3.0
NODE_VERSION=22.23.5
apt_pid=""
apt_log="$(mktemp)"
if ! command -v npm >/dev/null || ! command -v caddy >/dev/null; then
    # keep the package's own Caddy from starting (it would take port 80 before the hub's)
    no_start=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 0755 /usr/sbin/policy-rc.d
        no_start=1
    fi
    # (no recommends: npm's would add a C compiler and ~250 packages that a pure-JS proxy never uses)
    ("${APT[@]}" update -qq && "${APT[@]}" install -y -qq --no-install-recommends nodejs npm caddy) \
        > "$apt_log" 2>&1 &
    apt_pid=$!
fi
venv="$BUNDLE/.venv"
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
stamp="$venv/.host-$(sha256sum "$BUNDLE/pyproject.toml" | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
    # the hub extra, with the Jupyter packages at exactly the versions image/Dockerfile pins for
    # the learners' servers (a hub and its servers of one JupyterHub version)
    mapfile -t requirements < <(python3 - "$BUNDLE/pyproject.toml" "$BUNDLE/image/Dockerfile" <<'PY'
import re, sys, tomllib
with open(sys.argv[1], "rb") as fh:
    project = tomllib.load(fh)["project"]
with open(sys.argv[2], encoding="utf-8") as fh:
    args = dict(re.findall(r"^ARG (\w+)_VERSION=(\S+)$", fh.read(), re.M))
pins = {name: args[name.upper()] for name in ("jupyterhub", "jupyterlab", "notebook")}
base = [d for d in project["dependencies"] if re.match(r"numpy\b", d)]
hub = [f"{m.group(0)}=={pins[m.group(0)]}" if (m := re.match(r"[A-Za-z0-9_.-]+", d)) and
       m.group(0) in pins else d for d in project["optional-dependencies"]["hub"]]
print("\n".join(base + hub))
PY
)
    pip=("$venv/bin/pip" install -q --disable-pip-version-check)
    "${pip[@]}" --upgrade pip
    "${pip[@]}" "${requirements[@]}"
    "${pip[@]}" --no-deps -e "$BUNDLE"
    touch "$stamp"
fi
echo "[$(date -u +%H:%M:%S)] hub venv ready"
if [[ -n "$apt_pid" ]]; then
    if ! wait "$apt_pid"; then
        cat "$apt_log"
        STEP="hub (apt-get install nodejs npm caddy)"
        false
    fi
    if [[ $no_start == 1 ]]; then
        rm -f /usr/sbin/policy-rc.d
    fi
fi
echo "[$(date -u +%H:%M:%S)] apt packages ready"
case "$(uname -m)" in
    aarch64 | arm64) node_arch=arm64 ;;
    *) node_arch=x64 ;;
esac
if [[ "$("$BUNDLE/node_modules/.bin/configurable-http-proxy" --version 2>/dev/null)" != "$CHP_VERSION" ]] ||
    [[ "$("$BUNDLE/node_modules/.bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]]; then
    npm install --silent --no-save --no-audit --no-fund --no-package-lock --prefix "$BUNDLE" \
        "node-linux-$node_arch@$NODE_VERSION" "configurable-http-proxy@$CHP_VERSION" >/dev/null
fi
# the proxy's "#!/usr/bin/env node" finds the pinned Node first on PATH (here and in the service)
if [[ "$(node --version)" != "v$NODE_VERSION" ]]; then
    STEP="hub (Node.js $NODE_VERSION for configurable-http-proxy $CHP_VERSION)"
    false
fi
# the package starts a system-wide Caddy on :80; the hub's service runs its own
if [[ -d /run/systemd/system ]] && systemctl is-enabled --quiet caddy 2>/dev/null; then
    systemctl disable --now caddy >/dev/null 2>&1 || true
fi

# --- 3. the homes volume: formatted once, mounted at $STATE, Docker's volumes on it --------------
if [[ $BAKE == 0 ]]; then
    step 3 volume "the homes volume"
    if [[ -n "${CLOUD_HOMES_VOLUME:-}" ]]; then
        # Nitro instances expose EBS as NVMe; the serial number is the volume id without its dash
        serial="${CLOUD_HOMES_VOLUME/-/}"
        device=""
        for _ in $(seq 300); do
            for candidate in "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_$serial" /dev/sdf /dev/xvdf; do
                if [[ -b "$candidate" ]]; then device="$candidate"; break; fi
            done
            [[ -n "$device" ]] && break
            sleep 2
        done
        [[ -n "$device" ]] || { STEP="volume ($CLOUD_HOMES_VOLUME not attached after 10 minutes)"; false; }
        if ! blkid "$device" >/dev/null 2>&1; then
            mkfs.ext4 -q -L dw-homes "$device"
        fi
        uuid="$(blkid -s UUID -o value "$device")"
        mkdir -p "$STATE"
        if ! grep -q "UUID=$uuid" /etc/fstab; then
            echo "UUID=$uuid $STATE ext4 defaults,nofail,x-systemd.device-timeout=5min 0 2" >> /etc/fstab
        fi
        mountpoint -q "$STATE" || mount "$STATE"
        mkdir -p "$STATE/docker-volumes" /var/lib/docker/volumes
        if ! mountpoint -q /var/lib/docker/volumes; then
            # the learners' home volumes must live on the homes volume, not on the root disk
            systemctl stop docker.socket docker.service 2>/dev/null || true
            if [[ -z "$(ls -A "$STATE/docker-volumes")" ]]; then
                cp -a /var/lib/docker/volumes/. "$STATE/docker-volumes/"
            fi
            if ! grep -q " /var/lib/docker/volumes " /etc/fstab; then
                echo "$STATE/docker-volumes /var/lib/docker/volumes none bind,nofail,x-systemd.requires-mounts-for=$STATE 0 0" >> /etc/fstab
            fi
            mount /var/lib/docker/volumes
            mkdir -p /etc/systemd/system/docker.service.d
            printf '[Unit]\nRequiresMountsFor=/var/lib/docker/volumes\n' \
                > /etc/systemd/system/docker.service.d/dragonn-workshop.conf
            systemctl daemon-reload
            systemctl start docker.service
            for _ in $(seq 60); do engine_answers && break; sleep 1; done
        fi
    else
        echo "no homes volume given (CLOUD_HOMES_VOLUME empty): the state stays on the root disk"
        mkdir -p "$STATE"
    fi
    chmod 0700 "$STATE"

    # --- 4. hub settings (settings.env, and the HTTPS name) ---------------------------------------
    step 4 settings "hub settings"
    agent apply-settings "$CONF/settings.env"

    # --- 5. passwords: from SSM, or made here and stored there as SecureStrings ---------------------
    step 5 secrets "passwords"
    agent secrets

    # --- 6. the roster, from the class bucket (a timer keeps syncing it) ----------------------------
    step 6 roster "the roster"
    agent sync-roster
fi

# --- 7. the learners' image: kept if present (baked AMI), else built from image/ -----------------
step "$([[ $BAKE == 1 ]] && echo 3 || echo 7)" image "the learners' image (first build: about 10 minutes)"
agent build-image --context "$BUNDLE" --base-image "${CLOUD_IMAGE_BASE:-}"

if [[ $BAKE == 1 ]]; then
    step 4 clean "cleaning up for the image"
    # the instance booted from the baked AMI must run its own first boot
    cloud-init clean --logs 2>/dev/null || true
    report "baked"
    exit 0
fi

# --- 8. systemd services: the hub (with Caddy) and the agent's timer ------------------------------
step 8 services "the hub's services"
if [[ ! -d /run/systemd/system ]]; then
    STEP="services (systemd is not running)"
    false
fi
cat > /etc/systemd/system/dragonn-workshop-hub.service <<EOF
[Unit]
Description=DragoNN Workshop hub (JupyterHub, one container per learner, behind Caddy)
Wants=network-online.target docker.service
After=network-online.target docker.service
RequiresMountsFor=$STATE

[Service]
Environment=PATH=$BUNDLE/.venv/bin:$BUNDLE/node_modules/.bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ExecStart=$BUNDLE/.venv/bin/workshop up --data-dir $DATA
Restart=on-failure
RestartSec=5
TimeoutStopSec=120

[Install]
WantedBy=multi-user.target
EOF
cat > /etc/systemd/system/dragonn-workshop-agent.service <<EOF
[Unit]
Description=DragoNN Workshop agent: activity report, roster sync, idle stop
After=dragonn-workshop-hub.service

[Service]
Type=oneshot
Environment=AWS_DEFAULT_REGION=$AWS_DEFAULT_REGION AWS_REGION=$AWS_REGION
ExecStart=$BUNDLE/.venv/bin/python -m hub.cloud.agent --name $CLOUD_NAME --data-dir $DATA tick --idle-stop-minutes ${CLOUD_IDLE_STOP_MINUTES:-0}
WorkingDirectory=$BUNDLE
EOF
cat > /etc/systemd/system/dragonn-workshop-agent.timer <<'EOF'
[Unit]
Description=Run the DragoNN Workshop agent every minute

[Timer]
OnBootSec=2min
OnUnitActiveSec=1min

[Install]
WantedBy=timers.target
EOF
systemctl daemon-reload
systemctl enable dragonn-workshop-hub.service dragonn-workshop-agent.timer
systemctl restart dragonn-workshop-hub.service
systemctl start dragonn-workshop-agent.timer

# --- 9. HTTPS: the hub answers through Caddy with a certificate the room's browsers trust ---------
step 9 https "HTTPS (certificate for the hub's name)"
rm -f "$CONF/https-note"
# a certificate authority's rate limit fails nothing: the agent leaves what to do in https-note
agent wait-https --timeout 900

# --- 10. workshop doctor: engine, image, GPU, capacity, and a throwaway learner spawned through
# Docker who runs the tutorial through its first training cell (a temporary hub on loopback) ------
step 10 doctor "workshop doctor (a test learner trains the tutorial's first model)"
workshop doctor --data-dir "$DATA"

STEP=ready
if [[ -s "$CONF/https-note" ]]; then
    report "ready ($(head -c 1500 "$CONF/https-note"))"
else
    report ready
fi
