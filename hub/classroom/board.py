"""The class board: a JupyterHub-managed service (``python -m hub.classroom.board``) behind
hub OAuth, at ``/services/board/``.

Pages (relative URLs throughout, so the board works under any base URL and behind Caddy):

* ``./`` the board: one row per roster entry, the summary line, the help queue; it polls
  ``api/room`` every few seconds. Instructors only (403 for anyone else).
* ``look/<learner>?notebook=PATH``: the learner's saved notebook, read-only (the contents API's
  GET, never a write), refreshed from ``api/look/<learner>``; each opening is logged and shown
  to the learner as a notice.
* ``consent/<id>``: where a learner accepts or declines editing together (the learner of that
  request only).

The room is polled in the background only while an instructor has the board open (a request in
the last ``IDLE_AFTER`` seconds), so a hub nobody watches pays nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import get_browser_protocol, url_path_join
from tornado import web
from tornado.httpserver import HTTPServer

from hub.classroom.access_log import ACCESS_LOG_FILENAME, AccessLog
from hub.classroom.consent import Consent, ConsentError
from hub.classroom.help_queue import HelpQueue
from hub.classroom.notebook_html import notebook_html
from hub.classroom.room import Room, RoomError
from hub.classroom.service import PROXY_TOKEN_ENV
from hub.roster import Roster

STATIC_DIR = Path(__file__).resolve().parent / "static"
#: the board stops polling this many seconds after the last instructor request
IDLE_AFTER = 60.0
#: the notebook a look opens when the learner's server names none
DEFAULT_NOTEBOOK = "workshop_tutorial.ipynb"
#: learners' own pages may say nothing but what this board writes (no scripts of theirs)
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

log = logging.getLogger("workshop.board")


class Board:
    """What the handlers share: the room, its latest snapshot, the queue, consent, the log."""

    def __init__(self, room: Room, instructors: set[str], poll_seconds: float, access: AccessLog):
        self.room = room
        self.instructors = instructors
        self.poll_seconds = poll_seconds
        self.access = access
        self.queue = HelpQueue()
        self.consent = Consent(room, access)
        self.snapshot: dict | None = None
        self.error: str | None = None
        self.wanted_until = 0.0
        self._wake = asyncio.Event()
        self._fresh = asyncio.Event()

    def want(self) -> None:
        """An instructor is watching: keep polling for ``IDLE_AFTER`` seconds."""
        idle = time.monotonic() > self.wanted_until
        self.wanted_until = time.monotonic() + IDLE_AFTER
        if idle:
            self._wake.set()

    async def current(self) -> dict:
        """The latest snapshot, waiting for the first poll after an idle spell."""
        self.want()
        if self.snapshot is None or time.monotonic() - self.snapshot["_at"] > 3 * self.poll_seconds:
            self._fresh.clear()
            self._wake.set()
            try:
                await asyncio.wait_for(self._fresh.wait(), timeout=max(10.0, 3 * self.room.timeout))
            except TimeoutError:
                pass
        if self.snapshot is None:
            raise RoomError(self.error or "the room has not been read yet")
        return self.snapshot

    async def poll_forever(self) -> None:
        while True:
            if time.monotonic() > self.wanted_until:
                self._wake.clear()
                await self._wake.wait()
            started = time.monotonic()
            try:
                snapshot = await self.room.poll()
                snapshot["_at"] = time.monotonic()
                snapshot["poll_seconds"] = round(snapshot["_at"] - started, 3)
                self.snapshot, self.error = snapshot, None
            except RoomError as err:
                self.error = str(err)
                log.warning("board poll failed: %s", err)
            except Exception:  # the board must outlive one bad poll; the log says why
                log.exception("board poll failed")
            self._fresh.set()
            rest = self.poll_seconds - (time.monotonic() - started)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.0, rest))
            except TimeoutError:
                pass
            self._wake.clear()

    def row(self, username: str) -> dict | None:
        for row in (self.snapshot or {}).get("rows", []):
            if row["username"] == username:
                return row
        return None


class BoardHandler(HubOAuthenticated, web.RequestHandler):
    """Logged-in (hub OAuth) handler; ``instructors_only`` pages answer 403 to anyone else."""

    instructors_only = True

    @property
    def board(self) -> Board:
        return self.settings["board"]

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "same-origin")

    def prepare(self):
        user = self.current_user
        if user is None:
            if self.request.method == "GET" and "/api/" not in self.request.path:
                return self.redirect(self.get_login_url())
            raise web.HTTPError(403, "log in first")
        if self.instructors_only and user["name"] not in self.board.instructors:
            raise web.HTTPError(403, "the class board is for instructors")

    def page(self, name: str, **values: str) -> None:
        from html import escape

        text = (STATIC_DIR / name).read_text(encoding="utf-8")
        values = {"xsrf": self.xsrf_token.decode(), **values}
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", escape(value))
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(text)

    def json(self, value, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(value))

    def write_error(self, status_code: int, **kwargs) -> None:
        reason = self._reason
        exc = kwargs.get("exc_info", (None, None))[1]
        if isinstance(exc, web.HTTPError) and exc.log_message:
            reason = exc.log_message
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code}: {reason}\n")

    def learner_server(self, username: str) -> str:
        row = self.board.row(username)
        if row is None:
            raise web.HTTPError(404, f"{username} is not on the roster")
        if row["phase"] != "ready" or not row["server_url"]:
            raise web.HTTPError(409, f"{username}'s server is {row['phase']}")
        return row["server_url"]


class BoardPage(BoardHandler):
    def get(self):
        self.page("board.html")


class RoomAPI(BoardHandler):
    async def get(self):
        try:
            snapshot = await self.board.current()
        except RoomError as err:
            return self.json({"error": str(err)}, status=503)
        rows = snapshot["rows"]
        self.json(
            {
                "time": snapshot["time"],
                "poll_seconds": snapshot["poll_seconds"],
                "rows": rows,
                "summary": snapshot["summary"],
                "queue": self.board.queue.entries(rows),
                "edits": self.board.consent.open_for(self.current_user["name"]),
                "error": self.board.error,
            }
        )


class QueueAPI(BoardHandler):
    async def post(self, username: str, action: str):
        row = self.board.row(username)
        if row is None or not row.get("stuck"):
            raise web.HTTPError(404, f"{username} is not in the help queue")
        if action == "take":
            self.board.queue.take(username, row["stuck"].get("since"), self.current_user["name"])
        else:  # done: the learner's own server forgets the stuck, then the queue does
            try:
                await self.board.room.server(row["server_url"], "DELETE", "api/workshop/stuck")
            except RoomError as err:
                raise web.HTTPError(502, f"could not clear {username}'s stuck: {err}") from None
            self.board.queue.done(username)
            row["stuck"] = None
        self.json({"ok": True})


class LookPage(BoardHandler):
    async def get(self, username: str):
        await self.board.current()
        server_url = self.learner_server(username)
        notebook = self.get_argument("notebook", None) or self.board.row(username)["notebook"]
        notebook = notebook or DEFAULT_NOTEBOOK
        instructor = self.current_user["name"]
        self.board.access.record(instructor, username, "look", notebook)
        try:
            await self.board.room.server(
                server_url,
                "POST",
                "api/workshop/notices",
                {
                    "kind": "access",
                    "text": f"{instructor} is looking at your notebook {notebook} (read-only).",
                },
            )
        except RoomError as err:
            log.warning("could not tell %s about the look: %s", username, err)
        self.page("look.html", learner=username, notebook=notebook)


class LookAPI(BoardHandler):
    async def get(self, username: str):
        server_url = self.learner_server(username)
        notebook = self.get_argument("notebook")
        try:
            model = await self.board.room.server(
                server_url, "GET", f"api/contents/{quote(notebook)}?type=notebook&content=1"
            )
            html = notebook_html(model["content"])
        except (RoomError, ValueError, KeyError, TypeError) as err:
            raise web.HTTPError(502, f"could not read {notebook}: {err}") from None
        self.json({"notebook": notebook, "last_modified": model.get("last_modified"), "html": html})


class EditAPI(BoardHandler):
    async def post(self, username: str):
        await self.board.current()
        server_url = self.learner_server(username)
        notebook = self.get_argument("notebook", None) or self.board.row(username)["notebook"]
        # the address the instructor reached the board at (through Caddy too) is one the
        # learner's browser reaches: the notice carries a link they can open
        origin = f"{get_browser_protocol(self.request)}://{self.request.host}"
        page = origin + url_path_join(self.settings["service_prefix"], "consent", "{id}")
        try:
            request = await self.board.consent.ask(
                self.current_user["name"], username, server_url, notebook, page
            )
        except RoomError as err:
            raise web.HTTPError(502, f"could not ask {username}: {err}") from None
        self.json(request.public())


class EditEndAPI(BoardHandler):
    async def post(self, request_id: str):
        try:
            request = await self.board.consent.end(request_id, self.current_user["name"])
        except ConsentError as err:
            raise web.HTTPError(404, str(err)) from None
        self.json(request.public())


class ConsentPage(BoardHandler):
    """The learner's answer to an edit-together request (only the learner it is addressed to)."""

    instructors_only = False

    def request_for_me(self, request_id: str):
        try:
            return self.board.consent.get(request_id, self.current_user["name"])
        except ConsentError as err:
            raise web.HTTPError(404, str(err)) from None

    def get(self, request_id: str):
        request = self.request_for_me(request_id)
        self.page(
            "consent.html",
            instructor=request.instructor,
            notebook=request.notebook or "your notebook",
            status=request.status,
            # which buttons apply now (the others are hidden)
            open="" if request.status == "asked" else "hidden",
            shared="" if request.status == "accepted" else "hidden",
        )

    async def post(self, request_id: str):
        request = self.request_for_me(request_id)
        answer = self.get_argument("answer")
        try:
            if answer == "end":
                await self.board.consent.end(request_id, self.current_user["name"])
            else:
                await self.board.consent.answer(request_id, request.learner, answer == "accept")
        except ConsentError as err:
            raise web.HTTPError(409, str(err)) from None
        except RoomError as err:
            raise web.HTTPError(502, f"the hub refused the share: {err}") from None
        self.redirect(self.request.path)


