"""Workshop login: one shared password for attendees on the roster, a separate one for admins.

``WorkshopAuthenticator`` extends JupyterHub's ``SharedPasswordAuthenticator`` with

* usernames forgiven for case, accents and spaces (``normalize_login``), then required to be
  ``lastname_firstname`` (or an admin name) and on the roster, which is re-read when its file
  changes, so ``workshop roster add`` works on a running hub;
* failed-login rate limits per client address and per (username, address), where the address
  is the one the workshop's proxies saw (``hub.client_address``): over a limit the hub answers
  429 with ``Retry-After`` until the window has passed. There is no limit per username alone, so
  a storm of wrong passwords from elsewhere never keeps a learner with the right one out;
* the shared passwords compared as typed (Unicode NFC on both sides, so an accent typed as one
  or two code points matches), and any form input answered with a 4xx and a message, never 500.

The limits have no defaults here: the hub's configuration sets them from the settings of the same
names (``hub.settings``), locally (``hub.hub_config``) and in the chart (``hub.cloud.z2jh``).
This module imports only the standard library, JupyterHub, tornado, traitlets and the modules of
:data:`CHART_FILES`, which the chart mounts into the hub pod (whose image has nothing of ours).
"""

from __future__ import annotations

import hmac
import math
import time
import unicodedata
from collections import deque
from pathlib import Path

from jupyterhub.authenticators.shared import SharedPasswordAuthenticator
from jupyterhub.handlers.login import LoginHandler
from tornado import web
from traitlets import Int, TraitError, Unicode, validate

from hub.client_address import PROXY_POD_SELECTOR, ProxyPods, client_address, rate_key
from hub.roster import ROSTER_FILENAME, Roster, is_valid_username, normalize_login

#: this module and what it imports of the repository (paths relative to it): what the hub pod
#: of the Zero to JupyterHub chart needs to run this authenticator
CHART_FILES = (
    "hub/__init__.py",
    "hub/auth.py",
    "hub/client_address.py",
    "hub/isolation/__init__.py",
    "hub/isolation/sockets.py",
    "hub/roster.py",
)
#: the configurable limits (each set from the setting of the same name)
LIMITS = ("login_failures_per_user", "login_failures_per_ip", "login_lockout_seconds")

FORMAT_HINT = (
    "Usernames look like lastname_firstname, e.g. vanderberg_jeanluc "
    "(lower case, no accents, spaces or hyphens inside a name)."
)
#: longest username and password the login form accepts (characters)
MAX_USERNAME_INPUT = 256
MAX_PASSWORD_INPUT = 1024


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


class WorkshopLoginHandler(LoginHandler):
    """JupyterHub's login page, with a ``next`` that cannot break the redirect: a URL holding
    control characters (CR/LF would make the ``Location`` header unsafe, a 500) is dropped like
    any other unsafe ``next``."""

    def _validate_next_url(self, next_url):
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in next_url):
            self.log.warning("Dropping a next URL with control characters")
            return ""
        return super()._validate_next_url(next_url)


def passwords_match(typed: str, expected: str) -> bool:
    """Constant-time comparison of Unicode NFC forms (``secrets.compare_digest`` on ``str``
    raises ``TypeError`` for non-ASCII text, which was a 500)."""
    if not expected:
        return False
    a = unicodedata.normalize("NFC", typed).encode("utf-8")
    b = unicodedata.normalize("NFC", expected).encode("utf-8")
    return hmac.compare_digest(a, b)


