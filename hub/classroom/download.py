"""``my-work``: a hub-managed service that gives a learner a zip of their own notebooks, and
keeps the room's announcements and pushes for a hub whose data dir is not on the instructor's
machine (the chart).

The hub's home page links to it (hub/templates/home.html). It sits behind the hub's OAuth: the
learner is whoever the hub says is logged in, and the zip holds that learner's notebooks only
(no request parameter names anyone else). They are read like ``workshop collect`` reads one
learner (``hub.classroom.collect``): from their running server through the contents API (the
saved files), else from their home on this machine; where homes are volumes in a cluster
(``HOMES_ELSEWHERE_ENV`` set: the chart) a stopped server's learner is told to start it first
(``STOPPED_ELSEWHERE``). Every user may use it (the hub's ``user`` role is given
``access:services!service=my-work``); the service's own token may reach servers
(``access:servers``) and read who is running.

Instructors (admins, with an API token: ``workshop announce|push --hub-url``) record through
``api/announcements`` (GET: the history; POST ``{"kind", "text"}``) and ``api/pushes`` (POST
``{"source", "copy", "notebook"}``) into the hub's data dir, where the hub reads them: the
banner (``hub.classroom.announce.banner``) and what later starts are owed
(``hub.classroom.delivery``). Learners get 403 there.

Run by the hub (``python -m hub.classroom.download``) with ``WORKSHOP_DATA_DIR`` (the hub's data
dir) and ``WORKSHOP_PROXY_URL`` (where the servers are reached) in its environment, and
``WORKSHOP_BIND`` (the address to listen on; default the service URL's host). It imports the
standard library, tornado, jupyterhub and requests only, and ``hub.settings`` only where homes
are on this machine: the chart's hub image runs it from the code mounted in the hub pod.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import json
import os
import zipfile
from collections.abc import Callable
from urllib.parse import quote

SERVICE_NAME = "my-work"
#: ``python -m SERVICE_MODULE``
SERVICE_MODULE = "hub.classroom.download"
#: the scopes of the service's own token (hub_config's role for it)
SERVICE_SCOPES = ["access:servers", "read:users", "read:servers", "list:users"]
#: what the hub's default ``user`` role holds besides ``self``: reaching this service
USER_SCOPE = f"access:services!service={SERVICE_NAME}"
#: set (to anything) where learners' homes are not on the service's machine (the chart)
HOMES_ELSEWHERE_ENV = "WORKSHOP_HOMES_ELSEWHERE"
#: what a learner whose server is stopped reads there
STOPPED_ELSEWHERE = (
    "your server is stopped and your home is a volume in the cluster, which only your server "
    "reads: start your server (Start My Server), then download again"
)
#: the records API's paths under the service's prefix (``hub.classroom.remote`` calls them)
ANNOUNCEMENTS_API = "api/announcements"
PUSHES_API = "api/pushes"


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip of ``files`` (path -> bytes), paths as they are in the home."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(files.items()):
            archive.writestr(path, data)
    return buffer.getvalue()


def own_notebooks(
    username: str, read_stopped: Callable, proxy_url: str, token: str
) -> dict[str, bytes]:
    """``username``'s notebooks, from their running server else with ``read_stopped`` (a
    ``hub.classroom.collect`` reader: their home here, or why it cannot be read).
    Raises ``hub.classroom.collect.NotCollected`` saying why there are none."""
    from hub.classroom.collect import NotCollected, from_server
    from hub.classroom.learner_servers import LearnerServer
    from hub.client import HubClient

    user = HubClient(proxy_url, token).user(username)
    server = (user.get("servers") or {}).get("")
    if server and server.get("ready"):
        files = from_server(
            LearnerServer(username, f"{proxy_url}user/{quote(username)}/", token), None
        )
    else:
        files = read_stopped(username, None)
    if not files:
        raise NotCollected("there are no notebooks in your home yet")
    return files


def make_app(read_stopped: Callable, data_dir: str, proxy_url: str, token: str, prefix: str):
    """The tornado application: ``GET prefix`` answers the logged-in user's zip (404 with a
    sentence when they have no notebooks, 502 when their server fails to answer); the records
    API (instructors only) under ``prefix + "api/"``; ``prefix + "oauth_callback"`` completes
    the hub's OAuth."""
    from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
    from tornado import web

    from hub.classroom import announce, push
    from hub.classroom.collect import NotCollected

    class DownloadHandler(HubOAuthenticated, web.RequestHandler):
        @web.authenticated
        async def get(self):
            name = self.get_current_user()["name"]
            try:
                files = await asyncio.to_thread(own_notebooks, name, read_stopped, proxy_url, token)
            except (NotCollected, OSError, RuntimeError) as err:
                self.set_status(404 if isinstance(err, NotCollected) else 502)
                self.set_header("Content-Type", "text/plain; charset=utf-8")
                self.finish(f"Your notebooks could not be read: {err}\n")
                return
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
            self.set_header("Content-Type", "application/zip")
            self.set_header(
                "Content-Disposition", f'attachment; filename="{name}-notebooks-{stamp}.zip"'
            )
            self.set_header("Cache-Control", "no-store")
            self.finish(zip_bytes(files))

    class RecordsHandler(HubOAuthenticated, web.RequestHandler):
        """Instructors (the hub's admins) only; JSON in and out."""

        def prepare(self):
            user = self.get_current_user()
            if user is None:
                raise web.HTTPError(403, "an instructor's API token is needed")
            if not user.get("admin"):
                raise web.HTTPError(403, "announcements and pushes are for instructors")

        def body(self) -> dict:
            try:
                value = json.loads(self.request.body or b"{}")
            except ValueError:
                raise web.HTTPError(400, "the body is not JSON") from None
            if not isinstance(value, dict):
                raise web.HTTPError(400, "the body must be a JSON object")
            return value

        def answer(self, value, status: int = 200) -> None:
            self.set_status(status)
            self.set_header("Content-Type", "application/json")
            self.set_header("Cache-Control", "no-store")
            self.finish(json.dumps(value))

        def write_error(self, status_code: int, **kwargs) -> None:
            exc = kwargs.get("exc_info", (None, None))[1]
            reason = exc.log_message if isinstance(exc, web.HTTPError) else self._reason
            self.answer({"error": reason or self._reason}, status_code)

    class AnnouncementsAPI(RecordsHandler):
        def get(self):
            records = [dataclasses.asdict(r) for r in announce.history(data_dir)]
            self.answer({"announcements": records})

        def post(self):
            value = self.body()
            try:
                entry = announce.record(data_dir, value.get("kind", ""), value.get("text", ""))
            except ValueError as err:
                raise web.HTTPError(400, str(err)) from None
            self.answer(dataclasses.asdict(entry), 201)

    class PushesAPI(RecordsHandler):
        def post(self):
            value = self.body()
            try:
                notebook = push.check_notebook_json(value.get("notebook"))
                source = str(value.get("source") or "")
                if not source.endswith(".ipynb") or "/" in source:
                    raise ValueError(f"source must be a notebook's file name, got {source!r}")
                entry = push.record_notebook(data_dir, notebook, source, value.get("copy"))
            except ValueError as err:
                raise web.HTTPError(400, str(err)) from None
            self.answer(dataclasses.asdict(entry), 201)

    return web.Application(
        [
            (prefix, DownloadHandler),
            (prefix + ANNOUNCEMENTS_API, AnnouncementsAPI),
            (prefix + PUSHES_API, PushesAPI),
            (prefix + "oauth_callback", HubOAuthCallbackHandler),
        ],
        cookie_secret=os.urandom(32),
    )


