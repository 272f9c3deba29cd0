"""How the board finds learners' servers: the proxy's routing table (configurable-http-proxy's
``GET /api/routes``) read with the proxy's token, each server then called at its route's target
with the board's own token and ``no_track_activity=1``, never through the proxy.

One tornado app in this process plays the hub's users API, the proxy's REST API and a learner's
server, and records what each was asked.
"""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
from tornado import web
from tornado.httpserver import HTTPServer

from hub.classroom.room import Room, RoomError, server_targets, untracked
from hub.classroom.service import PROXY_TOKEN_ENV, board_arguments, board_environment

BOARD_TOKEN, PROXY_TOKEN = "board-token", "proxy-token"

# what configurable-http-proxy answers (the hub adds "/user/jane/"; CHP keeps no trailing /)
CHP_ROUTES = {
    "/": {"target": "http://127.0.0.1:8081", "jupyterhub": True, "last_activity": "x"},
    "/user/doe_jane": {
        "target": "http://10.0.0.5:8888",
        "user": "doe_jane",
        "server_name": "",
        "jupyterhub": True,
        "last_activity": "2026-01-01T00:00:00.000Z",
    },
    "/user/roe_richard/": {"target": "http://127.0.0.1:40001/", "user": "roe_richard"},
    "/services/board": {"target": "http://127.0.0.1:8082", "service": "board"},
    "example.org/user/x": {"target": "http://10.0.0.9:8888"},  # a host route
    "/broken": {"jupyterhub": True},  # no target
}


def test_server_targets_are_keyed_like_the_hubs_server_urls():
    targets = server_targets(CHP_ROUTES)
    assert targets["/user/doe_jane/"] == "http://10.0.0.5:8888"
    assert targets["/user/roe_richard/"] == "http://127.0.0.1:40001"
    assert targets["/"] == "http://127.0.0.1:8081"
    assert "example.org/user/x/" not in targets and "/broken/" not in targets
    assert server_targets({}) == {}


def test_every_server_request_is_untracked():
    assert untracked("api/workshop/state") == "api/workshop/state?no_track_activity=1"
    assert untracked("api/contents/a.ipynb?type=notebook&content=1") == (
        "api/contents/a.ipynb?type=notebook&content=1&no_track_activity=1"
    )


def test_the_board_gets_the_proxys_api_and_token_not_its_public_url(tmp_path):
    from hub.settings import WorkshopSettings

    settings = WorkshopSettings.load(tmp_path)
    args = board_arguments(settings, "http://127.0.0.1:8001", str(tmp_path), roster_dir="x")
    assert "--proxy-api-url=http://127.0.0.1:8001" in args
    assert not any(PROXY_TOKEN in a for a in args)  # the token is never on the command line
    assert board_environment(PROXY_TOKEN) == {PROXY_TOKEN_ENV: PROXY_TOKEN}
    assert PROXY_TOKEN_ENV == "CONFIGPROXY_AUTH_TOKEN"


def test_the_hub_config_gives_the_board_the_proxys_api_and_token(tmp_path):
    from traitlets.config import Config

    from hub.classroom.board import parse_args
    from hub.credentials import load_or_create
    from hub.hub_config import configure
    from hub.settings import WorkshopSettings

    settings = WorkshopSettings.load(tmp_path / "data", overrides={"proxy_api_port": 18001})
    credentials = load_or_create(settings.data_dir)
    c = Config()
    configure(c, settings, credentials)
    [board] = [s for s in c.JupyterHub.services if s["name"] == "board"]
    args = parse_args(board["command"][6:])
    assert args.proxy_api_url == c.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:18001"
    assert board["environment"] == {PROXY_TOKEN_ENV: credentials.proxy_token}
    assert c.ConfigurableHTTPProxy.auth_token == credentials.proxy_token


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder(web.RequestHandler):
    def initialize(self, seen: list, answer):
        self.seen, self.answer = seen, answer

    def _record(self):
        self.seen.append(
            (self.request.method, self.request.uri, self.request.headers.get("Authorization"))
        )
        status, body = self.answer(self)
        self.set_status(status)
        self.finish(json.dumps(body))

    get = post = delete = _record


