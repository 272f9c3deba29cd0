"""The board as JupyterHub configuration: its managed service and the roles it needs, read
from the settings (``board``, ``board_port``, ``board_poll_seconds``, ``board_concurrency``,
``admin_users``). ``hub/hub_config.py`` (local and Docker) and ``hub/cloud/z2jh.py`` (the chart)
both render these, so every mode runs the same board with the same rights.
"""

from __future__ import annotations

from pathlib import Path

BOARD_SERVICE = "board"
#: the board's module: ``python -m hub.classroom.board``
BOARD_MODULE = "hub.classroom.board"
BOARD_ROLE = "class-board"
#: the environment variable the board reads the proxy's auth token from (configurable-http-
#: proxy's own name for it; the chart's hub pod has it from the chart's Secret)
PROXY_TOKEN_ENV = "CONFIGPROXY_AUTH_TOKEN"
#: what the board may do in the hub: list who is there, read their servers, reach them (the
#: state API, notices, the contents API's GET: at their targets in the proxy's routing table,
#: which the board reads with the proxy's own token, not a hub scope), and grant a share of a
#: learner's server to an instructor once the learner has accepted (``shares``; ``read:users``
#: includes names)
BOARD_SCOPES = [
    "list:users",
    "read:users",
    "read:servers",
    "access:servers",
    "shares",
]
#: every user's role: JupyterHub's own ``self`` plus the board's pages, where a learner can
#: only answer an edit-together request addressed to them (the board answers 403 to anything
#: else). No ``shares`` scope: a learner cannot share their server with anyone.
USER_ROLE = {
    "name": "user",
    "description": "Learners: their own server, and answering the board's edit-together asks",
    "scopes": ["self", f"access:services!service={BOARD_SERVICE}"],
}


def board_arguments(
    settings,
    proxy_api_url: str,
    log_dir: str,
    roster_dir: str = "",
    usernames: list[str] | None = None,
) -> list[str]:
    """The board's command-line arguments (after ``python -m hub.classroom.board``).

    ``proxy_api_url``: the proxy's REST API as the hub's machine (or pod) reaches it (the
    board reads learners' servers at the targets of their routes, not through the proxy; the
    proxy's auth token goes in the service's environment, :func:`board_environment`);
    ``log_dir``: where
    ``board-access.log`` goes; ``roster_dir``: the data dir whose roster.csv lists the class,
    or ``usernames`` where there is no roster file (the chart)."""
    args = [
        f"--proxy-api-url={proxy_api_url}",
        f"--instructors={','.join(settings.admin_users)}",
        f"--log-dir={log_dir}",
        f"--poll-seconds={settings.board_poll_seconds}",
        f"--concurrency={settings.board_concurrency}",
    ]
    if roster_dir:
        args.append(f"--roster-dir={roster_dir}")
    else:
        args.append(f"--usernames={','.join(usernames or [])}")
    return args


def board_environment(proxy_token: str) -> dict[str, str]:
    """The board service's environment: the proxy's auth token (never on its command line,
    which every local user can read)."""
    return {PROXY_TOKEN_ENV: proxy_token}


def board_service(command: list[str], url: str, cwd: str, environment: dict | None = None) -> dict:
    """The ``JupyterHub.services`` entry: hub-managed (``command``, run in ``cwd``), reached
    at ``url``, logged in through hub OAuth."""
    service = {
        "name": BOARD_SERVICE,
        "url": url,
        "command": command,
        "cwd": cwd,
        "oauth_no_confirm": True,
        # not in the hub's Services menu: learners may reach the service (to answer an
        # edit-together ask) but would only meet a 403 there; `workshop up` prints its URL
        "display": False,
    }
    if environment:
        service["environment"] = environment
    return service


def board_roles() -> list[dict]:
    """The roles the board needs (``JupyterHub.load_roles``): its own, and the users' role
    that lets learners reach its consent page."""
    return [
        {"name": BOARD_ROLE, "scopes": list(BOARD_SCOPES), "services": [BOARD_SERVICE]},
        dict(USER_ROLE, scopes=list(USER_ROLE["scopes"])),
    ]


def service_command(python: str, module: str, args: list[str]) -> list[str]:
    """``python -m hub.die_with_parent python -m MODULE ARGS``: a service that dies with the
    hub (a hub restarted after a crash must not find an old one on its port)."""
    return [python, "-m", "hub.die_with_parent", python, "-m", module, *args]


def board_command(python: str, args: list[str]) -> list[str]:
    """The board's :func:`service_command`."""
    return service_command(python, BOARD_MODULE, args)


def classroom_code_files() -> dict[str, str]:
    """What the classroom's processes in the chart's hub pod import and serve, as ``{path
    relative to the repository: text}``: ``hub/__init__.py``, ``hub/die_with_parent.py``,
    ``hub/roster.py``, ``hub/client.py``, ``hub/classroom/`` with its static files (the board,
    the ``my-work`` service, and what the hub itself runs: the banner and the delivery to later
    starts, ``hub.classroom.chart_hub``) and ``hub/templates/home.html`` (the "my work" link).
    The chart mounts these into the hub pod (its image has JupyterHub and tornado, nothing of
    this repository)."""
    hub_dir = Path(__file__).resolve().parents[1]
    names = ("__init__.py", "die_with_parent.py", "roster.py", "client.py")
    paths = [hub_dir / name for name in names]
    here = Path(__file__).resolve().parent
    paths += sorted(here.glob("*.py")) + sorted(
        p for p in (here / "static").iterdir() if p.is_file()
    )
    paths.append(hub_dir / "templates" / "home.html")
    return {str(p.relative_to(hub_dir.parent)): p.read_text(encoding="utf-8") for p in paths}