class WorkshopAuthenticator(SharedPasswordAuthenticator):
    """Shared-password login limited to the workshop roster, with failed-login rate limits."""

    roster_dir = Unicode(
        help="Directory holding roster.csv (the hub's data dir); re-read when the file changes. "
        "'' (the chart's hub): allowed_users / allow_all decide, as for any authenticator."
    ).tag(config=True)
    # required: the hub's configuration sets them from the settings of the same names
    login_failures_per_user = Int(
        0, help="Setting login_failures_per_user: failures per (username, address) per window."
    ).tag(config=True)
    login_failures_per_ip = Int(
        0, help="Setting login_failures_per_ip: failures per client address per window."
    ).tag(config=True)
    login_lockout_seconds = Int(
        0, help="Setting login_lockout_seconds: the window, and the lockout, in seconds."
    ).tag(config=True)
    front_secret = Unicode(
        help="Value of the header Caddy adds to /hub/login requests ('' without HTTPS)."
    ).tag(config=True)
    proxy_pod_selector = Unicode(
        help="On Kubernetes (the Zero to JupyterHub chart): label selector of the chart's proxy "
        f"pods, e.g. {PROXY_POD_SELECTOR!r}; X-Forwarded-For is believed only from their "
        "current addresses (hub.client_address.ProxyPods). '' on one machine, where the proxy "
        "is a socket of the hub's own account."
    ).tag(config=True)

    @validate(*LIMITS)
    def _valid_limit(self, proposal):
        value = proposal.value
        if value < 1:
            raise TraitError(
                f"WorkshopAuthenticator.{proposal.trait.name} must be at least 1, got {value!r}"
            )
        return value

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        missing = [name for name in LIMITS if getattr(self, name) < 1]
        if missing:
            raise ValueError(
                f"WorkshopAuthenticator needs {', '.join(missing)} in the hub's configuration "
                "(from the workshop settings of the same names; hub.hub_config and "
                "hub.cloud.z2jh set them)"
            )
        self._proxy_pods = ProxyPods(self.proxy_pod_selector) if self.proxy_pod_selector else None
        self._roster_cache: tuple[float, frozenset] = (-1.0, frozenset())
        self._per_pair = FailureWindow(self.login_failures_per_user, self.login_lockout_seconds)
        self._per_ip = FailureWindow(self.login_failures_per_ip, self.login_lockout_seconds)

    def get_handlers(self, app):
        return [("/login", WorkshopLoginHandler)]

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
        if username in self.admin_users:
            return True
        if not self.roster_dir:
            return super().check_allowed(username, authentication)
        return username in self.roster_usernames()

    def any_allow_config(self):
        return True  # the roster is the allow list, even when it is still empty

    # --- login -------------------------------------------------------------------------------
    async def login_address(self, handler) -> str:
        """Rate-limit bucket of the request's source (``hub.client_address``)."""
        if handler is None:
            return "unknown"
        proxies = None
        if self._proxy_pods is not None:
            peer = getattr(handler.request.connection.context, "address", ("",))[0]
            proxies = await self._proxy_pods.addresses(peer)
        return rate_key(client_address(handler.request, self.front_secret, proxies))

    async def authenticate(self, handler, data):
        typed_name, password = data.get("username"), data.get("password")
        if not isinstance(typed_name, str) or not isinstance(password, str):
            raise web.HTTPError(400, "The login form needs a username and a password.")
        if len(typed_name) > MAX_USERNAME_INPUT or len(password) > MAX_PASSWORD_INPUT:
            raise web.HTTPError(
                400,
                f"Usernames have at most {MAX_USERNAME_INPUT} characters and passwords at most "
                f"{MAX_PASSWORD_INPUT}.",
            )
        username = self.normalize_username(typed_name)
        address = await self.login_address(handler)
        keys = ((self._per_ip, f"ip:{address}"), (self._per_pair, f"pair:{username}|{address}"))
        for window, key in keys:
            wait = window.retry_after(key)
            if wait > 0:
                seconds = math.ceil(wait)
                self.log.warning("Login refused: too many failures (%s)", key.split(":")[0])
                error = web.HTTPError(
                    429, f"Too many failed logins. Try again in {seconds} seconds."
                )
                # JupyterHub's error page copies exception.headers (it clears the others)
                error.headers = {"Retry-After": str(seconds)}
                raise error
        if not self.validate_username(username):
            self._per_ip.record(f"ip:{address}")
            raise web.HTTPError(403, FORMAT_HINT)
        # unknown users get the same answer as a wrong password: no roster probing
        result = None
        if username in self.admin_users:
            if passwords_match(password, self.admin_password):
                result = {"name": username, "admin": True, "groups": []}
        elif self.check_allowed(username) and passwords_match(password, self.user_password):
            result = {"name": username, "admin": False, "groups": []}
        if result is None:
            for window, key in keys:
                window.record(key)
            return None
        self._per_pair.reset(f"pair:{username}|{address}")
        return result
