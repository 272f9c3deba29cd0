"""Zero to JupyterHub values from the workshop settings, and the Kubernetes Secret they read.

``chart_values(settings, roster)`` is what ``workshop settings z2jh`` prints and what the EKS
deployment installs: values for the z2jh chart ``CHART_VERSION`` (JupyterHub 5.5,
like the local and single-host hubs) with the same login rules, limits and culling:

* login: the workshop's authenticator (``hub.auth.WorkshopAuthenticator``, :func:`login_values`),
  its code mounted into the hub pod (``hub.extraFiles``), the attendee username pattern, the
  instructors as admins, and the local hub's failed-login limits per client address and per
  (username, address) from the settings; the client address is believed from
  ``X-Forwarded-For`` only when the chart's own proxy pods sent it (``hub.client_address``).
  With a roster only its usernames may log in (``allowed_users``, ``allow_existing_users``
  off), without one anyone matching the pattern who has the password;
* passwords: never in the values. The hub reads them from the Kubernetes Secret
  ``PASSWORD_SECRET`` (keys ``PASSWORD_KEYS``) through environment variables
  (``hub.extraEnv`` ``secretKeyRef``) and one ``hub.extraConfig`` snippet;
  ``password_secret()`` renders that Secret for ``kubectl apply`` or Terraform;
* user servers: the per-user image (the release's pinned ``cpu`` and ``gpu`` images unless the
  settings name one), memory and CPU guaranteed from ``learner_memory`` / ``learner_cpu`` (the
  figures ``doctor`` and ``workshop cloud plan`` size machines with) and capped by
  ``mem_limit`` / ``cpu_limit`` (:func:`learner_resources`), a home volume per learner of
  ``disk_limit`` (``HOME_CAPACITY`` when that is 0: a volume needs a size), TensorFlow memory
  growth and kernel culling (the docker spawner's environment), and a profile list: one GPU
  (``nvidia.com/gpu: 1``, on nodes labelled ``NODE_POOL_LABEL`` = ``GPU_POOL`` and tainted
  ``nvidia.com/gpu``) and CPU only (``CPU_POOL`` nodes);
* safety: user pods cannot reach the cloud's instance metadata service (an iptables block in
  an init container, and the network policy's egress rule) nor other pods on private
  addresses;
* a room logging in at once: the chart's user scheduler packs pods onto busy nodes, pod
  priority lets the image puller and users pre-empt placeholders, the spawn limit and the
  active-server cap come from the settings, images are pre-pulled on every new node;
* HTTPS: Let's Encrypt for ``https = <domain>`` (Traefik in the chart), ``offload`` for
  ``https = internal`` (a load balancer in front terminates TLS), plain HTTP otherwise;
* the class board (``board``, :func:`board_values`): the same service as on a local hub, run
  in the hub pod from its code mounted there (``hub.extraFiles``), reached by the proxy on the
  hub Service's extra port, reading learners' servers directly (the hub pod may reach them:
  the chart's ``network-access-singleuser`` label), where the proxy's routes say they are
  (the proxy's API Service ``PROXY_API_SERVICE``, with the proxy's token the hub pod has);
* the classroom (:func:`classroom_values`, always): the same code mounted, the ``my-work``
  service (a learner's zip; announcements and pushes kept on the hub's volume, written by
  ``workshop announce|push --hub-url``) and the extraConfig that gives the hub the banner, the
  home page's link and the delivery to servers that start later (``hub.classroom.chart_hub``).

Cluster-specific values (the storage class, the load balancer's annotations) are not here: the
Terraform module that installs the chart adds them (``terraform/aws-eks``). The limits need the
learners' own addresses at the proxy: on AWS a Network Load Balancer and a Service with
``externalTrafficPolicy: Local`` (:data:`KEEP_CLIENT_ADDRESSES`, which ``workshop cloud up``
patches in: the chart's values cannot set it).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from hub.roster import login_announcement, login_pattern
from hub.spawners.docker import spawner_environment

#: the z2jh chart these values are written and tested for (ships JupyterHub 5.5.0)
CHART_VERSION = "4.4.0"
#: Kubernetes Secret holding the workshop and admin passwords (never in the chart values)
PASSWORD_SECRET = "workshop-passwords"
#: hub environment variable -> key in PASSWORD_SECRET
PASSWORD_KEYS = {
    "WORKSHOP_PASSWORD": "workshop-password",
    "WORKSHOP_ADMIN_PASSWORD": "admin-password",
}
#: each learner's home volume (a dynamically provisioned PVC at /home/jovyan) when the
#: settings' disk_limit is 0 (no limit)
HOME_CAPACITY = "10Gi"
#: node label that places user pods; Terraform's node groups carry the same labels
NODE_POOL_LABEL = "dragonn-workshop/node-pool"
GPU_POOL = "gpu-users"
CPU_POOL = "cpu-users"
#: taint of GPU nodes (the NVIDIA device plugin's convention) and the chart's user-node taint
GPU_TAINT = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
USER_TAINT = {
    "key": "hub.jupyter.org/dedicated",
    "operator": "Equal",
    "value": "user",
    "effect": "NoSchedule",
}
#: CPU cap of a learner's pod when the settings give no cpu_limit (its computed default divides
#: the cores of the machine running the CLI, which means nothing on a cluster): training bursts
#: up to 2 cores; what a pod is guaranteed, and the scheduler packs on, is ``learner_cpu``
CLUSTER_CPU_LIMIT = 2.0
METADATA_IP = "169.254.169.254"
#: where the workshop's code the hub pod runs is mounted (:func:`hub_code_files`: the login's
#: and the classroom's; the hub imports ``hub.auth`` from there, the services run there), and
#: the hub's data dir there (the chart's sqlite PVC), where board-access.log is kept
HUB_CODE_DIR = "/usr/local/etc/workshop-hub"
HUB_DATA_DIR = "/srv/jupyterhub"
AUTHENTICATOR_CLASS = "hub.auth.WorkshopAuthenticator"
#: the chart's Services (names for a release without fullnameOverride): the hub's, the
#: proxy's plain-HTTP one (``proxy-http`` exists only when Traefik terminates HTTPS) and the
#: public one, which the load balancer is made for
HUB_SERVICE = "hub"
#: the ``hub.extraConfig`` snippet that hands the board the proxy's token (:func:`board_values`)
BOARD_PROXY_TOKEN_CONFIG_NAME = "workshop-board-proxy-token"
#: the port of the ``my-work`` service in the hub pod (and on the hub Service); the next one
#: when the settings' board_port takes it
MY_WORK_PORT = 8090
PUBLIC_SERVICE = "proxy-public"
#: configurable-http-proxy's REST API (the chart's ``proxy-api`` Service), which the board
#: reads learners' servers' addresses from
PROXY_API_SERVICE = "proxy-api"
PROXY_API_PORT = 8001
#: what the public Service needs beyond the chart's values for the hub to see learners' own
#: addresses: nodes hand load-balancer traffic only to their own pods, without replacing the
#: source address (Kubernetes, "Preserving the client source IP"); the chart's schema has no
#: field for it, so ``workshop cloud up --target eks`` patches it in after the chart
KEEP_CLIENT_ADDRESSES = {"spec": {"externalTrafficPolicy": "Local"}}

# Runs in the hub pod after the chart's own config: the passwords come from PASSWORD_SECRET.
_PASSWORD_CONFIG = """\
import os
c.WorkshopAuthenticator.user_password = os.environ["WORKSHOP_PASSWORD"]
c.WorkshopAuthenticator.admin_password = os.environ["WORKSHOP_ADMIN_PASSWORD"]
"""
# ... the board reads the proxy's routes with the proxy's token, which the chart gives the hub
# (not its services) from its own Secret: handed to the board's environment, not its values
_BOARD_PROXY_TOKEN_CONFIG = """\
import os
for _service in c.JupyterHub.services:
    if _service.get("name") == {service!r} and os.environ.get({env!r}):
        _service["environment"] = dict(_service.get("environment") or {{}})
        _service["environment"][{env!r}] = os.environ[{env!r}]
