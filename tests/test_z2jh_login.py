"""Login limits on the Zero to JupyterHub chart, without a cluster.

The hub pod of the chart runs the workshop's authenticator from the code the chart mounts
(``hub.extraFiles``) and takes a login's address from ``X-Forwarded-For`` only when the peer is
one of the chart's proxy pods, whose addresses it reads from the Kubernetes API. Here:

* the mounted files, taken back out of the rendered chart, import and configure the
  authenticator in a fresh interpreter that has JupyterHub and nothing of this repository (the
  chart's hub image, ``quay.io/jupyterhub/k8s-hub``, has JupyterHub, tornado and traitlets);
* ``hub.client_address.ProxyPods`` against a stand-in for the Kubernetes API (HTTPS on
  loopback, answering the pod list the way the API does): what it asks, what it keeps, and what
  it does when the API is gone;
* the trust rule on real tornado requests from two loopback addresses, one of them "the proxy
  pod": a forged header from any other peer counts against that peer;
* a real JupyterHub configured from the rendered chart's login section (the mounted module
  loaded from a temporary folder): failed logins from one forwarded address lock that address
  and not another.

What the cloud side needs and cannot be run here (the load balancer keeping learners'
addresses) is checked on the rendered Service; the sources are cited there.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from z2jh_render import find, hub_values, render, validate_all

from hub.cloud import z2jh
from hub.settings import WorkshopSettings

REPO_ROOT = Path(__file__).resolve().parents[1]
LIMITS = {"login_failures_per_user": 3, "login_failures_per_ip": 4, "login_lockout_seconds": 120}
PASSWORD, ADMIN_PASSWORD = "k7fm-2qzp-8rtx", "a" * 20 + "-admin-password-x" * 2
SELECTOR = "app=jupyterhub,component in (proxy,autohttps),release=workshop"
#: what the image of the chart's hub pod offers besides the standard library (requests is a
#: dependency of JupyterHub itself; the classroom's hub client, mounted beside, uses it)
HUB_IMAGE_PACKAGES = {"jupyterhub", "tornado", "traitlets", "requests"}


@pytest.fixture(scope="module")
def chart(tmp_path_factory):
    """(settings, values, objects) of a chart with the test's limits and an HTTPS domain (as
    ``workshop cloud up --target eks`` requires: Traefik in front of the proxy)."""
    settings = WorkshopSettings.load(
        tmp_path_factory.mktemp("s"),
        overrides={**LIMITS, "https": "ws.example.org", "acme_email": "t@example.org"},
    )
    values = z2jh.chart_values(settings, roster=["doe_jane"])
    return settings, values, render(values)


def mounted_code(objects: list[dict], dest: Path) -> Path:
    """The login code as the hub pod sees it: each ``hub.extraFiles`` entry of the rendered
    hub Secret written at its mount path, with ``HUB_CODE_DIR`` moved to ``dest``."""
    hub = hub_values(objects)
    secret = find(objects, "Secret", "hub")
    # the chart puts hub.extraFiles' stringData into the Secret's stringData, data into data
    files = {
        **{k: base64.b64decode(v) for k, v in secret.get("data", {}).items()},
        **{k: v.encode() for k, v in secret.get("stringData", {}).items()},
    }
    for key, entry in hub["hub"]["extraFiles"].items():
        if not entry["mountPath"].startswith(z2jh.HUB_CODE_DIR + "/"):
            continue  # the board's
        path = dest / entry["mountPath"].removeprefix(z2jh.HUB_CODE_DIR + "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[key])
    return dest


def chart_login_config(objects: list[dict], code_dir: Path) -> str:
    """Python that configures ``c`` as the chart's jupyterhub_config.py would for login: the
    ``hub.config`` sections, then the ``hub.extraConfig`` snippets (the code dir moved)."""
    hub = hub_values(objects)["hub"]
    sections = {
        k: v for k, v in hub["config"].items() if k in ("JupyterHub", "WorkshopAuthenticator")
    }
    lines = [
        "import json",
        f"for section, cfg in json.loads({json.dumps(sections)!r}).items():",
        "    c[section].update(cfg)",
    ]
    for key, snippet in sorted(hub["extraConfig"].items()):
        if key in ("workshop-login-code", "workshop-passwords"):  # not the classroom's
            lines.append(snippet.replace(z2jh.HUB_CODE_DIR, str(code_dir)))
    return "\n".join(lines) + "\n"


# --- the mounted code stands alone --------------------------------------------------------------
def test_mounted_files_import_only_what_the_hub_image_has(chart, tmp_path):
    code = mounted_code(chart[2], tmp_path / "code")
    mounted = {
        str(p.relative_to(code).with_suffix("")).replace("/", ".").removesuffix(".__init__")
        for p in code.rglob("*.py")
    }
    for path in code.rglob("*.py"):
        # module-level imports: what importing them needs (roster.py's writer imports
        # hub.credentials inside the function that saves a roster, which the hub never calls)
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top == "hub":
                    assert name in mounted, f"{path.name} imports {name}, which is not mounted"
                else:
                    allowed = top in sys.stdlib_module_names or top in HUB_IMAGE_PACKAGES
                    assert allowed, f"{path.name} imports {name}: not in the hub image"


def test_mounted_authenticator_loads_in_a_clean_interpreter(chart, tmp_path):
    """Only the mounted folder and JupyterHub: the chart's snippets put the folder on sys.path,
    JupyterHub's import of ``authenticator_class`` finds it, and the authenticator has the
    settings' limits."""
    settings, _, objects = chart
    code = mounted_code(objects, tmp_path / "code")
    script = (
        "import sys\n"
        "from traitlets.config import Config\n"
        "from traitlets.utils.importstring import import_item\n"
        "c = Config()\n"
        + chart_login_config(objects, code)
        + "cls = import_item(c.JupyterHub.authenticator_class)\n"
        "auth = cls(config=c)\n"
        "ours = {n: m.__file__ for n, m in sys.modules.items() if n.split('.')[0] in "
        "('hub', 'tutorial_utils')}\n"
        "print(json.dumps({'limits': [auth.login_failures_per_user, auth.login_failures_per_ip, "
        "auth.login_lockout_seconds], 'selector': auth.proxy_pod_selector, 'ours': ours}))\n"
    )
    env = {"PATH": os.environ["PATH"], "WORKSHOP_PASSWORD": PASSWORD}
    env["WORKSHOP_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    out = subprocess.run(
        [sys.executable, "-s", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["limits"] == [
        settings.login_failures_per_user,
        settings.login_failures_per_ip,
        settings.login_lockout_seconds,
    ]
    assert result["selector"].startswith("app=jupyterhub,component in (proxy,autohttps)")
    assert "hub.auth" in result["ours"] and "hub.settings" not in result["ours"]
    for name, path in result["ours"].items():
        assert path.startswith(str(code)), f"{name} came from {path}, not the mounted files"


def test_limits_have_no_defaults_of_their_own():
    """The settings decide the limits: an authenticator configured without them says which."""
    from hub.auth import WorkshopAuthenticator

    with pytest.raises(ValueError, match="login_failures_per_ip, login_lockout_seconds"):
        WorkshopAuthenticator(login_failures_per_user=2)
    from traitlets import TraitError

    with pytest.raises(TraitError, match="login_lockout_seconds must be at least 1"):
        WorkshopAuthenticator(**{**LIMITS, "login_lockout_seconds": 0})


# --- a stand-in for the Kubernetes API ---------------------------------------------------------
class KubeAPI:
    """HTTPS on 127.0.0.1 answering ``GET /api/v1/namespaces/NS/pods?labelSelector=...`` with
    the pods set in ``pods`` (the API's PodList shape), for ``SELECTOR`` only; records each
    request's path and Authorization header."""

    def __init__(self, cert: Path, key: Path):
        self.pods: list[dict] = []
        self.requests: list[tuple[str, str]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                api.requests.append((self.path, self.headers.get("Authorization", "")))
                url = urllib.parse.urlsplit(self.path)
                selector = urllib.parse.parse_qs(url.query).get("labelSelector", [""])[0]
                if url.path != "/api/v1/namespaces/workshop/pods":
                    self.send_error(404)
                    return
                items = api.pods if selector == SELECTOR else []
                body = json.dumps({"kind": "PodList", "items": items}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def pod(component: str, ip: str, phase: str = "Running") -> dict:
        labels = {"app": "jupyterhub", "component": component, "release": "workshop"}
        status = {"phase": phase, "podIP": ip, "podIPs": [{"ip": ip}]}
        return {"metadata": {"labels": labels}, "status": status}


@pytest.fixture
def service_account(tmp_path):
    """A service-account folder (token, CA, namespace) whose CA signed the stand-in's cert."""
    folder = tmp_path / "serviceaccount"
    folder.mkdir()
    key, cert = tmp_path / "api.key", folder / "ca.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=kubernetes", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    (folder / "token").write_text("hub-service-account-token")
    (folder / "namespace").write_text("workshop")
    return folder, cert, key


@pytest.fixture
def kube_api(service_account):
    folder, cert, key = service_account
    api = KubeAPI(cert, key)
    yield api, folder
    api.server.shutdown()


def test_proxy_pods_come_from_the_api_with_the_service_account(kube_api, monkeypatch):
    from hub.client_address import ProxyPods

    api, account = kube_api
    monkeypatch.setenv("HELM_RELEASE_NAME", "workshop")
    monkeypatch.delenv("POD_NAMESPACE", raising=False)
    api.pods = [
        KubeAPI.pod("proxy", "10.0.3.7"),
        KubeAPI.pod("autohttps", "10.0.3.9"),
        KubeAPI.pod("proxy", "10.0.3.8", phase="Pending"),  # not serving yet
    ]
    now = [0.0]
    pods = ProxyPods(
        api_url=f"https://127.0.0.1:{api.port}", account_dir=account, clock=lambda: now[0]
    )
    assert asyncio.run(pods.addresses()) == {"10.0.3.7", "10.0.3.9"}
    path, authorization = api.requests[-1]
    assert authorization == "Bearer hub-service-account-token"
    assert path.startswith("/api/v1/namespaces/workshop/pods?")  # the account's namespace
    # cached: the same peer, or any peer within the retry interval, asks nothing
    asyncio.run(pods.addresses("10.0.3.7"))
    asyncio.run(pods.addresses("10.0.9.9"))
    assert len(api.requests) == 1
    # the proxy pod was replaced: an unknown peer after the retry interval looks again
    api.pods = [KubeAPI.pod("proxy", "10.0.4.2")]
    now[0] += 3
    assert asyncio.run(pods.addresses("10.0.4.2")) == {"10.0.4.2"}
    # the API is gone: the last answer stays (and nobody new is trusted)
    api.server.shutdown()
    api.server.server_close()
    now[0] += 60
    assert asyncio.run(pods.addresses("10.0.3.7")) == {"10.0.4.2"}


def test_proxy_pods_refuse_bad_arguments_by_name():
    from hub.client_address import ProxyPods

    with pytest.raises(ValueError, match="selector"):
        ProxyPods(" ")
    with pytest.raises(ValueError, match="ttl"):
        ProxyPods(ttl=-1)
    with pytest.raises(ValueError, match="retry"):
        ProxyPods(retry="2")


# --- the trust rule on real requests ------------------------------------------------------------
@pytest.fixture
def address_echo():
    """A tornado server on 127.0.0.1 that answers each request with ``client_address`` under
    the Kubernetes rule, the proxy pods being ``server.proxies``."""
    from tornado import httpserver, ioloop, netutil, web

    from hub.client_address import client_address

    state = {"proxies": frozenset()}

    class Echo(web.RequestHandler):
        def get(self):
            self.write(client_address(self.request, "", state["proxies"]))

    ready = threading.Event()
    holder = {}

    def serve():
        asyncio.set_event_loop(asyncio.new_event_loop())
        server = httpserver.HTTPServer(web.Application([("/", Echo)]))
        sockets = netutil.bind_sockets(0, "127.0.0.1")
        server.add_sockets(sockets)
        holder.update(loop=ioloop.IOLoop.current(), port=sockets[0].getsockname()[1])
        ready.set()
        holder["loop"].start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    yield state, holder["port"]
    holder["loop"].add_callback(holder["loop"].stop)
    thread.join(10)


def ask(port: int, source: str, forwarded: str | None) -> str:
    """GET / from ``source`` (a loopback address) with that X-Forwarded-For."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    conn.request("GET", "/", headers={"X-Forwarded-For": forwarded} if forwarded else {})
    answer = conn.getresponse().read().decode()
    conn.close()
    return answer


def test_a_forged_header_counts_against_the_pod_that_sent_it(address_echo):
    state, port = address_echo
    state["proxies"] = frozenset({"127.0.0.1"})  # the proxy pod; 127.0.0.2 is a learner's pod
    assert ask(port, "127.0.0.2", "198.51.100.7") == "127.0.0.2"
    assert ask(port, "127.0.0.2", "198.51.100.7, 127.0.0.1") == "127.0.0.2"
    assert ask(port, "127.0.0.1", "203.0.113.5, 198.51.100.7") == "198.51.100.7"
    assert ask(port, "127.0.0.1", None) == "127.0.0.1"
    assert ask(port, "127.0.0.1", "not-an-address") == "unknown"


def test_traefiks_entry_counts_when_chp_says_traefik_sent_it(address_echo):
    """On EKS Traefik (autohttps) is in front of CHP: the entry before Traefik's address is
    what Traefik saw, whatever the client put before it."""
    state, port = address_echo
    state["proxies"] = frozenset({"127.0.0.1", "10.0.3.9"})  # CHP, Traefik
    assert ask(port, "127.0.0.1", "203.0.113.5, 198.51.100.7, 10.0.3.9") == "198.51.100.7"
    # a learner's pod talking to CHP directly cannot claim to be Traefik
    assert ask(port, "127.0.0.1", "203.0.113.5, 10.0.3.9, 10.0.5.5") == "10.0.5.5"
    assert ask(port, "127.0.0.3", "198.51.100.7, 10.0.3.9") == "127.0.0.3"


# --- the load balancer keeps learners' addresses -------------------------------------------------
def terraform_cluster_values() -> dict:
    """``local.cluster_values`` of terraform/aws-eks/apps.tf (what Terraform adds to the chart's
    values), read with python-hcl2."""
    from terraform_policy import load_config

    return load_config(REPO_ROOT / "terraform" / "aws-eks")["locals"]["cluster_values"]


def test_the_public_service_keeps_learners_addresses(chart):
    """The proxy's public Service, as Terraform installs it and ``cloud up`` patches it: an AWS
    Network Load Balancer (instance targets keep the client's address) and
    ``externalTrafficPolicy: Local`` (nodes hand the traffic to their own pod without
    replacing the source address). AWS cannot run here; the sources:

    * Kubernetes, "Create an External Load Balancer", section "Preserving the client source
      IP": https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#preserving-the-client-source-ip
    * Kubernetes, ``kubectl explain service.spec.externalTrafficPolicy`` (quoted in
      https://kubernetes.github.io/ingress-nginx/user-guide/retaining-client-ipaddress/):
      "Cluster" masquerades the client source IP, "Local" does not;
    * AWS, "Edit target group attributes for your Network Load Balancer", "Client IP
      preservation": enabled by default for instance targets, disabled for IP targets over TCP:
      https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation
    * AWS Load Balancer Controller, "Network Load Balancer" (instance and ip target modes; this
      module does not install the controller, so the in-tree ``nlb`` type and instance targets
      are what the cluster gets):
      https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/nlb/
    """
    from z2jh_render import merge

    _, values, _ = chart
    cluster = terraform_cluster_values()
    objects = render(merge(values, cluster))
    service = find(objects, "Service", z2jh.PUBLIC_SERVICE)
    assert service["spec"]["type"] == "LoadBalancer"
    annotations = service["metadata"]["annotations"]
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-type"] == "nlb"
    # the chart's schema has no externalTrafficPolicy: cloud up patches it in
    assert "externalTrafficPolicy" not in service["spec"]
    patched = merge(service, z2jh.KEEP_CLIENT_ADDRESSES)
    assert patched["spec"]["externalTrafficPolicy"] == "Local"
    validate_all([patched])
    assert yaml.safe_dump(patched)  # a plain manifest


# --- a real JupyterHub ---------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chart_hub(chart, kube_api, tmp_path):
    """JupyterHub (with configurable-http-proxy) whose login is the rendered chart's: the
    mounted module from a temporary folder, the chart's config and snippets; the stand-in
    Kubernetes API names 127.0.0.1 as the proxy pod. Yields the hub's own port."""
    proxy = REPO_ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
    if not proxy.exists():
        pytest.skip("configurable-http-proxy not installed: run hub/bootstrap.sh")
    api, account = kube_api
    api.pods = [KubeAPI.pod("proxy", "127.0.0.1")]
    code = mounted_code(chart[2], tmp_path / "code")
    hub_port = free_port()
    config = tmp_path / "jupyterhub_config.py"
    config.write_text(
        "c = get_config()\n"
        + chart_login_config(chart[2], code)
        + f"c.JupyterHub.ip = '127.0.0.1'\nc.JupyterHub.port = {free_port()}\n"
        f"c.JupyterHub.hub_ip = '127.0.0.1'\nc.JupyterHub.hub_port = {hub_port}\n"
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{free_port()}'\n"
        f"c.ConfigurableHTTPProxy.command = [{str(proxy)!r}]\n"
        f"c.JupyterHub.db_url = 'sqlite:///{tmp_path / 'hub.sqlite'}'\n"
        f"c.JupyterHub.cookie_secret_file = {str(tmp_path / 'cookie_secret')!r}\n"
    )
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "WORKSHOP_PASSWORD": PASSWORD,
        "WORKSHOP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "CONFIGPROXY_AUTH_TOKEN": "t" * 32,
        # what Kubernetes gives the hub pod, pointed at the stand-in
        "KUBERNETES_SERVICE_HOST": "127.0.0.1",
        "KUBERNETES_SERVICE_PORT": str(api.port),
        "HELM_RELEASE_NAME": "workshop",
        "POD_NAMESPACE": "workshop",
        "SSL_CERT_FILE": str(account / "ca.crt"),
    }
    log = open(tmp_path / "hub.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-s", "-m", "jupyterhub", "-f", str(config)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", hub_port, timeout=2)
                conn.request("GET", "/hub/login")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the hub did not start:\n" + (tmp_path / "hub.log").read_text()[-4000:])
            time.sleep(0.3)
        yield hub_port, tmp_path / "hub.log"
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def login(port: int, username: str, password: str, forwarded: str, source="127.0.0.1") -> int:
    """POST /hub/login straight to the hub from ``source`` (127.0.0.1: the proxy pod) with that
    X-Forwarded-For; the login form's XSRF token first, as a browser gets it. Returns the HTTP
    status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20, source_address=(source, 0))
    conn.request("GET", "/hub/login", headers={"X-Forwarded-For": forwarded})
    page = conn.getresponse()
    page.read()
    cookies = [v.split(";")[0] for k, v in page.getheaders() if k.lower() == "set-cookie"]
    xsrf = next(c.split("=", 1)[1] for c in cookies if c.startswith("_xsrf="))
    body = urllib.parse.urlencode({"username": username, "password": password, "_xsrf": xsrf})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(cookies),
        "X-Forwarded-For": forwarded,
    }
    conn.request("POST", "/hub/login", body=body, headers=headers)
    status = conn.getresponse()
    status.read()
    conn.close()
    return status.status


def test_a_real_hub_with_the_charts_login_locks_the_forwarded_address(chart_hub, chart):
    port, log = chart_hub
    settings = chart[0]
    room, elsewhere = "198.51.100.7", "203.0.113.20"
    # a learner's pod (127.0.0.2) forging the other address only locks itself out
    for i in range(settings.login_failures_per_ip):
        assert login(port, f"forge_name{'abcdefgh'[i]}", "x" * 9, elsewhere, "127.0.0.2") == 403
    assert login(port, "doe_jane", PASSWORD, elsewhere, "127.0.0.2") == 429
    for i in range(settings.login_failures_per_ip):  # a new name each time: the per-address limit
        assert login(port, f"guess_name{'abcdefgh'[i]}", "wrong-password", room) == 403
    assert login(port, "doe_jane", PASSWORD, room) == 429  # even the right password waits
    assert login(port, "doe_jane", "wrong-password", elsewhere) == 403  # not locked
    assert login(port, "doe_jane", PASSWORD, elsewhere) == 302
    assert "Too many failed logins" not in log.read_text().split(elsewhere)[-1]
