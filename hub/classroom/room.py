"""The room as the board sees it: the hub's users (REST API) and, for each running server, its
``api/workshop/state`` read through the proxy with the board's own token.

Servers are read concurrently, at most ``concurrency`` at a time and each within ``timeout``
seconds, so a room of 50 costs the hub one users request and the proxy a handful of parallel
requests per poll; a server that does not answer shows as unreachable instead of stalling the
board.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from hub.classroom.rows import learner_row, summary

#: users per page of the hub's users API (its maximum)
USERS_PAGE = 200


class RoomError(RuntimeError):
    """The hub or a learner's server answered, but not as expected (the message says which)."""


class Room:
    """The board's view of the hub.

    ``hub_api``: the hub's API URL (``JUPYTERHUB_API_URL``, ending in ``/hub/api``);
    ``proxy_url``: the proxy as the board reaches it (``http://127.0.0.1:8000``); ``token``:
    the board service's API token; ``roster``: a callable returning ``[(username, "First
    Last")]`` (read at each poll, so a roster changed mid-class shows), or None where there is
    no roster (then every hub user but ``instructors`` is a row); ``concurrency``: servers read
    at once (>= 1); ``timeout``: seconds per request (> 0)."""

    def __init__(
        self,
        hub_api: str,
        proxy_url: str,
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
        self.proxy_url = proxy_url.rstrip("/")
        self.token = token
        self.roster = roster
        self.instructors = frozenset(instructors)
        self.timeout = timeout
        self._slots = asyncio.Semaphore(concurrency)
        self.http = AsyncHTTPClient(max_clients=max(concurrency, 4) + 4)

    async def _fetch(self, url: str, method: str = "GET", body=None) -> tuple[int, bytes]:
        request = HTTPRequest(
            url,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
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

    async def server(self, server_url: str, method: str, path: str, body=None):
        """Call a learner's server through the proxy: ``server_url`` from the hub's model
        (``/user/<name>/``), ``path`` under it (``api/workshop/state``). At most
        ``concurrency`` such calls run at once. Returns the JSON answer (None when empty);
        raises ``RoomError`` for a status >= 400, a timeout or a refused connection."""
        async with self._slots:
            code, data = await self._fetch(self.proxy_url + server_url + path, method, body)
        if code >= 400 or (code >= 300 and method == "GET"):
            raise RoomError(f"{method} {path}: {code}")
        try:
            return json.loads(data) if data else None
        except ValueError:
            raise RoomError(f"{method} {path}: not JSON") from None

    async def _state(self, user: dict | None) -> tuple[dict | None, str | None]:
        server = ((user or {}).get("servers") or {}).get("")
        if not server or not server.get("ready") or server.get("pending"):
            return None, None
        try:
            return await self.server(server["url"], "GET", "api/workshop/state"), None
        except RoomError as err:
            return None, str(err)

    async def poll(self) -> dict:
        """One look at the room: ``{"time", "rows": [row per roster entry], "summary"}``
        (see ``hub.classroom.rows``). Raises ``RoomError`` when the hub does not answer."""
        users = await self.users()
        roster = self.roster()
        if roster is None:  # no roster: whoever the hub knows, instructors aside
            roster = [(n, n) for n, u in sorted(users.items()) if n not in self.instructors]
        people = list(roster)
        states = await asyncio.gather(*(self._state(users.get(u)) for u, _ in people))
        now = datetime.now(UTC)
        rows = [
            learner_row(username, name, users.get(username), state, now, unreachable=why)
            for (username, name), (state, why) in zip(people, states, strict=True)
        ]
        return {"time": now.isoformat(timespec="seconds"), "rows": rows, "summary": summary(rows)}