"""
# ... and the authenticator's code is importable (JupyterHub imports it after the config)
_LOGIN_CODE_CONFIG = f"""\
import sys
sys.path.insert(0, {HUB_CODE_DIR!r})
"""


@dataclass(frozen=True)
class PodResources:
    """One learner's pod: what it is guaranteed (the scheduler packs nodes on these) and its
    caps. Memory as ``"3840M"`` strings, CPU in cores."""

    memory_guarantee: str
    memory_limit: str
    cpu_guarantee: float
    cpu_limit: float

    def __str__(self) -> str:
        return (
            f"{self.memory_guarantee} / {self.cpu_guarantee:g} CPU guaranteed, "
            f"{self.memory_limit} / {self.cpu_limit:g} CPU at most"
        )


def learner_resources(settings) -> PodResources:
    """The settings' per-learner figures as pod resources: guaranteed ``learner_memory`` and
    ``learner_cpu`` (the need every deployment is sized from), capped at ``mem_limit`` (default:
    ``learner_memory``) and ``cpu_limit`` when given, else ``CLUSTER_CPU_LIMIT``. A guarantee
    never exceeds its cap (Kubernetes refuses that)."""
    memory_limit = settings.mem_limit
    memory_guarantee = (
        settings.learner_memory
        if settings.learner_memory_bytes <= settings.mem_limit_bytes
        else memory_limit
    )
    cpu_limit = float(
        settings.cpu_limit
        if settings.is_given("cpu_limit")
        else max(CLUSTER_CPU_LIMIT, settings.learner_cpu)
    )
    return PodResources(
        memory_guarantee, memory_limit, min(settings.learner_cpu, cpu_limit), cpu_limit
    )


def home_capacity(settings) -> str:
    """Size of a learner's home volume: ``disk_limit`` in Kubernetes' spelling of the same
    binary size (``"10G"`` -> ``"10Gi"``), or ``HOME_CAPACITY`` for ``disk_limit = 0``."""
    if not settings.disk_limit_bytes:
        return HOME_CAPACITY
    value = settings.disk_limit  # canonical: digits and an optional K/M/G/T (binary units)
    return value + "i" if value[-1:] in "KMGT" else value


def learner_images(settings) -> dict[str, str]:
    """``{"cpu": ref, "gpu": ref}``: the settings' ``image`` for both when given, else the
    release's published images pinned to this version (``hub/cli/image.py``)."""
    from hub.image import image_ref

    if settings.is_given("image"):
        ref = (
            settings.image
            if ":" in settings.image.rsplit("/", 1)[-1]
            else settings.image + ":latest"
        )
        return {"cpu": ref, "gpu": ref}
    return {variant: image_ref(variant) for variant in ("cpu", "gpu")}


