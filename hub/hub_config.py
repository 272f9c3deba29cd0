"""Settings -> JupyterHub configuration (what ``hub/jupyterhub_config.py`` applies to ``c``)."""

from __future__ import annotations

import sys
from pathlib import Path

from hub.credentials import Credentials, derived_secret, ensure_private_dir
from hub.paths import REPO_ROOT
from hub.roster import Roster
from hub.settings import ENV_PREFIX, WorkshopSettings

#: purpose of the secret Caddy sends with /hub/login (hub.client_address.FRONT_HEADER)
FRONT_SECRET_PURPOSE = "caddy-front-header"

CLI_SERVICE = "workshop-cli"
CULLER_SERVICE = "idle-culler"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def proxy_command() -> list[str]:
    """configurable-http-proxy from ``./node_modules`` (bootstrap.sh installs it), else PATH."""
    local = REPO_ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
    return [str(local)] if local.exists() else ["configurable-http-proxy"]


def proxy_api_url(settings: WorkshopSettings) -> str:
    """configurable-http-proxy's REST API (the hub and the board use it), on loopback."""
    return f"http://127.0.0.1:{settings.proxy_api_port}"


def configure(
    c, settings: WorkshopSettings, credentials: Credentials, system: bool = False
) -> None:
    """Apply ``settings`` and ``credentials`` to the JupyterHub config object ``c``.

    ``system``: the hub itself is starting, so make what it needs on this machine (the learners'
    network, when run as root); otherwise nothing outside ``c`` and the data dir is touched."""
    data = ensure_private_dir(settings.data_path)

    # --- network: with HTTPS, Caddy is the only thing facing the room -------------------------
    c.JupyterHub.ip = "127.0.0.1" if settings.https else settings.ip
    c.JupyterHub.port = settings.port
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = settings.hub_port
    c.ConfigurableHTTPProxy.api_url = proxy_api_url(settings)
    c.ConfigurableHTTPProxy.command = proxy_command()
    c.ConfigurableHTTPProxy.auth_token = credentials.proxy_token
    if settings.https:
        # Caddy faces the room: mark cookies Secure. Login rate limits take the client address
        # from Caddy only when its secret header is there (hub/client_address.py).
        c.JupyterHub.cookie_options = {"secure": True}

    # --- state ---------------------------------------------------------------------------------
    c.JupyterHub.db_url = f"sqlite:///{data / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret = bytes.fromhex(credentials.cookie_secret)
    c.JupyterHub.pid_file = str(data / "jupyterhub.pid")

    # --- login ---------------------------------------------------------------------------------
    c.JupyterHub.authenticator_class = "hub.auth.WorkshopAuthenticator"
    auth = c.WorkshopAuthenticator
    auth.user_password = credentials.workshop_password
    auth.admin_password = credentials.admin_password
    auth.admin_users = set(settings.admin_users)
    auth.allow_all = False
    auth.allow_existing_users = False  # the roster decides, not whoever is in the database
    auth.roster_dir = str(data)
    # JupyterHub creates these users at start-up, so the admin page lists attendees who have not
    # logged in yet; who may log in is still the roster file, re-read when it changes
    auth.allowed_users = set(Roster.load(data).usernames)
    auth.login_failures_per_user = settings.login_failures_per_user
    auth.login_failures_per_ip = settings.login_failures_per_ip
    auth.login_lockout_seconds = settings.login_lockout_seconds
    auth.front_secret = derived_secret(credentials, FRONT_SECRET_PURPOSE) if settings.https else ""
    # templates/login.html shows how to log in next to the form (no banner: it would say it twice)
    c.JupyterHub.template_paths = [str(TEMPLATES_DIR)]

    # --- spawning a room at once -----------------------------------------------------------------
    c.JupyterHub.concurrent_spawn_limit = settings.concurrent_spawn_limit
    c.Spawner.start_timeout = settings.start_timeout
    c.Spawner.http_timeout = settings.http_timeout
    c.Spawner.default_url = settings.default_url
    c.Spawner.mem_limit = settings.mem_limit_bytes
    c.Spawner.cpu_limit = settings.cpu_limit
    if settings.spawner == "local":
        from hub.isolation.cgroups import tree_name

        c.JupyterHub.spawner_class = "hub.spawners.local.WorkshopLocalSpawner"
        local = c.WorkshopLocalSpawner
        local.home_dir_template = str(data / "homes" / "{username}")
        local.notebooks_dir = str(REPO_ROOT / "notebooks")
        local.data_dir = str(data)
        local.hidden_dirs = [str(data)]
        local.shared_dirs = [str(Path(settings.datasets_dir).resolve())]
        local.system_user_prefix = settings.system_user_prefix
        local.disk_limit = settings.disk_limit_bytes
        local.pids_limit = settings.pids_limit
        local.tmp_size = settings.shm_size_bytes
        local.cgroup_tree = tree_name(str(data))
        if system:
            _learner_network(c, settings, data)
        from hub.spawners.docker import spawner_environment

        # the image's Jupyter server config (kernel culling, why a kernel died) applies here too
        local.environment = {
            **spawner_environment(settings),
            "JUPYTER_CONFIG_PATH": str(REPO_ROOT / "image"),
        }
    else:
        from hub.spawners import (
            docker as docker_spawner,  # the docker engineer's module; needs the docker SDK
        )

        docker_spawner.configure(c, settings)

    # --- services: the CLI's API token and the idle culler -------------------------------------
    services = [{"name": CLI_SERVICE, "api_token": credentials.api_token}]
    roles = [
        {
            "name": "workshop-cli",
            "scopes": [
                "admin:users",
                "admin:servers",
                "admin:server_state",
                "list:users",
                "read:users",
                "read:servers",
                "read:hub",
                # doctor and status talk to users' servers (kernels) like an instructor can
                "access:servers",
            ],
            "services": [CLI_SERVICE],
        }
    ]
    if settings.idle_timeout:
        services.append(
            {
                "name": CULLER_SERVICE,
                # dies with the hub (a killed hub must not leave a second culler behind)
                "command": [
                    sys.executable,
                    "-m",
                    "hub.die_with_parent",
                    sys.executable,
                    "-m",
                    "jupyterhub_idle_culler",
                    f"--timeout={settings.idle_timeout}",
                    f"--cull-every={max(60, settings.idle_timeout // 6)}",
                ],
            }
        )
        roles.append(
            {
                "name": "idle-culler",
                "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
                "services": [CULLER_SERVICE],
            }
        )
    if settings.board:
        _class_board(settings, credentials, data, services, roles)
    # after the board: both grant the "user" role a service, merged here into one role
    _classroom(c, settings, credentials, services, roles)
    c.JupyterHub.services = services
    c.JupyterHub.load_roles = roles


