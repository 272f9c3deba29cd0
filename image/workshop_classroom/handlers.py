"""The learner server's workshop API (JSON in and out, Jupyter Server's own authentication:
the learner's browser session or a hub token with ``access:servers`` on this server):

- ``GET api/workshop/state``: :meth:`ClassroomState.snapshot`;
- ``POST api/workshop/stuck`` ``{"notebook", "cell_id"?, "cell_index"?}`` → the stuck record;
  ``DELETE api/workshop/stuck`` → ``{"stuck": null}``;
- ``GET api/workshop/notices?after=<id>`` → ``{"notices": [...]}``; ``POST api/workshop/notices``
  ``{"kind", "text"}`` → ``{"id"}``.

Bad bodies or parameters get 400 with a message naming the parameter.
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
