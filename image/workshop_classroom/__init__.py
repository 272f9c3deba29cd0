"""Jupyter Server extension of every learner's server: the workshop API the instructor's board
and the lab extension use (``handlers.py``): progress (``state.py``), "I'm stuck", and notices
(``notices.py``), kept under ``~/.workshop``.

Enabled in ``jupyter_server_config.py`` (beside this package), which also sets the kernel
connection that feeds the progress (``connection.py``).
"""

from __future__ import annotations

from pathlib import Path

from jupyter_server.utils import url_path_join


def _jupyter_server_extension_points():
    return [{"module": "workshop_classroom"}]


def _load_jupyter_server_extension(serverapp) -> None:
    from .connection import SETTINGS_KEY
    from .handlers import NOTICES_KEY, ROUTES
    from .notices import NoticeBoard
    from .state import ClassroomState, own_home_folder

    folder = own_home_folder()
    web_app = serverapp.web_app
    web_app.settings[SETTINGS_KEY] = ClassroomState(folder, Path(serverapp.root_dir))
    web_app.settings[NOTICES_KEY] = NoticeBoard(folder)
    base = web_app.settings["base_url"]
    web_app.add_handlers(".*$", [(url_path_join(base, route), cls) for route, cls in ROUTES])
    serverapp.log.info("workshop_classroom: api/workshop/{state,stuck,notices} (%s)", folder)