def make_app(board: Board, service_prefix: str) -> web.Application:
    """The tornado application under ``service_prefix`` (``/services/board/``)."""
    prefix = service_prefix.rstrip("/")
    name = r"([a-z0-9_]+)"
    routes = [
        (prefix, web.RedirectHandler, {"url": prefix + "/"}),
        (prefix + "/", BoardPage),
        (prefix + "/api/room", RoomAPI),
        (prefix + rf"/api/queue/{name}/(take|done)", QueueAPI),
        (prefix + rf"/look/{name}", LookPage),
        (prefix + rf"/api/look/{name}", LookAPI),
        (prefix + rf"/api/edit/{name}", EditAPI),
        (prefix + r"/api/edit-end/([A-Za-z0-9_-]+)", EditEndAPI),
        (prefix + r"/consent/([A-Za-z0-9_-]+)", ConsentPage),
        (prefix + "/oauth_callback", HubOAuthCallbackHandler),
        (prefix + "/static/(.*)", web.StaticFileHandler, {"path": str(STATIC_DIR)}),
    ]
    return web.Application(
        routes,
        board=board,
        service_prefix=prefix + "/",
        cookie_secret=os.urandom(32),
        xsrf_cookies=True,
    )


def roster_reader(data_dir: str | None, usernames: list[str]):
    """``[(username, "First Last")]`` from the roster in ``data_dir`` (re-read each time), or
    the fixed ``usernames`` (the chart, whose roster is its allowed users), or None (no roster:
    every hub user but the instructors)."""
    if data_dir:

        def read() -> list[tuple[str, str]] | None:
            entries = Roster.load(data_dir).entries
            if not entries:
                return None
            return [(e.username, f"{e.first_name} {e.last_name}".strip()) for e in entries]

        return read
    if not usernames:
        return lambda: None  # no roster: the room is whoever the hub knows
    fixed = [(u, u) for u in usernames]
    return lambda: fixed


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m hub.classroom.board", description=__doc__)
    parser.add_argument(
        "--proxy-api-url",
        required=True,
        help="the proxy's REST API as this process reaches it (its routes say where each "
        f"learner's server is; its auth token in ${PROXY_TOKEN_ENV})",
    )
    parser.add_argument("--instructors", required=True, help="comma-separated usernames")
    parser.add_argument("--roster-dir", default="", help="data dir holding roster.csv")
    parser.add_argument("--usernames", default="", help="comma-separated (no roster file)")
    parser.add_argument("--log-dir", required=True, help="where board-access.log is kept")
    parser.add_argument(
        "--bind",
        default="",
        help="address to listen on (default: the host of JUPYTERHUB_SERVICE_URL)",
    )
    parser.add_argument("--poll-seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    if not 1 <= args.poll_seconds <= 300:
        parser.error(f"--poll-seconds must be in [1, 300], got {args.poll_seconds:g}")
    if not 1 <= args.concurrency <= 200:
        parser.error(f"--concurrency must be in [1, 200], got {args.concurrency}")
    return args


async def serve(args: argparse.Namespace) -> None:
    instructors = {u for u in args.instructors.split(",") if u}
    proxy_token = os.environ.get(PROXY_TOKEN_ENV)
    if not proxy_token:
        raise SystemExit(f"board: {PROXY_TOKEN_ENV} is not set (the proxy's auth token)")
    room = Room(
        os.environ["JUPYTERHUB_API_URL"],
        args.proxy_api_url,
        proxy_token,
        os.environ["JUPYTERHUB_API_TOKEN"],
        roster_reader(args.roster_dir, [u for u in args.usernames.split(",") if u]),
        concurrency=args.concurrency,
        timeout=min(10.0, args.poll_seconds),
        instructors=frozenset(instructors),
    )
    access = AccessLog(Path(args.log_dir) / ACCESS_LOG_FILENAME)
    board = Board(room, instructors, args.poll_seconds, access)
    app = make_app(board, os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/board/"))
    where = urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:8082"))
    address = args.bind or where.hostname
    HTTPServer(app, xheaders=True).listen(where.port or 80, address)
    log.info("board listening on %s:%s", address, where.port)
    await board.poll_forever()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="[%(levelname).1s %(asctime)s board] %(message)s"
    )
    asyncio.run(serve(parse_args(sys.argv[1:] if argv is None else argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
