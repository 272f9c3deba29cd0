"""A certificate without owning a domain, when the first CA refuses: rehearsed with real ACME
servers on loopback.

Let's Encrypt's weekly limit for the whole of sslip.io (the name a host without a domain gets) was
exhausted repeatedly in 2026 and will not be raised (cunnie/sslip.io issues 104, 108, 110). The
hub's Caddy asks the CAs of ``acme_issuers`` in order. Here two Debian ``pebble`` servers (Let's
Encrypt's test CA) stand in for two CAs: the first behind a small loopback front that answers
every new order with the ACME problem ``urn:ietf:params:acme:error:rateLimited`` (HTTP 429, as
Let's Encrypt does; RFC 8555 section 6.7; pebble itself enforces no limits, its README says so),
the second issuing. Caddy, configured by :func:`hub.caddy.render_caddyfile`, must end with the
second CA's certificate; the chain a client sees verifies against that CA's root only, and the
agent's status names the rate limit with what to do, then the issuer.

Unlike a real host: ``PEBBLE_VA_ALWAYS_VALID=1`` skips the HTTP challenge (nothing on loopback
can answer for a public name), and the client resolves the hub's name to 127.0.0.1 itself.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.client
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest
from cloud_support import free_port

from hub.caddy import caddy_command, render_caddyfile
from hub.cloud.agent import certificate_status
from hub.settings import WorkshopSettings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
HOST = "workshop.test"
PEBBLE = shutil.which("pebble")


def _tls_pair(tmp: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a leaf for 127.0.0.1: the ACME servers' own listeners (pebble needs
    one; Caddy trusts it through ``acme_ca_root``)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "acme listeners test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress

    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = tmp / "ca.pem", tmp / "cert.pem", tmp / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return paths


class Pebble:
    def __init__(self, tmp: Path, name: str, cert: Path, key: Path, ca: Path):
        self.port, self.mgmt = free_port(), free_port()
        config = tmp / f"pebble-{name}.json"
        config.write_text(json.dumps({"pebble": {
            "listenAddress": f"127.0.0.1:{self.port}",
            "managementListenAddress": f"127.0.0.1:{self.mgmt}",
            "certificate": str(cert), "privateKey": str(key),
            "httpPort": free_port(), "tlsPort": free_port(),
            "ocspResponderURL": "", "externalAccountBindingRequired": False}}))  # fmt: skip
        env = dict(os.environ, PEBBLE_VA_ALWAYS_VALID="1", PEBBLE_VA_NOSLEEP="1",
                   PEBBLE_WFE_NONCEREJECT="0")  # fmt: skip
        self.log = open(tmp / f"pebble-{name}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen([PEBBLE, "-config", str(config)], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)  # fmt: skip
        self.context = ssl.create_default_context(cafile=str(ca))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.get(self.port, "/dir")
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(
                f"pebble {name} did not start: {(tmp / f'pebble-{name}.log').read_text()}"
            )

    @property
    def directory(self) -> str:
        return f"https://127.0.0.1:{self.port}/dir"

    def get(self, port: int, path: str) -> bytes:
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=self.context, timeout=10)
        conn.request("GET", path)
        return conn.getresponse().read()

    def root_pem(self) -> bytes:
        return self.get(self.mgmt, "/roots/0")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


class RateLimitedFront:
    """HTTPS on loopback in front of one pebble: every new order (pebble's ``/order-plz``)
    is refused as Let's Encrypt refuses over its limits; everything else passes through with its
    Host header, so pebble's URLs name this front."""

    def __init__(self, backend: Pebble, cert: Path, key: Path):
        self.port, self.refused = free_port(), 0
        front = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _proxy(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                conn = http.client.HTTPSConnection("127.0.0.1", backend.port,
                                                   context=backend.context, timeout=30)  # fmt: skip
                if self.command == "POST" and self.path.startswith("/order-plz"):
                    front.refused += 1
                    conn.request("HEAD", "/nonce-plz", headers={"Host": self.headers["Host"]})
                    nonce = conn.getresponse().getheader("Replay-Nonce")
                    problem = json.dumps({
                        "type": "urn:ietf:params:acme:error:rateLimited",
                        "detail": "too many certificates already issued for \"sslip.io\": "
                                  "see https://letsencrypt.org/docs/rate-limits/",
                        "status": 429}).encode()  # fmt: skip
                    self.send_response(429)
                    self.send_header("Content-Type", "application/problem+json")
                    self.send_header("Replay-Nonce", nonce)
                    self.send_header("Retry-After", "3600")
                    self.send_header("Content-Length", str(len(problem)))
                    self.end_headers()
                    self.wfile.write(problem)
                    return
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("connection", "content-length")}  # fmt: skip
                conn.request(self.command, self.path, body=body, headers=headers)
                got = conn.getresponse()
                data = got.read()
                self.send_response(got.status)
                for k, v in got.getheaders():
                    if k.lower() not in ("connection", "content-length", "transfer-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_HEAD = _proxy

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def directory(self) -> str:
        return f"https://127.0.0.1:{self.port}/dir"

    def stop(self):
        self.server.shutdown()


def _hub_stand_in(port: int) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = b"<html><body><h1>DragoNN Workshop hub</h1></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _served_chain(port: int, cafile: Path) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=str(cafile))
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return context.wrap_socket(sock, server_hostname=HOST)


@pytest.mark.skipif(PEBBLE is None, reason="Debian package pebble is not installed")
def test_a_rate_limited_first_ca_falls_back_to_the_next_and_says_so(tmp_path):
    ca, cert, key = _tls_pair(tmp_path)
    limited_ca = Pebble(tmp_path, "limited", cert, key, ca)
    next_ca = Pebble(tmp_path, "next", cert, key, ca)
    front = RateLimitedFront(limited_ca, cert, key)
    hub_port, https_port = free_port(), free_port()
    hub = _hub_stand_in(hub_port)
    data = tmp_path / "data"
    data.mkdir()
    settings = WorkshopSettings(
        data_dir=str(data), https=HOST, port=hub_port, https_port=https_port,
        http_port=free_port(), acme_email="ops@example.org",
        acme_issuers=[front.directory, next_ca.directory], acme_ca_root=str(ca),
    )  # fmt: skip
    caddyfile = data / "Caddyfile"
    caddyfile.write_text(render_caddyfile(settings))
    env = dict(os.environ, XDG_DATA_HOME=str(data / "caddy"), XDG_CONFIG_HOME=str(data / "caddy"))
    caddy = subprocess.Popen(caddy_command(caddyfile), cwd=data, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    roots = {}
    try:
        roots["limited"] = tmp_path / "limited-root.pem"
        roots["limited"].write_bytes(limited_ca.root_pem())
        roots["next"] = tmp_path / "next-root.pem"
        roots["next"].write_bytes(next_ca.root_pem())
        statuses, deadline, sock = [], time.monotonic() + 120, None
        while time.monotonic() < deadline:
            status = certificate_status(data)
            if status and status not in statuses:
                statuses.append(status)
            try:
                sock = _served_chain(https_port, roots["next"])
                break
            except (ssl.SSLError, OSError):
                time.sleep(1)
        assert sock is not None, (statuses, (data / "caddy" / "caddy.log").read_text()[-3000:])
        # the chain the client sees: issued for the hub's name by the second CA
        leaf = sock.getpeercert()
        sock.close()
        assert ("DNS", HOST) in leaf["subjectAltName"]
        with pytest.raises(ssl.SSLCertVerificationError):
            _served_chain(https_port, roots["limited"])
        assert front.refused >= 1
        # what the instructor reads: the rate limit and what to do, then the issuer
        status = certificate_status(data)
        assert status.startswith(f"certificate issued by {next_ca.directory}"), status
        assert "rate-limited" in status and "too many certificates" in status
        limited = [s for s in statuses if s.startswith("certificate rate-limited")]
        if limited:  # seen while the first CA refused (timing permitting)
            assert "a domain of your own" in limited[0]
        # a real browser: Chromium accepts only chains holding the second CA's intermediate key
        # (the chain a server presents stops below the root; no system trust store touched),
        # resolves the name to loopback, and renders the hub's page over HTTPS
        chromium = shutil.which("chromium")
        if chromium:
            from cryptography import x509
            from cryptography.hazmat.primitives import serialization

            def open_trusting(ca, profile: str) -> subprocess.CompletedProcess:
                """The page in headless Chromium that trusts only ``ca``'s intermediate key."""
                key = x509.load_pem_x509_certificate(ca.get(ca.mgmt, "/intermediates/0"))
                pin = base64.b64encode(hashlib.sha256(key.public_key().public_bytes(
                    serialization.Encoding.DER,
                    serialization.PublicFormat.SubjectPublicKeyInfo)).digest()).decode()  # fmt: skip
                return subprocess.run(
                    [chromium, "--headless", "--no-sandbox", "--disable-gpu",
                     f"--user-data-dir={tmp_path / profile}",
                     f"--host-resolver-rules=MAP {HOST} 127.0.0.1",
                     f"--ignore-certificate-errors-spki-list={pin}",
                     "--dump-dom", f"https://{HOST}:{https_port}/"],
                    capture_output=True, text=True, timeout=90,
                )  # fmt: skip

            page = open_trusting(next_ca, "chromium")
            assert "DragoNN Workshop hub" in page.stdout, page.stderr[-2000:]
            # and the same browser trusting only the rate-limited CA's key refuses the page
            refused = open_trusting(limited_ca, "chromium-other")
            assert "DragoNN Workshop hub" not in refused.stdout
            assert "ERR_CERT_AUTHORITY_INVALID" in refused.stderr
    finally:
        caddy.terminate()
        caddy.wait(10)
        hub.shutdown()
        front.stop()
        limited_ca.stop()
        next_ca.stop()


@pytest.mark.skipif(PEBBLE is None, reason="Debian package pebble is not installed")
def test_when_every_ca_refuses_the_host_is_ready_with_what_to_do(tmp_path):
    """Only the rate-limited CA: the agent's wait for HTTPS (provisioning step 9) publishes
    "certificate rate-limited: ..." while it waits, and ends without failing the host."""
    from hub.cloud.agent import wait_https

    ca, cert, key = _tls_pair(tmp_path)
    limited_ca = Pebble(tmp_path, "limited", cert, key, ca)
    front = RateLimitedFront(limited_ca, cert, key)
    hub_port, https_port = free_port(), free_port()
    hub = _hub_stand_in(hub_port)
    data = tmp_path / "data"
    settings = WorkshopSettings.load(data, environ={})
    for name, value in (("https", HOST), ("port", hub_port), ("https_port", https_port),
                        ("http_port", free_port()), ("acme_email", "ops@example.org"),
                        ("acme_issuers", [front.directory]), ("acme_ca_root", str(ca))):  # fmt: skip
        settings.set_and_save(name, value)
    caddyfile = data / "Caddyfile"
    caddyfile.write_text(render_caddyfile(settings))
    env = dict(os.environ, XDG_DATA_HOME=str(data / "caddy"), XDG_CONFIG_HOME=str(data / "caddy"))
    caddy = subprocess.Popen(caddy_command(caddyfile), cwd=data, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    published = []
    try:
        result = wait_https(data, {"CLOUD_PUBLIC_IP": "203.0.113.10"}, timeout=30,
                            on_status=published.append)  # fmt: skip
    finally:
        caddy.terminate()
        caddy.wait(10)
        hub.shutdown()
        front.stop()
        limited_ca.stop()
    assert front.refused >= 1
    assert result.startswith("certificate rate-limited: ") and f"127.0.0.1:{front.port}" in result
    assert "too many certificates already issued" in result
    assert "a domain of your own" in result and "route53_zone" in result
    assert published and published[0].startswith("certificate rate-limited:")


def test_a_rate_limit_alone_is_a_status_with_what_to_do(tmp_path):
    """Before any CA issued: the status says rate-limited, names the CA and what to do."""
    log = tmp_path / "caddy" / "caddy.log"
    log.parent.mkdir()
    log.write_text(json.dumps({
        "level": "error", "logger": "tls.obtain", "msg": "could not get certificate from issuer",
        "identifier": "203-0-113-10.sslip.io",
        "issuer": "acme-v02.api.letsencrypt.org-directory",
        "error": "HTTP 429 urn:ietf:params:acme:error:rateLimited - too many certificates "
                 "(50) already issued for \"sslip.io\" in the last 168h0m0s"}) + "\n")  # fmt: skip
    status = certificate_status(tmp_path)
    assert status.startswith("certificate rate-limited: acme-v02.api.letsencrypt.org-directory")
    assert "sslip.io" in status and "a domain of your own" in status and "AcmeEmail" in status


def test_a_domain_gets_lets_encrypt_then_zerossl_by_default(tmp_path):
    """The default issuers, as Caddy itself reads the Caddyfile (``caddy adapt``)."""
    if shutil.which("caddy") is None:
        pytest.skip("caddy is not installed")
    settings = WorkshopSettings(data_dir=str(tmp_path), https="203-0-113-10.sslip.io",
                                acme_email="ops@example.org")  # fmt: skip
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(render_caddyfile(settings))
    out = subprocess.run(["caddy", "adapt", "--config", str(caddyfile), "--adapter", "caddyfile"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    policies = json.loads(out.stdout)["apps"]["tls"]["automation"]["policies"]
    issuers = [i["module"] for p in policies for i in p.get("issuers", [])]
    assert issuers == ["acme", "zerossl"]
    acme = policies[0]["issuers"][0]
    assert acme["ca"] == "https://acme-v02.api.letsencrypt.org/directory"
    assert acme["email"] == "ops@example.org"
