"""Which address a login came from: only what the workshop's own proxies saw.

A request reaches the hub through configurable-http-proxy (CHP), which appends the address of
its peer to ``X-Forwarded-For``; with HTTPS, Caddy is in front of CHP and its requests to
``/hub/login`` carry a secret header (``FRONT_HEADER``) that nobody else knows. Everything else
a client sends (``X-Real-IP``, the left part of ``X-Forwarded-For``) is ignored, so rotating
those headers neither buys more password guesses nor gets another address blocked.

Who counts as the proxy depends on where the hub runs; :func:`client_address` decides both:

* one machine (the local and single-host hubs): the proxy's word is taken only when the TCP
  peer of the hub is a socket of the hub's own account (looked up in ``/proc/net/tcp``): a
  learner's process that talks to the hub port directly, from their own account or from a
  container, is keyed by what it is (``uid:1003``, or the container's address), whatever
  headers it sends;
* Kubernetes (the Zero to JupyterHub chart): learners' pods may reach the hub's port directly
  (the chart's hub NetworkPolicy lets them in), so the proxy's word is taken only when the
  peer's address is the current address of one of the chart's own proxy pods (CHP, and Traefik
  in front of it), read from the Kubernetes API with the hub's service account
  (:class:`ProxyPods`). Traefik's entry counts only because the entry after it is Traefik's own
  address, written by CHP.

Standard library only (and nothing of this repository but ``hub.isolation.sockets``): the chart
mounts this module into the hub pod, whose image has JupyterHub and nothing of ours.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import os
import ssl
import time
import urllib.parse
import urllib.request
from pathlib import Path

from hub.isolation.sockets import owner_uid

FRONT_HEADER = "X-Workshop-Front"
#: where Kubernetes mounts a pod's service-account token, CA and namespace
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
#: the chart's proxy pods: CHP (``component=proxy``) and Traefik (``component=autohttps``)
PROXY_POD_SELECTOR = "app=jupyterhub,component in (proxy,autohttps)"

log = logging.getLogger(__name__)


def _valid_ip(text: str) -> str | None:
    """``text`` as a canonical IP address (an IPv4-mapped IPv6 one as IPv4), else None."""
    try:
        ip = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    return str(getattr(ip, "ipv4_mapped", None) or ip)


def rate_key(address: str) -> str:
    """The bucket a failed login is counted in: the address itself, an IPv6 address's /64
    (one host owns a whole /64, so single IPv6 addresses cost nothing to rotate)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _forwarded(request) -> list[str]:
    return [
        part.strip()
        for value in request.headers.get_list("X-Forwarded-For")
        for part in value.split(",")
        if part.strip()
    ]


def client_address(
    request, front_secret: str = "", proxy_addresses: frozenset[str] | None = None
) -> str:
    """The login's source as the workshop's proxies saw it (see the module docstring).

    ``request``: Tornado's ``HTTPServerRequest``; ``front_secret``: the value Caddy puts in
    ``FRONT_HEADER`` ('' without HTTPS); ``proxy_addresses``: on Kubernetes, the current
    addresses of the chart's proxy pods (:meth:`ProxyPods.addresses`), ``None`` on one machine.
    Returns an IP address, or ``uid:N`` for a process of another account on this machine that
    bypassed the proxy, or ``unknown``.
    """
    context = getattr(request.connection, "context", None)
    peer = getattr(context, "address", None)
    if not isinstance(peer, tuple) or len(peer) < 2:
        return "unknown"
    if proxy_addresses is not None:
        return _through_proxy_pods(request, peer[0], proxy_addresses)
    stream = getattr(request.connection, "stream", None)
    sock = getattr(stream, "socket", None)
    try:
        local = sock.getsockname()[:2] if sock is not None else None
    except OSError:
        local = None
    owner = owner_uid(peer[:2], local) if local else None
    if owner is None:
        return _valid_ip(peer[0]) or "unknown"  # a container or another machine
    if owner != os.geteuid():
        return f"uid:{owner}"  # a local account other than the hub's: not our proxy
    forwarded = _forwarded(request)
    if not forwarded:
        return _valid_ip(peer[0]) or "unknown"
    hops = 1  # CHP appended the address of its peer
    header = request.headers.get(FRONT_HEADER, "")
    if front_secret and header and _same(header, front_secret) and len(forwarded) >= 2:
        hops = 2  # ... which was Caddy, which put the client before it
    return _valid_ip(forwarded[-hops]) or "unknown"


