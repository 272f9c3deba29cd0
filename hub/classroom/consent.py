"""Editing together, only with the learner's consent, on JupyterHub 5 sharing.

The instructor asks (:meth:`Consent.ask`): the learner gets a notice (kind ``"access"``) with a
link to the board's consent page, where they are logged in as themselves. Only when they accept
does the board grant a share of their server to that one instructor (``POST
/hub/api/shares/<learner>/``, scopes ``access:servers!server=<learner>/``); the learner or the
instructor ends it (``PATCH`` revoking those scopes). Learners hold no ``shares`` scope: a
learner cannot share their server with anyone, nor reach another's.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from hub.classroom.access_log import AccessLog
from hub.classroom.room import Room, RoomError


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class EditRequest:
    """One ask: ``status`` goes ``asked`` -> ``accepted`` | ``declined``, and ``accepted`` ->
    ``ended``."""

    id: str
    instructor: str
    learner: str
    notebook: str | None
    server_url: str
    status: str = "asked"
    time: str = field(default_factory=_now)

    def public(self) -> dict:
        return asdict(self)


class ConsentError(RuntimeError):
    """A request that does not exist, belongs to someone else or is no longer open."""


class Consent:
    """Edit-together requests of this board (in memory: a restarted board forgets open asks;
    the shares themselves live in the hub)."""

    def __init__(self, room: Room, log: AccessLog):
        self.room = room
        self.log = log
        self.requests: dict[str, EditRequest] = {}

    def _scopes(self, learner: str) -> list[str]:
        return [f"access:servers!server={learner}/"]

    async def ask(
        self, instructor: str, learner: str, server_url: str, notebook: str | None, page_url: str
    ) -> EditRequest:
        """Ask ``learner`` (notice on their server, ``server_url``) to let ``instructor``
        edit with them. ``page_url``: the board's consent page, with ``{id}`` to fill in."""
        request = EditRequest(secrets.token_urlsafe(16), instructor, learner, notebook, server_url)
        link = page_url.format(id=request.id)
        what = f" {notebook}" if notebook else " your notebook"
        await self.room.server(
            server_url,
            "POST",
            "api/workshop/notices",
            {
                "kind": "access",
                "text": f"{instructor} asks to edit{what} together with you. "
                f"Nothing changes unless you accept: {link}",
            },
        )
        self.requests[request.id] = request
        self.log.record(instructor, learner, "share-asked", notebook)
        return request

    def get(self, request_id: str, learner: str) -> EditRequest:
        """The request ``request_id`` addressed to ``learner``; ``ConsentError`` otherwise."""
        request = self.requests.get(request_id)
        if request is None or request.learner != learner:
            raise ConsentError("no such request for you")
        return request

    async def answer(self, request_id: str, learner: str, accept: bool) -> EditRequest:
        """The learner's answer: accepting grants the share, declining records it."""
        request = self.get(request_id, learner)
        if request.status != "asked":
            raise ConsentError(f"this request is already {request.status}")
        if accept:
            await self.room.hub(
                "POST",
                f"shares/{learner}/",
                {"user": request.instructor, "scopes": self._scopes(learner)},
            )
        request.status = "accepted" if accept else "declined"
        self.log.record(request.instructor, learner, f"share-{request.status}", request.notebook)
        return request

    async def end(self, request_id: str, by: str) -> EditRequest:
        """End an accepted share (``by``: the learner or the instructor of the request)."""
        request = self.requests.get(request_id)
        if request is None or by not in (request.learner, request.instructor):
            raise ConsentError("no such request for you")
        if request.status == "accepted":
            await self.room.hub(
                "PATCH",
                f"shares/{request.learner}/",
                {"user": request.instructor, "scopes": self._scopes(request.learner)},
            )
            request.status = "ended"
            self.log.record(request.instructor, request.learner, "share-ended", request.notebook)
            try:
                await self.room.server(
                    request.server_url,
                    "POST",
                    "api/workshop/notices",
                    {"kind": "access", "text": f"{request.instructor} no longer edits with you."},
                )
            except RoomError:
                pass  # the server may be gone; the share is revoked either way
        return request

    def open_for(self, instructor: str | None = None) -> list[dict]:
        """Requests still asked or accepted (of ``instructor`` when given)."""
        return [
            r.public()
            for r in self.requests.values()
            if r.status in ("asked", "accepted") and instructor in (None, r.instructor)
        ]