def chart_values(settings, roster: list[str] | None = None) -> dict:
    """z2jh values (a dict ready for ``yaml.safe_dump``) for ``settings``; see the module doc.

    ``roster``: usernames allowed to log in (admins always may); ``None`` or empty lets in
    anyone whose name matches the attendee pattern and who has the workshop password.
    """

    images = learner_images(settings)
    name, _, tag = images["cpu" if settings.gpu == "none" else "gpu"].rpartition(":")
    pod = learner_resources(settings)
    auth = login_values(settings)
    if roster:
        # admins listed too: the hub adds them at start-up, but say it where it is read
        allowed = sorted(set(roster) | set(settings.admin_users))
        auth.update(allowed_users=allowed, allow_existing_users=False)
    else:
        auth["allow_all"] = True
    cull_every = max(60, (settings.idle_timeout or 3600) // 6)
    values = {
        "hub": {
            "baseUrl": "/",
            "config": {
                "JupyterHub": {"authenticator_class": AUTHENTICATOR_CLASS, "admin_access": True},
                "WorkshopAuthenticator": auth,
            },
            "extraEnv": {
                env: {"valueFrom": {"secretKeyRef": {"name": PASSWORD_SECRET, "key": key}}}
                for env, key in PASSWORD_KEYS.items()
            },
            "extraConfig": {
                "workshop-login-code": _LOGIN_CODE_CONFIG,
                "workshop-passwords": _PASSWORD_CONFIG,
            },
            "extraFiles": hub_code_files(),
            "concurrentSpawnLimit": settings.concurrent_spawn_limit,
            "activeServerLimit": settings.class_size + len(settings.admin_users),
            "templateVars": {"announcement_login": login_announcement()},
            "networkPolicy": {"enabled": True},
        },
        "proxy": {"https": _https(settings)},
        "singleuser": {
            "image": {"name": name, "tag": tag, "pullPolicy": "IfNotPresent"},
            "memory": {"limit": pod.memory_limit, "guarantee": pod.memory_guarantee},
            "cpu": {"limit": pod.cpu_limit, "guarantee": pod.cpu_guarantee},
            "startTimeout": settings.start_timeout,
            "defaultUrl": settings.default_url,
            "extraEnv": {
                **spawner_environment(settings),
                "MEM_LIMIT": str(_bytes(pod.memory_limit)),
            },
            "storage": {
                "type": "dynamic",
                "capacity": home_capacity(settings),
                "homeMountPath": "/home/jovyan",
            },
            "cloudMetadata": {"blockWithIptables": True, "ip": METADATA_IP},
            "networkPolicy": {
                "enabled": True,
                "egressAllowRules": {"cloudMetadataServer": False, "privateIPs": False},
            },
            "profileList": _profiles(settings, images),
        },
        "scheduling": {
            "userScheduler": {"enabled": True},
            "podPriority": {"enabled": True},
            # peers found placeholder pods of little help for a room arriving at once (the
            # cluster keeps a minimum of nodes during class instead); none by default
            "userPlaceholder": {"enabled": True, "replicas": 0},
            "userPods": {"nodeAffinity": {"matchNodePurpose": "prefer"}},
        },
        "cull": {
            "enabled": settings.idle_timeout > 0,
            "timeout": settings.idle_timeout or 3600,
            "every": cull_every,
            "users": False,
            "maxAge": 0,
        },
        # the chart's pullers tolerate the user-node taint only: GPU nodes (tainted
        # nvidia.com/gpu) would never get the image before the first learner waits for it
        "prePuller": {
            "continuous": {"enabled": True},
            "hook": {"enabled": True},
            "extraTolerations": [GPU_TAINT],
        },
    }
    parts = [classroom_values(settings)]
    if settings.board:
        parts.append(board_values(settings, roster))
    values["hub"] = _merge_hub_parts([values["hub"], *parts])
    return values


def login_values(settings) -> dict:
    """The ``WorkshopAuthenticator`` section of the hub's config: the attendee pattern, the
    instructors, the failed-login limits of the settings, and the chart's proxy pods as the
    only ones whose ``X-Forwarded-For`` is believed (roster: :func:`chart_values`)."""
    from hub.auth import LIMITS
    from hub.client_address import PROXY_POD_SELECTOR

    return {
        "admin_users": list(settings.admin_users),
        "username_pattern": login_pattern(settings.admin_users),
        **{name: getattr(settings, name) for name in LIMITS},
        "proxy_pod_selector": PROXY_POD_SELECTOR,
    }


def _merge_hub_parts(parts: list[dict]) -> dict:
    """``hub`` values of several parts as one: dicts merged key by key (``services``,
    ``loadRoles``), lists joined (ports, ingress rules, the ``user`` role's scopes)."""
    out: dict = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = _merge_hub_parts([out[key], value])
            elif isinstance(value, list) and isinstance(out.get(key), list):
                out[key] = out[key] + [item for item in value if item not in out[key]]
            else:
                out[key] = value
    return out


def _proxy_url(settings) -> str:
    """The proxy as the hub pod reaches it: Traefik's Service would redirect to HTTPS."""
    if _https(settings).get("type") == "letsencrypt":
        return "http://proxy-http:8000"
    return "http://proxy-public:80"


def _proxy_may_reach(port: int, name: str) -> tuple[dict, dict]:
    """The hub Service's extra port ``port`` and the network policy rule letting the proxy in."""
    proxy = {"podSelector": {"matchLabels": {"app": "jupyterhub", "component": "proxy"}}}
    return (
        {"name": name, "port": port, "targetPort": port},
        {"ports": [{"port": port}], "from": [proxy]},
    )


def classroom_values(settings) -> dict:
    """Announcements, pushes and "my work" in the hub pod, as on a local hub
    (``hub.classroom.chart_hub``): the repository's classroom code mounted
    (``hub.extraFiles``, :func:`hub_code_files`); the ``my-work`` service (a learner's zip,
    and the instructors' records API that ``workshop announce|push --hub-url`` write through)
    with its role, on the hub Service's port ``MY_WORK_PORT``, keeping its state in the hub's
    data dir (``HUB_DATA_DIR``, the hub's volume); and the ``hub.extraConfig`` snippet that
    gives the hub the banner, the home page's link and the delivery to later starts."""
    from hub.classroom import download
    from hub.classroom.chart_hub import EXTRA_CONFIG_NAME, extra_config
    from hub.classroom.service import service_command

    port = MY_WORK_PORT if settings.board_port != MY_WORK_PORT else MY_WORK_PORT + 1
    command = service_command("python3", download.SERVICE_MODULE, [])
    service = {
        "url": f"http://{HUB_SERVICE}:{port}",
        "command": command,
        "cwd": HUB_CODE_DIR,
        "oauth_no_confirm": True,
        "environment": {
            "WORKSHOP_DATA_DIR": HUB_DATA_DIR,
            "WORKSHOP_PROXY_URL": _proxy_url(settings) + "/",
            "WORKSHOP_BIND": "0.0.0.0",
            download.HOMES_ELSEWHERE_ENV: "1",
        },
    }
    extra_port, ingress = _proxy_may_reach(port, "my-work")
    wait = settings.start_timeout + settings.http_timeout
    return {
        "services": {download.SERVICE_NAME: service},
        "loadRoles": {
            "my-work": {
                "scopes": list(download.SERVICE_SCOPES),
                "services": [download.SERVICE_NAME],
            },
            "user": {"scopes": ["self", download.USER_SCOPE]},
        },
        "extraConfig": {EXTRA_CONFIG_NAME: extra_config(HUB_CODE_DIR, HUB_DATA_DIR, wait)},
        "service": {"extraPorts": [extra_port]},
        "networkPolicy": {"enabled": True, "ingress": [ingress]},
    }


def hub_code_files() -> dict:
    """``hub.extraFiles``: the workshop's code the hub pod runs, each file at its repository
    path under ``HUB_CODE_DIR``, in one mount: the login's (``hub.auth.CHART_FILES``) and the
    classroom's (``classroom_code_files``: the board, my-work, the hub's classroom hooks)."""
    from hub.auth import CHART_FILES
    from hub.classroom.service import classroom_code_files
    from hub.paths import REPO_ROOT

    files = {path: (REPO_ROOT / path).read_text(encoding="utf-8") for path in CHART_FILES}
    files.update(classroom_code_files())
    return {
        "code-" + path.replace("/", "-"): {
            "mountPath": f"{HUB_CODE_DIR}/{path}",
            "stringData": text,
        }
        for path, text in sorted(files.items())
    }


def board_values(settings, roster: list[str] | None) -> dict:
    """The class board's part of ``hub`` values: the service (``hub.services.board``), its
    roles (``hub.loadRoles``), the hub Service's extra port the proxy reaches it on, the
    network policy rule that lets the proxy in on that port, and the ``hub.extraConfig``
    snippet that gives the board the proxy's auth token (``BOARD_PROXY_TOKEN_CONFIG_NAME``).
    Its code is mounted by :func:`classroom_values`. The board reads learners' servers at the
    targets of their routes (the proxy's API, ``PROXY_API_SERVICE``), which the chart's own
    network policies already allow the hub pod (the proxy's API, and learners' pods on their
    notebook port through the ``hub.jupyter.org/network-access-singleuser`` label)."""
    from hub.classroom.service import (
        BOARD_SERVICE,
        PROXY_TOKEN_ENV,
        board_arguments,
        board_command,
        board_roles,
        board_service,
    )

    port = settings.board_port
    proxy_api = f"http://{PROXY_API_SERVICE}:{PROXY_API_PORT}"
    args = board_arguments(settings, proxy_api, HUB_DATA_DIR, usernames=sorted(roster or []))
    command = board_command("python3", [*args, "--bind=0.0.0.0"])
    service = board_service(command, f"http://{HUB_SERVICE}:{port}", HUB_CODE_DIR)
    del service["name"]  # hub.services is keyed by name
    extra_port, ingress = _proxy_may_reach(port, "board")
    roles = {}
    for role in board_roles():
        roles[role["name"]] = {k: v for k, v in role.items() if k != "name"}
    token = _BOARD_PROXY_TOKEN_CONFIG.format(service=BOARD_SERVICE, env=PROXY_TOKEN_ENV)
    return {
        "services": {BOARD_SERVICE: service},
        "loadRoles": roles,
        "extraConfig": {BOARD_PROXY_TOKEN_CONFIG_NAME: token},
        "service": {"extraPorts": [extra_port]},
        "networkPolicy": {"enabled": True, "ingress": [ingress]},
    }


def _bytes(memory: str) -> int:
    from hub.settings import parse_memory

    return parse_memory("mem_limit", memory)


def _https(settings) -> dict:
    if not settings.https:
        return {"enabled": False}
    if settings.https == "internal":
        # a cluster has no Caddy: a load balancer in front terminates TLS
        return {"enabled": True, "type": "offload"}
    if not settings.acme_email:
        # the chart's Traefik refuses to render without one (Let's Encrypt needs a contact)
        raise ValueError(
            f"acme_email must be set for https={settings.https!r} on Kubernetes: the chart "
            "asks Let's Encrypt for the certificate and needs a contact e-mail "
            "(workshop settings set acme_email you@example.org)"
        )
    return {
        "enabled": True,
        "type": "letsencrypt",
        "hosts": [settings.https],
        "letsencrypt": {"contactEmail": settings.acme_email},
    }


def _profiles(settings, images: dict[str, str]) -> list[dict]:
    """CPU-only, and (unless ``gpu = none``) one GPU per learner, the default."""
    cpu = {
        "display_name": "CPU only",
        "slug": "cpu",
        "description": "No GPU: training runs on the CPU (slower, always available).",
        "default": settings.gpu == "none",
        "kubespawner_override": {
            "image": images["cpu"],
            "node_selector": {NODE_POOL_LABEL: CPU_POOL},
        },
    }
    if settings.gpu == "none":
        return [cpu]
    gpu = {
        "display_name": "GPU",
        "slug": "gpu",
        "description": "One NVIDIA GPU (TensorFlow grows its memory as needed).",
        "default": True,
        "kubespawner_override": {
            "image": images["gpu"],
            "extra_resource_limits": {"nvidia.com/gpu": "1"},
            "node_selector": {NODE_POOL_LABEL: GPU_POOL},
            # an override replaces the chart's user tolerations: keep the user-node one
            "tolerations": [USER_TAINT, GPU_TAINT],
        },
    }
    return [gpu, cpu]


def password_secret(
    workshop_password: str, admin_password: str, namespace: str | None = None
) -> dict:
    """The Kubernetes Secret the hub reads its passwords from (a manifest dict).

    Apply it with ``kubectl apply -f -`` (stdin, so the passwords are in no file or command
    line) before or after installing the chart; the hub waits for it. Raises ``ValueError``
    for passwords shorter than JupyterHub accepts (8 and 32 characters) or equal ones.
    """
    from hub.credentials import _check_passwords

    _check_passwords(workshop_password, admin_password)
    metadata = {
        "name": PASSWORD_SECRET,
        "labels": {"app.kubernetes.io/part-of": "dragonn-workshop"},
    }
    if namespace:
        metadata["namespace"] = namespace
    values = {"WORKSHOP_PASSWORD": workshop_password, "WORKSHOP_ADMIN_PASSWORD": admin_password}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": metadata,
        "data": {
            PASSWORD_KEYS[env]: base64.b64encode(value.encode()).decode()
            for env, value in values.items()
        },
    }
