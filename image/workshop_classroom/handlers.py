"""The learner server's workshop API (JSON in and out, Jupyter Server's own authentication:
the learner's browser session or a hub token with ``access:servers`` on this server):

- ``GET api/workshop/state``: :meth:`ClassroomState.snapshot`;
- ``POST api/workshop/stuck`` ``{"notebook", "cell_id"?, "cell_index"?}`` → the stuck record;
  ``DELETE api/workshop/stuck`` → ``{"stuck": null}``;
- ``GET api/workshop/notices?after=<id>`` → ``{"notices": [...]}``; ``POST api/workshop/notices``
  ``{"kind", "text"}`` → ``{"id"}``.

Bad bodies or parameters get 400 with a message naming the parameter.

What counts as the learner's activity (Jupyter Server's ``api_last_activity``, which
jupyterhub-singleuser reports to the hub and the idle culler reads): only what the learner's own
JupyterLab does, "I'm stuck" and "I'm not stuck any more" (and the notices poll of their open
tab, like JupyterLab's own polls). Reading the state (the class board, every few seconds) and
posting a notice (the board, announce, push, the hub's delivery) never count, so an instructor
watching the board never keeps an idle learner's server from being culled. Any request with
``?no_track_activity=1`` (Jupyter Server's own switch; the board sends it with every request,
its "done" that clears a stuck included) does not count either.
"""

from __future__ import annotations

import json
import os

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web
from workshop_kernels import memory_limit, tree_rss

from .connection import SETTINGS_KEY
from .notices import NoticeError, check_notice
from .state import StuckError
from .times import iso_utc

NOTICES_KEY = "workshop_notices"
AUTH_RESOURCE = "workshop"


class WorkshopHandler(APIHandler):
    """Base: JSON bodies, and the server's ClassroomState and NoticeBoard."""

    auth_resource = AUTH_RESOURCE
    #: the methods whose requests are the learner's own activity (the others come from the
    #: board, the CLI or the hub)
    learner_methods: frozenset[str] = frozenset()

    @property
    def _track_activity(self) -> bool:  # read by APIHandler.update_api_activity
        return self.request.method in self.learner_methods

    @property
    def classroom(self):
        return self.settings[SETTINGS_KEY]

    def json_body(self):
        try:
            return json.loads(self.request.body or b"null")
        except ValueError as err:
            raise web.HTTPError(400, f"the body is not JSON: {err}") from None

    def reply(self, data, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data))


class StateHandler(WorkshopHandler):
    learner_methods = frozenset()  # the board's poll: never the learner's activity

    @web.authenticated
    @authorized
    async def get(self):
        sessions = await self.session_manager.list_sessions()
        paths = {s["kernel"]["id"]: s.get("path") for s in sessions if s.get("kernel")}
        km = self.kernel_manager
        kernels = []
        for kernel_id in km.list_kernel_ids():
            kernel = km.get_kernel(kernel_id)
            notebook_of = getattr(km, "notebook_of", None)
            activity = getattr(kernel, "last_activity", None)
            kernels.append({
                "id": kernel_id,
                "notebook": paths.get(kernel_id) or (notebook_of(kernel_id) if notebook_of else None),
                "execution_state": getattr(kernel, "execution_state", None),
                "last_activity": iso_utc(activity) if activity else None,
            })  # fmt: skip
        self.reply(self.classroom.snapshot(kernels, tree_rss(os.getpid()), memory_limit()))


class StuckHandler(WorkshopHandler):
    learner_methods = frozenset({"POST", "DELETE"})  # the learner's buttons

    @web.authenticated
    @authorized
    def post(self):
        try:
            record = self.classroom.set_stuck(self.json_body())
        except StuckError as err:
            raise web.HTTPError(400, str(err)) from None
        self.log.info("learner is stuck at %s cell %s", record["notebook"], record["cell_index"])
        self.reply(record)

    @web.authenticated
    @authorized
    def delete(self):
        self.classroom.clear_stuck()
        self.reply({"stuck": None})


class NoticesHandler(WorkshopHandler):
    learner_methods = frozenset({"GET"})  # the learner's tab polls; posts are the instructor's

    @web.authenticated
    @authorized
    def get(self):
        raw = self.get_query_argument("after", "0")
        if not raw.isdigit():
            raise web.HTTPError(400, f"after must be a notice id, an integer >= 0; got {raw!r}")
        self.reply({"notices": self.settings[NOTICES_KEY].after(int(raw))})

    @web.authenticated
    @authorized
    def post(self):
        try:
            kind, text = check_notice(self.json_body())
        except NoticeError as err:
            raise web.HTTPError(400, str(err)) from None
        self.reply({"id": self.settings[NOTICES_KEY].post(kind, text)})


ROUTES = [
    ("api/workshop/state", StateHandler),
    ("api/workshop/stuck", StuckHandler),
    ("api/workshop/notices", NoticesHandler),
]
