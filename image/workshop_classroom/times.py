"""Times as the learner API writes them: ISO-8601 in UTC, to the second."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(when: datetime | None = None) -> str:
    """``when`` (default: now) as ``2026-12-06T16:58:03Z``."""
    when = when or datetime.now(UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
