"""`workshop up --https internal`: Caddy in front of the real hub, with its local CA."""

from __future__ import annotations

import shutil
import time

import pytest
import requests
from hub_fixtures import ADMIN_PASSWORD, WORKSHOP_PASSWORD, start_hub

from hub.caddy import caddy_root_ca
from hub.client import browser_login
from hub.process import free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_https_with_internal_ca_redirects_http_and_serves_login(tmp_path):
    if shutil.which("caddy") is None:
        pytest.skip("caddy not installed (tests/system_deps.sh installs it)")
    https_port, http_port = free_port(), free_port()
    hub = start_hub(
        tmp_path / "data",
        settings={"https": "internal", "https_port": https_port, "http_port": http_port},
    )
    try:
        root_ca = caddy_root_ca(hub.settings)
        url = f"https://localhost:{https_port}/"
        deadline = time.monotonic() + 60
        while True:  # Caddy issues its certificate shortly after start
            try:
                if (
                    root_ca.exists()
                    and requests.get(url + "hub/login", verify=str(root_ca), timeout=10).status_code
                    == 200
                ):
                    break
            except requests.exceptions.SSLError:
                pass
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, hub.log_tail()
            time.sleep(0.5)
        # plain HTTP is redirected to HTTPS
        r = requests.get(
            f"http://localhost:{http_port}/hub/login", allow_redirects=False, timeout=10
        )
        assert r.status_code in (301, 308)
        assert r.headers["Location"].startswith("https://localhost")
        # without Caddy's CA the certificate is not trusted
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(url, timeout=10)
        # login over HTTPS works and the login cookie is Secure
        session, r = browser_login(url, "doe_jane", WORKSHOP_PASSWORD, verify=str(root_ca))
        assert r.status_code == 302
        login_cookie = next(c for c in session.cookies if c.name == "jupyterhub-hub-login")
        assert login_cookie.secure
        # the hub's own port is on loopback only: the room reaches it through Caddy
        assert hub.settings.local_url.startswith("http://127.0.0.1:")
        # the class board behind Caddy: the OAuth hand-off over HTTPS, relative URLs, 403 for
        # the learner
        ca = str(root_ca)  # per request: a session's verify loses to REQUESTS_CA_BUNDLE
        assert session.get(url + "services/board/", timeout=60, verify=ca).status_code == 403
        admin, r = browser_login(url, "instructor", ADMIN_PASSWORD, verify=str(root_ca))
        page = admin.get(url + "services/board/", timeout=60, verify=ca)
        assert page.status_code == 200 and page.url == url + "services/board/"
        assert 'src="static/board.js"' in page.text
        board_cookie = next(c for c in admin.cookies if c.name == "service-board")
        assert board_cookie.secure and board_cookie.path == "/services/board/"
        rows = admin.get(url + "services/board/api/room", timeout=60, verify=ca).json()["rows"]
        assert "doe_jane" in {row["username"] for row in rows}
    finally:
        hub.stop()
    assert not (hub.data_dir / "workshop.pid").exists()
