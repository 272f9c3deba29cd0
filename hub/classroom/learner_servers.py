"""Talking to learners' running servers on the instructor's behalf, through their REST API only:
the workshop's notices (``api/workshop/notices``, image/workshop_classroom) and Jupyter Server's
contents API (``api/contents``). Used by announce, push and collect (the CLI) and by the hub's
delivery to servers that start later (``hub.classroom.delivery``).

A token with ``access:servers`` (the CLI's service token) reaches every learner's server; learners'
own tokens reach only their own (the hub's scopes), so nothing here widens what a learner sees.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from urllib.parse import quote

import requests

#: notice kinds the learner server accepts (docs/../classroom-contract: POST api/workshop/notices)
NOTICE_KINDS = ("announcement", "access", "push", "clear")


class ServerError(RuntimeError):
    """A learner's server answered, but not as expected."""


@dataclass
class LearnerServer:
    """One learner's running server.

    ``name``: the username; ``url``: the server's base URL ending in ``/`` (through the proxy,
    ``http://host:port/user/NAME/``, or the server's own address); ``token``: a hub API token
    with ``access:servers`` on it; ``timeout``: seconds per request.
    """

    name: str
    url: str
    token: str
    timeout: float = 30.0

    def _request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(method, f"{self.url}{path}", headers=headers, **kwargs)

    def _fail(self, r: requests.Response, action: str) -> ServerError:
        detail = r.text[:200].strip()
        return ServerError(f"{action}: HTTP {r.status_code} {detail}")

    # --- notices -------------------------------------------------------------------------------
    def notices(self) -> list[dict]:
        """The notices the server holds, oldest first: ``[{"id", "time", "kind", "text"}]``."""
        r = self._request("GET", "api/workshop/notices")
        if r.status_code != 200:
            raise self._fail(r, "reading notices")
        return r.json().get("notices", [])

    def post_notice(self, kind: str, text: str) -> int:
        """Add a notice (shown once as a notification inside JupyterLab); returns its id.
        ``kind``: one of ``NOTICE_KINDS``. Raises ``ServerError``."""
        if kind not in NOTICE_KINDS:
            raise ValueError(f"kind must be one of {', '.join(NOTICE_KINDS)}, got {kind!r}")
        r = self._request("POST", "api/workshop/notices", json={"kind": kind, "text": text})
        if r.status_code not in (200, 201):
            raise self._fail(r, f"posting a {kind} notice")
        return r.json().get("id")

    def has_notice(self, kind: str, text: str) -> bool:
        """Whether a notice of ``kind`` with exactly ``text`` is there already."""
        return any(n.get("kind") == kind and n.get("text") == text for n in self.notices())

    # --- files (Jupyter Server's contents API) ---------------------------------------------------
    def _contents(self, path: str) -> str:
        return "api/contents/" + quote(path.strip("/"))

    def exists(self, path: str) -> bool:
        """Whether anything (file, notebook, directory) is at ``path`` (relative to the home)."""
        r = self._request("GET", self._contents(path), params={"content": "0"})
        if r.status_code == 404:
            return False
        if r.status_code != 200:
            raise self._fail(r, f"looking for {path}")
        return True

    def put_new_notebook(self, path: str, notebook: dict) -> bool:
        """Save ``notebook`` (nbformat JSON as a dict) at ``path`` unless something is there.

        Returns False (and writes nothing) when ``path`` exists: a learner's file is never
        overwritten. Raises ``ServerError`` when the server refuses the write."""
        if self.exists(path):
            return False
        model = {"type": "notebook", "format": "json", "content": notebook}
        r = self._request("PUT", self._contents(path), data=json.dumps(model))
        if r.status_code not in (200, 201):
            raise self._fail(r, f"saving {path}")
        return True

    def walk_notebooks(self, path: str = "") -> list[str]:
        """Paths of every notebook below ``path`` (hidden files and folders skipped)."""
        r = self._request("GET", self._contents(path), params={"content": "1"})
        if r.status_code != 200:
            raise self._fail(r, f"listing {path or 'the home'}")
        found = []
        for entry in r.json().get("content") or []:
            if entry["name"].startswith("."):
                continue
            if entry["type"] == "directory":
                found += self.walk_notebooks(entry["path"])
            elif entry["type"] == "notebook":
                found.append(entry["path"])
        return sorted(found)

    def read_bytes(self, path: str) -> bytes:
        """The saved bytes of the file at ``path`` (what is on the learner's disk, not what is
        unsaved in their browser). Raises ``FileNotFoundError`` when there is none."""
        params = {"content": "1", "type": "file", "format": "base64"}
        r = self._request("GET", self._contents(path), params=params)
        if r.status_code == 404:
            raise FileNotFoundError(f"{self.name} has no {path}")
        if r.status_code != 200:
            raise self._fail(r, f"reading {path}")
        return base64.b64decode(r.json()["content"])


def running_servers(client, token: str, base_url: str | None = None) -> dict[str, LearnerServer]:
    """Username -> ``LearnerServer`` for every ready default server of the hub ``client``
    (a ``hub.client.HubClient``) talks to, reached through its proxy (``base_url``, default the
    client's URL) with ``token``."""
    base = base_url or client.url
    out = {}
    for user in client.users():
        server = (user.get("servers") or {}).get("")
        if server and server.get("ready"):
            url = f"{base}user/{quote(user['name'])}/"
            out[user["name"]] = LearnerServer(user["name"], url, token)
    return out
