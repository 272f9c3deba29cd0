"""The help queue: learners whose server says they are stuck, oldest first, each waiting or
taken by an instructor. The learner's server holds the truth (its ``stuck``); the queue adds
only who took it. Done is the board clearing the learner's ``stuck`` (``DELETE
api/workshop/stuck``), after which the learner leaves the queue at the next poll, or at once
through :meth:`HelpQueue.done`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class HelpQueue:
    """``taken``: username -> (stuck ``since`` it refers to, instructor who took it). A taken
    mark is kept only while the learner's stuck is the same one (pressing "I'm stuck" again,
    later, queues them as waiting)."""

    taken: dict[str, tuple[str | None, str]] = field(default_factory=dict)

    def entries(self, rows: list[dict]) -> list[dict]:
        """The queue from the board's rows: ``[{"username", "name", "since", "notebook",
        "cell", "section", "status": "waiting" | "taken", "taken_by"}]``, oldest first."""
        queue = []
        for row in rows:
            stuck = row.get("stuck")
            if not stuck:
                continue
            mark = self.taken.get(row["username"])
            taken_by = mark[1] if mark and mark[0] == stuck.get("since") else None
            queue.append(
                {
                    "username": row["username"],
                    "name": row["name"],
                    **stuck,
                    "status": "taken" if taken_by else "waiting",
                    "taken_by": taken_by,
                }
            )
        # forget marks of learners no longer stuck (a server that did not answer this time
        # says nothing either way: its mark stays)
        keep = {e["username"] for e in queue} | {
            r["username"] for r in rows if r.get("unreachable")
        }
        for username in list(self.taken):
            if username not in keep:
                del self.taken[username]
        return sorted(queue, key=lambda e: (e.get("since") or "", e["username"]))

    def take(self, username: str, since: str | None, instructor: str) -> None:
        """``instructor`` is on their way to ``username`` (stuck since ``since``)."""
        self.taken[username] = (since, instructor)

    def done(self, username: str) -> None:
        """Forget the mark (the caller has cleared the learner's stuck on their server)."""
        self.taken.pop(username, None)
