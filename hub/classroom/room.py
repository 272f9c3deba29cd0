"""The room as the board sees it: the hub's users (REST API) and, for each running server, its
``api/workshop/state`` read with the board's own token.

Learners' servers are reached directly, at the targets of their routes in the proxy's routing
table (configurable-http-proxy's REST API, ``GET /api/routes`` with the proxy's auth token, read
once per poll), never through the proxy: the proxy counts every request it forwards as activity
on the route, which the hub copies into the server's ``last_activity``, and the idle culler
would never stop the server of a learner who left while an instructor watches the board.
Reading the routes touches no route's activity. Every request to a server carries
``no_track_activity=1`` (Jupyter Server's switch), so the server does not count it either.

Servers are read concurrently, at most ``concurrency`` at a time and each within ``timeout``
seconds, so a room of 50 costs the hub one users request, the proxy one routes request and the
servers a handful of parallel requests per poll; a server that does not answer shows as
unreachable instead of stalling the board.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from hub.classroom.rows import learner_row, summary

#: users per page of the hub's users API (its maximum)
USERS_PAGE = 200

log = logging.getLogger("workshop.board")


def server_targets(routes: dict) -> dict[str, str]:
    """configurable-http-proxy's routing table (the JSON of ``GET /api/routes``: ``{"/user/
    jane": {"target": "http://10.0.0.5:8888", "user": "jane", ...}}``) as ``{path: target}``,
    each path ending in ``/`` as the hub's server URLs do (``/user/jane/``), each target
    without a trailing ``/``. Routes of a host (``example.org/user/...``) or without a target
    are left out."""
    out = {}
    for spec, route in (routes or {}).items():
        target = route.get("target") if isinstance(route, dict) else None
        if not spec.startswith("/") or not isinstance(target, str) or not target:
            continue
        out[spec.rstrip("/") + "/"] = target.rstrip("/")
    return out


def untracked(path: str) -> str:
    """``path`` with ``no_track_activity=1`` (Jupyter Server then does not count the request as
    the server's activity)."""
    return path + ("&" if "?" in path else "?") + "no_track_activity=1"


class RoomError(RuntimeError):
    """The hub or a learner's server answered, but not as expected (the message says which)."""


class Room:
    """The board's view of the hub.

    ``hub_api``: the hub's API URL (``JUPYTERHUB_API_URL``, ending in ``/hub/api``);
    ``proxy_api``: the proxy's REST API as the board reaches it (``http://127.0.0.1:8001``);
    ``proxy_token``: its auth token; ``token``: the board service's API token (for the hub
    and the servers, never sent to the proxy); ``roster``: a callable returning
    ``[(username, "First Last")]`` (read at each poll, so a roster changed mid-class shows),
    or None where there is no roster (then every hub user but ``instructors`` is a row);
    ``concurrency``: servers read at once (>= 1); ``timeout``: seconds per request (> 0)."""

    def __init__(
        self,
        hub_api: str,
        proxy_api: str,
        proxy_token: str,
        token: str,
        roster: Callable[[], list[tuple[str, str]] | None],
        concurrency: int = 8,
        timeout: float = 5.0,
        instructors: frozenset[str] = frozenset(),
    ):
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency}")
        if timeout <= 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout}")
        self.hub_api = hub_api.rstrip("/")
        self.proxy_api = proxy_api.rstrip("/")
        self.proxy_token = proxy_token
        self.token = token
        self.roster = roster
        self.instructors = frozenset(instructors)
        self.timeout = timeout
        self._slots = asyncio.Semaphore(concurrency)
        self.http = AsyncHTTPClient(max_clients=max(concurrency, 4) + 4)

    async def _fetch(
        self, url: str, method: str = "GET", body=None, token: str | None = None
    ) -> tuple[int, bytes]:
        request = HTTPRequest(
            url,
            method=method,
            headers={
                "Authorization": f"token {self.token if token is None else token}",
                "Content-Type": "application/json",
            },
            body=None if body is None else json.dumps(body),
            allow_nonstandard_methods=True,
            follow_redirects=False,
            connect_timeout=self.timeout,
            request_timeout=self.timeout,
        )
        try:
            response = await self.http.fetch(request, raise_error=False)
        except (TimeoutError, OSError, HTTPClientError) as err:
            raise RoomError(f"{method} {url}: {err}") from None
        if response.code == 599:
            raise RoomError(f"{method} {url}: {response.error}")
        return response.code, response.body or b""

    async def hub(self, method: str, path: str, body=None) -> dict | list | None:
        """Call the hub's REST API (``path`` after ``/hub/api/``); the JSON answer (None for
        an empty one). Raises ``RoomError`` for a status >= 400."""
        code, data = await self._fetch(f"{self.hub_api}/{path.lstrip('/')}", method, body)
        if code >= 400:
            raise RoomError(f"hub {method} {path}: {code} {data[:200].decode(errors='replace')}")
        return json.loads(data) if data else None

    async def users(self) -> dict[str, dict]:
        """Every hub user's model (name -> model, servers included)."""
        found: dict[str, dict] = {}
        offset = 0
        while True:
            page = await self.hub("GET", f"users?limit={USERS_PAGE}&offset={offset}")
            for user in page:
                found[user["name"]] = user
            if len(page) < USERS_PAGE:
                return found
            offset += len(page)

    async def targets(self) -> dict[str, str]:
        """Where each server is: ``{"/user/<name>/": "http://addr:port"}`` from the proxy's
        routing table (:func:`server_targets`). Raises ``RoomError`` when the proxy does not
        answer or refuses the token."""
        url = f"{self.proxy_api}/api/routes"
        code, data = await self._fetch(url, token=self.proxy_token)
        if code != 200:
            raise RoomError(
                f"the proxy's routes ({url}): {code} {data[:200].decode(errors='replace')}"
            )
        try:
            return server_targets(json.loads(data))
        except (ValueError, AttributeError) as err:
            raise RoomError(f"the proxy's routes ({url}): not a routing table: {err}") from None

    async def server(
        self, server_url: str, method: str, path: str, body=None, targets: dict | None = None
    ):
        """Call a learner's server at its target in the proxy's routing table, not through
        the proxy: ``server_url`` from the hub's model (``/user/<name>/``, the server's own
        base URL, so the request's path is the one the proxy would have sent), ``path`` under
        it (``api/workshop/state``), ``targets`` from :meth:`targets` (read here when None).
        The request carries ``no_track_activity=1``. At most ``concurrency`` such calls run at
        once. Returns the JSON answer (None when empty); raises ``RoomError`` for a server the
        proxy has no route to, a status >= 400, a timeout or a refused connection."""
        if targets is None:
            targets = await self.targets()
        target = targets.get(server_url)
        if target is None:
            raise RoomError(f"{method} {path}: the proxy has no route to {server_url}")
        async with self._slots:
            code, data = await self._fetch(target + server_url + untracked(path), method, body)
        if code >= 400 or (code >= 300 and method == "GET"):
            raise RoomError(f"{method} {path}: {code}")
        try:
            return json.loads(data) if data else None
        except ValueError:
            raise RoomError(f"{method} {path}: not JSON") from None

    @staticmethod
    def _running(user: dict | None) -> dict | None:
        server = ((user or {}).get("servers") or {}).get("")
        if not server or not server.get("ready") or server.get("pending"):
            return None
        return server

    async def _state(
        self, user: dict | None, targets: dict, routes_error: str | None
    ) -> tuple[dict | None, str | None]:
        server = self._running(user)
        if server is None:
            return None, None
        if routes_error:
            return None, routes_error
        try:
            state = await self.server(server["url"], "GET", "api/workshop/state", None, targets)
        except RoomError as err:
            return None, str(err)
        return state, None

    async def poll(self) -> dict:
        """One look at the room: ``{"time", "rows": [row per roster entry], "summary"}``
        (see ``hub.classroom.rows``). Raises ``RoomError`` when the hub does not answer (a
        proxy that does not show its routes makes each running server's row say so)."""
        users = await self.users()
        roster = self.roster()
        if roster is None:  # no roster: whoever the hub knows, instructors aside
            roster = [(n, n) for n, u in sorted(users.items()) if n not in self.instructors]
        people = list(roster)
        targets: dict[str, str] = {}
        routes_error = None
        if any(self._running(users.get(u)) for u, _ in people):
            try:
                targets = await self.targets()
            except RoomError as err:
                routes_error = str(err)
                log.warning("%s", err)
        states = await asyncio.gather(
            *(self._state(users.get(u), targets, routes_error) for u, _ in people)
        )
        now = datetime.now(UTC)
        rows = [
            learner_row(username, name, users.get(username), state, now, unreachable=why)
            for (username, name), (state, why) in zip(people, states, strict=True)
        ]
        return {"time": now.isoformat(timespec="seconds"), "rows": rows, "summary": summary(rows)}
