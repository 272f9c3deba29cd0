"""Talking to a running hub over HTTP: the REST API (token), browser-style logins (cookies),
and code execution in a user's kernel. Used by the CLI, ``workshop doctor``, tests and the bench.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from urllib.parse import quote, urlsplit

import requests
import requests.adapters


class HubError(RuntimeError):
    """The hub answered, but not as expected."""


class HubClient:
    """REST API client for ``url`` (the proxy's public URL, ending in ``/``) with ``token``."""

    def __init__(self, url: str, token: str, timeout: float = 30.0, verify=True):
        self.url = url if url.endswith("/") else url + "/"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"
        self.session.verify = verify
        self.timeout = timeout

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return self.session.request(method, f"{self.url}hub/api/{path.lstrip('/')}", **kwargs)

    def wait_until_up(self, timeout: float = 60.0, process=None) -> None:
        """Poll ``/hub/api`` until it answers; stop early if ``process`` (a Popen) exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise HubError(f"hub process exited with code {process.returncode}")
            try:
                if self.api("GET", "", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise HubError(f"hub at {self.url} not answering after {timeout:.0f} s")

    def users(self, active_only: bool = False) -> list[dict]:
        params = {"state": "active"} if active_only else {}
        r = self.api("GET", "users", params=params)
        _raise_for(r, "list users")
        return r.json()

    def user(self, name: str) -> dict:
        r = self.api("GET", f"users/{quote(name)}")
        _raise_for(r, f"read user {name}")
        return r.json()

    def start_server(self, name: str) -> None:
        if self.api("GET", f"users/{quote(name)}").status_code == 404:
            _raise_for(self.api("POST", f"users/{quote(name)}"), f"create user {name}")
        r = self.api("POST", f"users/{quote(name)}/server")
        if r.status_code not in (201, 202, 400):  # 400: already running
            _raise_for(r, f"start server of {name}")

    def stop_server(self, name: str, timeout: float = 60.0) -> None:
        r = self.api("DELETE", f"users/{quote(name)}/server")
        if r.status_code not in (202, 204, 400):
            _raise_for(r, f"stop server of {name}")
        wait_for(lambda: not self.user(name)["servers"], timeout, f"{name}'s server to stop")

    def wait_ready(self, name: str, timeout: float = 300.0) -> dict:
        """Wait until ``name``'s default server is ready; returns its server model."""

        def ready():
            server = self.user(name)["servers"].get("")
            if server is None:
                raise HubError(f"{name}'s server stopped while starting (spawn failed)")
            return server if server.get("ready") else None

        return wait_for(ready, timeout, f"{name}'s server to be ready")


def wait_for(predicate, timeout: float, what: str, interval: float = 0.5):
    """Call ``predicate`` until it returns something truthy; ``TimeoutError`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _raise_for(r: requests.Response, action: str) -> None:
    if r.status_code >= 400:
        raise HubError(f"{action}: HTTP {r.status_code} {r.text[:300]}")


class _SourceAddressAdapter(requests.adapters.HTTPAdapter):
    def __init__(self, source: str, **kwargs):
        self.source = source
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        return super().init_poolmanager(*args, **kwargs)


def browser_login(
    url: str,
    username: str,
    password: str,
    verify=True,
    timeout=30.0,
    headers: dict | None = None,
    source_address: str | None = None,
):
    """Log in through the login form like a browser; returns ``(session, response)``.

    ``response`` is the answer to the form POST (redirects not followed: 302 means success).
    ``headers``: extra headers on every request; ``source_address``: the local address to
    connect from (e.g. ``127.0.0.2``, another loopback address, to stand for another machine).
    """
    url = url if url.endswith("/") else url + "/"
    s = requests.Session()
    if source_address:
        for prefix in ("http://", "https://"):
            s.mount(prefix, _SourceAddressAdapter(source_address))
    s.headers.update(headers or {})
    # per request too: a session's verify loses to REQUESTS_CA_BUNDLE in the environment
    s.verify = verify
    s.get(f"{url}hub/login", timeout=timeout, verify=verify)
    xsrf = s.cookies.get("_xsrf", path=urlsplit(url).path + "hub/") or s.cookies.get("_xsrf")
    r = s.post(
        f"{url}hub/login",
        data={"username": username, "password": password, "_xsrf": xsrf or ""},
        allow_redirects=False,
        timeout=timeout,
        verify=verify,
    )
    return s, r


def open_user_server(session: requests.Session, url: str, name: str, timeout=60.0):
    """Open ``/user/NAME/`` like a browser; the OAuth hand-off sets the per-user cookie the
    server's API needs. Returns the final response (403 when the session's user lacks access)."""
    url = url if url.endswith("/") else url + "/"
    return session.get(f"{url}user/{quote(name)}/", timeout=timeout)


def api_with_cookies(session: requests.Session, method: str, url: str, **kwargs):
    """Call a hub or user-server API with a browser session (sends the matching XSRF header)."""
    path = urlsplit(url).path
    xsrf = None
    for cookie in session.cookies:
        if cookie.name == "_xsrf" and path.startswith(cookie.path or "/"):
            xsrf = cookie.value  # the most specific path wins: cookies are ordered by path
    headers = kwargs.pop("headers", {})
    if xsrf:
        headers["X-XSRFToken"] = xsrf
    kwargs.setdefault("timeout", 30)
    return session.request(method, url, headers=headers, **kwargs)


def run_code_in_kernel(
    server_url: str, token: str, cells: list[str], timeout: float = 300.0
) -> list[dict]:
    """Start a kernel on a user's server, run ``cells`` in order, shut the kernel down.

    ``server_url``: ``http://host:port/user/NAME/``; ``token`` must have ``access:servers``.
    Returns one ``{"status", "stdout", "error"}`` dict per cell; stops at the first error.
    Raises ``HubError`` when the kernel dies under a cell.
    """
    headers = {"Authorization": f"token {token}"}
    r = requests.post(f"{server_url}api/kernels", headers=headers, json={}, timeout=60)
    _raise_for(r, "start kernel")
    kernel_id = r.json()["id"]
    try:
        results = execute_cells(server_url, token, kernel_id, [(None, c) for c in cells], timeout)
    finally:
        requests.delete(f"{server_url}api/kernels/{kernel_id}", headers=headers, timeout=30)
    if results and results[-1]["status"] == "died":
        # the kernel died mid-cell (the server explains why on stderr, if it can)
        raise HubError(f"the kernel died: {results[-1]['stdout'][-600:].strip()}")
    return results


def execute_cells(
    server_url: str,
    token: str,
    kernel_id: str,
    cells: list[tuple[str | None, str]],
    timeout: float = 300.0,
) -> list[dict]:
    """Run ``cells`` (``(cell_id, source)``) in order on the running kernel ``kernel_id`` of a
    user's server, as JupyterLab sends them (a cell's id in the request's metadata, None for
    none); stops at the first error. One ``{"status", "stdout", "error"}`` dict per cell run;
    ``status`` is ``"died"`` for a cell whose kernel died under it (then the last one).
    Raises ``TimeoutError`` when a cell runs longer than ``timeout`` seconds."""
    return asyncio.run(_execute(server_url, token, kernel_id, cells, timeout))


async def _execute(server_url, token, kernel_id, cells, timeout) -> list[dict]:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    headers = {"Authorization": f"token {token}"}
    ws_url = server_url.replace("http", "ws", 1) + f"api/kernels/{kernel_id}/channels"
    conn = await websocket_connect(HTTPRequest(ws_url, headers=headers, request_timeout=60))
    session, results = uuid.uuid4().hex, []
    try:
        for cell_id, code in cells:
            msg_id = uuid.uuid4().hex
            request = {
                "header": {
                    "msg_id": msg_id,
                    "msg_type": "execute_request",
                    "session": session,
                    "username": "",
                    "version": "5.3",
                    "date": "",
                },
                "parent_header": {},
                "metadata": {"cellId": cell_id} if cell_id else {},
                "channel": "shell",
                "buffers": [],
                "content": {
                    "code": code,
                    "silent": False,
                    "store_history": True,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
            }
            await conn.write_message(json.dumps(request))
            result = {"status": None, "stdout": "", "error": ""}
            results.append(result)
            deadline = time.monotonic() + timeout
            idle = False  # outputs (iopub) may arrive after the reply (shell): wait for both
            while result["status"] is None or not idle:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"cell did not finish within {timeout:.0f} s")
                raw = await asyncio.wait_for(conn.read_message(), remaining)
                if raw is None:
                    raise HubError("kernel connection closed")
                msg = json.loads(raw)
                kind, content = msg["msg_type"], msg["content"]
                if kind == "status" and content.get("execution_state") in ("restarting", "dead"):
                    result["status"] = "died"
                    return results
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if kind == "stream":
                    result["stdout"] += content.get("text", "")
                elif kind == "error":
                    result["error"] = f"{content.get('ename')}: {content.get('evalue')}"
                elif kind == "execute_reply":
                    result["status"] = content["status"]
                elif kind == "status" and content.get("execution_state") == "idle":
                    idle = True
            if result["status"] != "ok":
                break
    finally:
        conn.close()
    return results