class Records:
    """The records API as the CLI calls it (``workshop announce|push --hub-url``): the hub at
    ``hub_url`` (ending in ``/``) with an instructor's API ``token``. Raises ``RuntimeError``
    saying what the hub answered."""

    def __init__(self, hub_url: str, token: str, timeout: float = 60.0):
        self.base = f"{hub_url.rstrip('/')}/services/{SERVICE_NAME}/"
        self.token = token
        self.timeout = timeout

    def _call(self, method: str, path: str, **kwargs) -> dict:
        import requests

        headers = {"Authorization": f"token {self.token}"}
        r = requests.request(
            method, self.base + path, headers=headers, timeout=self.timeout, **kwargs
        )
        if r.status_code == 404:
            raise RuntimeError(
                f"{self.base}{path} answered 404: this hub keeps no announcements or pushes "
                f"(no {SERVICE_NAME} service; a chart installed before they existed: "
                "`workshop cloud up --target eks` updates it)"
            )
        try:
            value = r.json()
        except ValueError:
            value = {"error": r.text[:200].strip()}
        if r.status_code >= 400:
            raise RuntimeError(f"the hub refused ({r.status_code}): {value.get('error')}")
        return value

    def announce(self, kind: str, text: str = ""):
        """Record an announcement or a clear; returns the ``Announcement``."""
        from hub.classroom.announce import Announcement

        return Announcement(
            **self._call("POST", ANNOUNCEMENTS_API, json={"kind": kind, "text": text})
        )

    def history(self) -> list:
        """Every announcement record, oldest first."""
        from hub.classroom.announce import Announcement

        return [Announcement(**r) for r in self._call("GET", ANNOUNCEMENTS_API)["announcements"]]

    def push(self, notebook: dict, source: str, copy: str | None):
        """Record a push of ``notebook`` (validated by the caller); returns the ``Push``."""
        from hub.classroom.push import Push

        body = {"notebook": notebook, "source": source, "copy": copy}
        return Push(**self._call("POST", PUSHES_API, json=body))


def stopped_homes() -> Callable:
    """How this service reads a stopped server's home: here (the settings say where, local and
    Docker), or not at all (``HOMES_ELSEWHERE_ENV``: the chart)."""
    from hub.classroom.collect import stopped_reader, unreachable

    if os.environ.get(HOMES_ELSEWHERE_ENV):
        return unreachable(STOPPED_ELSEWHERE)
    from hub.settings import WorkshopSettings

    return stopped_reader(WorkshopSettings.load())


def main() -> None:
    from urllib.parse import urlsplit

    from tornado.ioloop import IOLoop

    url = urlsplit(os.environ["JUPYTERHUB_SERVICE_URL"])
    app = make_app(
        stopped_homes(),
        os.environ["WORKSHOP_DATA_DIR"],
        os.environ["WORKSHOP_PROXY_URL"],
        os.environ["JUPYTERHUB_API_TOKEN"],
        os.environ["JUPYTERHUB_SERVICE_PREFIX"],
    )
    app.listen(url.port, os.environ.get("WORKSHOP_BIND") or url.hostname)
    IOLoop.current().start()


if __name__ == "__main__":
    main()
