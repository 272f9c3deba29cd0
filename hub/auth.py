"""Workshop login: one shared password for attendees on the roster, a separate one for admins.

``WorkshopAuthenticator`` extends JupyterHub's ``SharedPasswordAuthenticator`` with

* usernames forgiven for case, accents and spaces (``normalize_login``), then required to be
  ``lastname_firstname`` (or an admin name) and on the roster, which is re-read when its file
  changes, so ``workshop roster add`` works on a running hub;
* failed-login rate limits per username and per client address: over the limit the hub answers
  429 with ``Retry-After`` until the window has passed.
"""

from __future__ import annotations

import math
import time
from collections import deque
from pathlib import Path

from jupyterhub.authenticators.shared import SharedPasswordAuthenticator
from tornado import web
from traitlets import Int, Unicode

from hub.roster import ROSTER_FILENAME, Roster, is_valid_username, normalize_login

FORMAT_HINT = (
    "Usernames look like lastname_firstname, e.g. vanderberg_jeanluc "
    "(lower case, no accents, spaces or hyphens inside a name)."
)


class FailureWindow:
    """Counts failures per key in a sliding window; a key with ``limit`` failures is locked
    until its oldest failure leaves the window.

    ``limit``: failures allowed; ``window``: seconds. Memory is bounded by pruning keys whose
    failures have all expired.
    """

    def __init__(self, limit: int, window: float, clock=time.monotonic):
        self.limit = limit
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque] = {}

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again (0 if it is not locked)."""
        times = self._prune(key)
        if times is None or len(times) < self.limit:
            return 0.0
        return max(0.0, times[0] + self.window - self._clock())

    def record(self, key: str) -> None:
        times = self._prune(key)
        if times is None:
            if len(self._failures) > 100_000:  # a flood of distinct keys: drop expired ones
                for k in list(self._failures):
                    self._prune(k)
            times = self._failures.setdefault(key, deque())
        times.append(self._clock())

    def reset(self, key: str) -> None:
        self._failures.pop(key, None)

    def _prune(self, key: str):
        times = self._failures.get(key)
        if times is None:
            return None
        cutoff = self._clock() - self.window
        while times and times[0] <= cutoff:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times


class WorkshopAuthenticator(SharedPasswordAuthenticator):
    """Shared-password login limited to the workshop roster, with failed-login rate limits."""

    roster_dir = Unicode(
        help="Directory holding roster.csv (the hub's data dir); re-read when the file changes."
    ).tag(config=True)
    login_failures_per_user = Int(5, help="Failed logins per username per window.").tag(config=True)
    login_failures_per_ip = Int(50, help="Failed logins per client address per window.").tag(
        config=True
    )
    login_lockout_seconds = Int(60, help="Failed-login window and lockout, seconds.").tag(
        config=True
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._roster_cache: tuple[float, frozenset] = (-1.0, frozenset())
        self._per_user = FailureWindow(self.login_failures_per_user, self.login_lockout_seconds)
        self._per_ip = FailureWindow(self.login_failures_per_ip, self.login_lockout_seconds)

    # --- names -------------------------------------------------------------------------------
    def normalize_username(self, username):
        username = normalize_login(username)
        return self.username_map.get(username, username)

    def validate_username(self, username):
        if username in self.admin_users:
            return super().validate_username(username)
        return is_valid_username(username) and super().validate_username(username)

    def roster_usernames(self) -> frozenset:
        """Usernames on the roster (cached until roster.csv changes)."""
        path = Path(self.roster_dir) / ROSTER_FILENAME
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError:
            return frozenset()
        if mtime != self._roster_cache[0]:
            self._roster_cache = (mtime, frozenset(Roster.load(self.roster_dir).usernames))
        return self._roster_cache[1]

    def check_allowed(self, username, authentication=None):
        return username in self.admin_users or username in self.roster_usernames()

    def any_allow_config(self):
        return True  # the roster is the allow list, even when it is still empty

    # --- login -------------------------------------------------------------------------------
    async def authenticate(self, handler, data):
        username = self.normalize_username(data.get("username", ""))
        ip = handler.request.remote_ip if handler is not None else "unknown"
        keys = ((self._per_user, f"user:{username}"), (self._per_ip, f"ip:{ip}"))
        for window, key in keys:
            wait = window.retry_after(key)
            if wait > 0:
                seconds = math.ceil(wait)
                self.log.warning("Login refused for %s: too many failures", key.split(":")[0])
                error = web.HTTPError(
                    429, f"Too many failed logins. Try again in {seconds} seconds."
                )
                # JupyterHub's error page copies exception.headers (it clears the others)
                error.headers = {"Retry-After": str(seconds)}
                raise error
        if not self.validate_username(username):
            self._per_ip.record(f"ip:{ip}")
            raise web.HTTPError(403, FORMAT_HINT)
        # unknown users get the same answer as a wrong password: no roster probing
        known = self.check_allowed(username)
        result = await super().authenticate(handler, data) if known else None
        if result is None:
            for window, key in keys:
                window.record(key)
            return None
        self._per_user.reset(f"user:{username}")
        return result