def _through_proxy_pods(request, peer: str, proxy_addresses: frozenset[str]) -> str:
    """Kubernetes: the peer when it is not a proxy pod; else the last entry of
    ``X-Forwarded-For`` that no proxy pod wrote (each proxy appends its own peer, so walking
    from the right past proxy pods' addresses ends at what the first of them saw)."""
    address = _valid_ip(peer)
    if address is None:
        return "unknown"
    for entry in reversed(_forwarded(request)):
        if address not in proxy_addresses:
            break
        address = _valid_ip(entry)
        if address is None:
            return "unknown"
    return address


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class ProxyPods:
    """Current addresses of the chart's proxy pods, from the Kubernetes API, cached briefly.

    ``selector``: label selector of the proxy pods (``release=<HELM_RELEASE_NAME>`` is added
    when the hub pod has that variable, as the chart gives it); ``namespace``: default the hub
    pod's (``POD_NAMESPACE``, else the service account's); ``api_url``: default the in-cluster
    address (``KUBERNETES_SERVICE_HOST`` / ``_PORT``); ``account_dir``: token and CA of the
    hub's service account, whose Role may list pods; ``ttl``: seconds a lookup is kept;
    ``retry``: seconds before an unknown peer may cause another lookup (a proxy pod that was
    replaced has a new address).
    """

    def __init__(
        self,
        selector: str = PROXY_POD_SELECTOR,
        namespace: str | None = None,
        api_url: str | None = None,
        account_dir: str | os.PathLike = SERVICE_ACCOUNT_DIR,
        ttl: float = 30.0,
        retry: float = 2.0,
        clock=time.monotonic,
    ):
        if not isinstance(selector, str) or not selector.strip():
            raise ValueError(f"selector must be a Kubernetes label selector, got {selector!r}")
        for name, value in (("ttl", ttl), ("retry", retry)):
            if not isinstance(value, int | float) or not 0 <= value <= 3600:
                raise ValueError(f"{name} must be between 0 and 3600 seconds, got {value!r}")
        self.account_dir = Path(account_dir)
        release = os.environ.get("HELM_RELEASE_NAME")
        self.selector = f"{selector},release={release}" if release else selector
        self.namespace = namespace or os.environ.get("POD_NAMESPACE") or self._read("namespace")
        if api_url is None:
            host = os.environ.get("KUBERNETES_SERVICE_HOST", "kubernetes.default.svc")
            port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
            api_url = f"https://{'[' + host + ']' if ':' in host else host}:{port}"
        self.api_url = api_url.rstrip("/")
        self.ttl, self.retry, self._clock = float(ttl), float(retry), clock
        self._known: frozenset[str] = frozenset()
        self._fetched = -float("inf")
        self._lock = asyncio.Lock()

    def _read(self, name: str) -> str:
        try:
            return (self.account_dir / name).read_text().strip()
        except OSError:
            return ""

    async def addresses(self, peer: str | None = None) -> frozenset[str]:
        """The proxy pods' addresses; looked up again when the last lookup is older than
        ``ttl``, or than ``retry`` when ``peer`` is not among them. A failed lookup keeps the
        last answer (and trusts nobody when there is none: every login then counts against the
        proxy's own address, which is safe but locks the room out together)."""
        peer = _valid_ip(peer) if peer else None
        async with self._lock:
            age = self._clock() - self._fetched
            stale = age >= self.ttl or (peer is not None and peer not in self._known)
            if stale and age >= min(self.retry, self.ttl):
                try:
                    self._known = await asyncio.to_thread(self.lookup)
                except (OSError, ValueError) as e:
                    log.warning("Cannot list the proxy pods (%s): keeping %s", e, self._known)
                self._fetched = self._clock()
            return self._known

    def lookup(self) -> frozenset[str]:
        """One request to the Kubernetes API: the addresses of the running pods matching the
        selector in the namespace."""
        if not self.namespace:
            raise ValueError("no namespace: set POD_NAMESPACE or mount a service account")
        query = urllib.parse.urlencode({"labelSelector": self.selector})
        url = f"{self.api_url}/api/v1/namespaces/{urllib.parse.quote(self.namespace)}/pods?{query}"
        headers = {"Accept": "application/json"}
        token = self._read("token")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        ca = self.account_dir / "ca.crt"
        context = ssl.create_default_context(cafile=str(ca) if ca.exists() else None)
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers), timeout=5, context=context
        ) as response:
            pods = json.load(response).get("items", [])
        found = set()
        for pod in pods:
            status = pod.get("status") or {}
            if status.get("phase") != "Running":
                continue
            ips = [entry.get("ip") for entry in status.get("podIPs") or []] or [status.get("podIP")]
            found.update(ip for ip in map(_valid_ip, filter(None, ips)) if ip)
        return frozenset(found)
