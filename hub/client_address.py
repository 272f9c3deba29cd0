"""Which address a login came from: only what the workshop's own proxies saw.

A request reaches the hub through configurable-http-proxy (CHP), which appends the address of
its peer to ``X-Forwarded-For``; with HTTPS, Caddy is in front of CHP and its requests to
``/hub/login`` carry a secret header (``FRONT_HEADER``) that nobody else knows. Everything else
a client sends (``X-Real-IP``, the left part of ``X-Forwarded-For``) is ignored, so rotating
those headers neither buys more password guesses nor gets another address blocked.

The proxy's word is taken only when the TCP peer of the hub is a socket of the hub's own account
(looked up in ``/proc/net/tcp``): a learner's process that talks to the hub port directly, from
their own account or from a container, is keyed by what it is (``uid:1003``, or the container's
address), whatever headers it sends.
"""

from __future__ import annotations

import ipaddress
import os

from hub.isolation.sockets import owner_uid

FRONT_HEADER = "X-Workshop-Front"


def _valid_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip().strip("[]")))
    except ValueError:
        return None


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


def client_address(request, front_secret: str = "") -> str:
    """The login's source as the workshop's proxies saw it (see the module docstring).

    ``request``: Tornado's ``HTTPServerRequest``; ``front_secret``: the value Caddy puts in
    ``FRONT_HEADER`` ('' without HTTPS). Returns an IP address, or ``uid:N`` for a process of
    another account on this machine that bypassed the proxy, or ``unknown``.
    """
    context = getattr(request.connection, "context", None)
    peer = getattr(context, "address", None)
    if not isinstance(peer, tuple) or len(peer) < 2:
        return "unknown"
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
    forwarded = [
        part.strip()
        for value in request.headers.get_list("X-Forwarded-For")
        for part in value.split(",")
        if part.strip()
    ]
    if not forwarded:
        return _valid_ip(peer[0]) or "unknown"
    hops = 1  # CHP appended the address of its peer
    header = request.headers.get(FRONT_HEADER, "")
    if front_secret and header and _same(header, front_secret) and len(forwarded) >= 2:
        hops = 2  # ... which was Caddy, which put the client before it
    return _valid_ip(forwarded[-hops]) or "unknown"


def _same(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())