def _classroom(c, settings: WorkshopSettings, credentials: Credentials, services, roles) -> None:
    """Announcements and pushes (``hub.classroom``): the banner on every hub page, read per
    page; what a server that starts later is owed, delivered once it is ready; and ``my-work``,
    the service a learner downloads their own notebooks from (appended to ``services`` and
    ``roles``)."""
    from jupyterhub.utils import random_port

    from hub.classroom import announce, delivery, download
    from hub.classroom.service import service_command

    data = str(settings.data_path)
    c.JupyterHub.template_vars = {"announcement": announce.banner(data)}
    section = c.WorkshopLocalSpawner if settings.spawner == "local" else c.DockerSpawner
    then = section["pre_spawn_hook"] if "pre_spawn_hook" in section else None
    wait = settings.start_timeout + settings.http_timeout
    section.pre_spawn_hook = delivery.pre_spawn_hook(data, credentials.api_token, wait, then)
    services.append(
        {
            "name": download.SERVICE_NAME,
            "url": f"http://127.0.0.1:{random_port()}",
            "oauth_no_confirm": True,
            "environment": {
                "WORKSHOP_DATA_DIR": data,
                "WORKSHOP_PROXY_URL": settings.local_url,
                # what it reads homes of stopped servers with (hub.classroom.collect)
                **{f"{ENV_PREFIX}{name.upper()}": str(getattr(settings, name))
                   for name in ("spawner", "volume_prefix", "image")},
            },  # fmt: skip
            "cwd": str(REPO_ROOT),
            # dies with the hub, like the culler
            "command": service_command(sys.executable, download.SERVICE_MODULE, []),
        }
    )  # fmt: skip
    roles.append(
        {"name": "my-work", "scopes": download.SERVICE_SCOPES, "services": [download.SERVICE_NAME]}
    )
    # every user (learners and instructors) may open my-work, which gives them their own files;
    # one "user" role (JupyterHub refuses a role defined twice): the scope joins any defined
    _grant_users(roles, download.USER_SCOPE)


def _grant_users(roles: list[dict], scope: str) -> None:
    """Add ``scope`` to the ``user`` role in ``roles`` (made, with ``self``, when missing);
    several ``user`` roles are merged into one."""
    users = [r for r in roles if r["name"] == "user"]
    scopes = ["self"] + [s for r in users for s in r.get("scopes", [])] + [scope]
    merged = {**(users[0] if users else {"name": "user"}), "scopes": list(dict.fromkeys(scopes))}
    roles[:] = [r for r in roles if r["name"] != "user"] + [merged]


def _class_board(
    settings: WorkshopSettings, credentials: Credentials, data: Path, services: list, roles: list
) -> None:
    """The class board (``hub.classroom``): a service that dies with the hub, like the culler,
    reading learners' servers where the proxy's routing table says they are (the proxy's API
    on this machine, with its token in the service's environment), not through the proxy."""
    from hub.classroom.service import (
        board_arguments,
        board_command,
        board_environment,
        board_roles,
        board_service,
    )

    args = board_arguments(settings, proxy_api_url(settings), str(data), roster_dir=str(data))
    command = board_command(sys.executable, args)
    services.append(
        board_service(
            command,
            f"http://127.0.0.1:{settings.board_port}",
            str(REPO_ROOT),
            board_environment(credentials.proxy_token),
        )
    )
    roles.extend(board_roles())


def _learner_network(c, settings: WorkshopSettings, data: Path) -> None:
    """Hub run as root: learners' servers get network namespaces of their own behind the hub's
    bridge (``hub.isolation.netns``), and the hub's API listens on the bridge's address, the only
    place of this machine they reach. Where that cannot be done, learners share this machine's
    network (``workshop up`` says so: ``hub.isolation.enforced``)."""
    import logging
    import os
    import subprocess

    from hub.isolation.netns import HubNetwork, netns_unavailable

    if os.geteuid() != 0 or netns_unavailable():
        return
    network = HubNetwork(data, settings.hub_port, settings.learner_outbound)
    try:
        gateway = network.setup()
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as err:
        logging.getLogger("JupyterHub").warning("learners share this machine's network: %s", err)
        return
    c.JupyterHub.hub_ip = str(gateway.ip)
    c.JupyterHub.hub_connect_ip = str(gateway.ip)
    c.WorkshopLocalSpawner.learner_netns = True
    c.WorkshopLocalSpawner.learner_outbound = settings.learner_outbound
