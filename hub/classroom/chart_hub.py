"""The classroom in a hub whose configuration is the Zero to JupyterHub chart's: what
``hub/hub_config.py`` does for the local and Docker hubs, done from the chart's
``hub.extraConfig`` with the code mounted in the hub pod (``hub.classroom.service``'s
``classroom_code_files``, ``hub/cloud/z2jh.py``).

:func:`configure` gives the hub the announcement banner on its pages (``template_vars``,
``hub.classroom.announce.banner``), the home page with the "my work" link (``template_paths``:
``hub/templates/home.html``, mounted), and the delivery of the current announcement and every
push to servers that start later (``Spawner.pre_spawn_hook``, ``hub.classroom.delivery``),
with the ``my-work`` service's token (the chart generates it; ``access:servers``). The state
is the hub's data dir on its volume, which the ``my-work`` service writes
(``hub.classroom.download``: ``workshop announce|push --hub-url``).

It runs inside the hub process: standard library, jupyterhub and requests only.
"""

from __future__ import annotations

from pathlib import Path

#: the ``hub.extraConfig`` snippet's name and text (``{code_dir}`` etc. filled by
#: :func:`extra_config`): the chart's jupyterhub_config.py ``exec``s it with ``c`` defined
EXTRA_CONFIG_NAME = "workshop-classroom"
_EXTRA_CONFIG = """\
import sys
sys.path.insert(0, {code_dir!r})
from hub.classroom.chart_hub import configure
configure(c, data_dir={data_dir!r}, code_dir={code_dir!r}, wait={wait!r})
"""


def extra_config(code_dir: str, data_dir: str, wait: float) -> str:
    """The ``hub.extraConfig`` snippet: the mounted code on the path, then :func:`configure`."""
    return _EXTRA_CONFIG.format(code_dir=code_dir, data_dir=data_dir, wait=wait)


def service_token(c, name: str) -> str:
    """The API token of the service ``name`` in ``c.JupyterHub.services`` (the chart puts the
    one it generated there); ``LookupError`` when there is none."""
    for service in c.JupyterHub.services:
        if service.get("name") == name and service.get("api_token"):
            return service["api_token"]
    raise LookupError(f"no service {name!r} with an API token in c.JupyterHub.services")


def configure(c, data_dir: str, code_dir: str, wait: float) -> None:
    """Banner, home page and delivery on the hub config ``c`` (see the module doc).
    ``data_dir``: the hub's data dir (where ``my-work`` keeps announcements and pushes);
    ``code_dir``: where the repository's files are mounted; ``wait``: seconds a starting
    server is waited for before delivery gives up."""
    from hub.classroom import announce, delivery
    from hub.classroom.download import SERVICE_NAME

    c.JupyterHub.template_vars = {
        **(c.JupyterHub.get("template_vars") or {}),
        "announcement": announce.banner(data_dir),
    }
    templates = str(Path(code_dir) / "hub" / "templates")
    c.JupyterHub.template_paths = [templates, *(c.JupyterHub.get("template_paths") or [])]
    # the most specific section already holding a hook keeps it, run first
    section = next(
        (c[name] for name in ("KubeSpawner", "Spawner") if "pre_spawn_hook" in c[name]),
        c.Spawner,
    )
    then = section["pre_spawn_hook"] if "pre_spawn_hook" in section else None
    token = service_token(c, SERVICE_NAME)
    section.pre_spawn_hook = delivery.pre_spawn_hook(data_dir, token, wait, then)