def run_room(routes: dict | None, users: list[dict], calls) -> tuple[list, object]:
    """Serve the hub, the proxy's API (answering ``routes``; None: 403) and one learner's
    server on one port, then run ``calls(room)``; ``(requests seen, its result)``."""
    port = free_port()
    seen: list = []
    here = f"http://127.0.0.1:{port}"

    def hub_users(h):
        return 200, users

    def proxy_routes(h):
        if routes is None or h.request.headers.get("Authorization") != f"token {PROXY_TOKEN}":
            return 403, {"message": "no"}
        return 200, {
            k: dict(v, target=v["target"].replace("SELF", here)) for k, v in routes.items()
        }

    def server(h):
        return 200, {"section": "2. Training", "memory": {"rss": 1}, "kernels": []}

    async def main():
        app = web.Application(
            [
                (r"/hub/api/users", Recorder, {"seen": seen, "answer": hub_users}),
                (r"/api/routes", Recorder, {"seen": seen, "answer": proxy_routes}),
                (r"/user/doe_jane/.*", Recorder, {"seen": seen, "answer": server}),
            ]
        )
        http = HTTPServer(app)
        http.listen(port, "127.0.0.1")
        try:
            room = Room(
                f"{here}/hub/api", here, PROXY_TOKEN, BOARD_TOKEN,
                lambda: [("doe_jane", "Jane Doe"), ("roe_richard", "Richard Roe")],
                timeout=5,
            )  # fmt: skip
            return await calls(room)
        finally:
            http.stop()

    result = asyncio.run(main())
    return seen, result


def running(name: str) -> dict:
    return {"name": name, "servers": {"": {"ready": True, "url": f"/user/{name}/"}}}


ROUTES = {"/user/doe_jane": {"target": "SELF", "user": "doe_jane", "server_name": ""}}


def test_the_room_reads_routes_once_then_each_server_at_its_target():
    async def calls(room):
        return await room.poll()

    seen, snapshot = run_room(ROUTES, [running("doe_jane"), running("roe_richard")], calls)
    rows = {r["username"]: r for r in snapshot["rows"]}
    assert rows["doe_jane"]["section"] == "2. Training" and rows["doe_jane"]["unreachable"] is None
    # the proxy has no route to roe_richard's server: said on its row, nothing else tried
    assert rows["roe_richard"]["unreachable"].endswith(
        "the proxy has no route to /user/roe_richard/"
    )
    assert seen == [
        ("GET", "/hub/api/users?limit=200&offset=0", f"token {BOARD_TOKEN}"),
        ("GET", "/api/routes", f"token {PROXY_TOKEN}"),  # the proxy's token, to the proxy only
        ("GET", "/user/doe_jane/api/workshop/state?no_track_activity=1", f"token {BOARD_TOKEN}"),
    ]


def test_a_look_or_a_done_reads_the_routes_itself():
    async def calls(room):
        await room.server("/user/doe_jane/", "DELETE", "api/workshop/stuck")
        await room.server("/user/doe_jane/", "GET", "api/contents/a%20b.ipynb?content=1")
        with pytest.raises(RoomError, match="no route to /user/roe_richard/"):
            await room.server("/user/roe_richard/", "GET", "api/workshop/state")

    seen, _ = run_room(ROUTES, [], calls)
    assert [(m, u) for m, u, _ in seen] == [
        ("GET", "/api/routes"),
        ("DELETE", "/user/doe_jane/api/workshop/stuck?no_track_activity=1"),
        ("GET", "/api/routes"),
        ("GET", "/user/doe_jane/api/contents/a%20b.ipynb?content=1&no_track_activity=1"),
        ("GET", "/api/routes"),
    ]


def test_a_proxy_that_refuses_shows_on_each_running_row_and_no_server_is_called():
    async def calls(room):
        return await room.poll()

    seen, snapshot = run_room(None, [running("doe_jane")], calls)
    [jane] = [r for r in snapshot["rows"] if r["username"] == "doe_jane"]
    assert "the proxy's routes" in jane["unreachable"] and "403" in jane["unreachable"]
    assert not any(u.startswith("/user/") for _, u, _ in seen)


def test_no_running_server_no_routes_read():
    async def calls(room):
        return await room.poll()

    seen, _ = run_room(ROUTES, [{"name": "doe_jane", "servers": {}}], calls)
    assert [u for _, u, _ in seen] == ["/hub/api/users?limit=200&offset=0"]
