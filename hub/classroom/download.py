"""``my-work``: a hub-managed service that gives a learner a zip of their own notebooks.

The hub's home page links to it (hub/templates/home.html). It sits behind the hub's OAuth: the
learner is whoever the hub says is logged in, and the zip holds that learner's notebooks only
(no request parameter names anyone else). They are read like ``workshop collect`` reads one
learner (``hub.classroom.collect``): from their running server through the contents API (the
saved files), else from their home on this machine. Every user may use it (the hub's ``user``
role is given ``access:services!service=my-work``); the service's own token may reach servers
(``access:servers``) and read who is running.

Run by the hub (``python -m hub.classroom.download``) with ``WORKSHOP_DATA_DIR`` and
``WORKSHOP_PROXY_URL`` (where the servers are reached) in its environment.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import zipfile
from urllib.parse import quote

SERVICE_NAME = "my-work"
#: the scopes of the service's own token (hub_config's role for it)
SERVICE_SCOPES = ["access:servers", "read:users", "read:servers", "list:users"]
#: what the hub's default ``user`` role holds besides ``self``: reaching this service
USER_SCOPE = f"access:services!service={SERVICE_NAME}"


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip of ``files`` (path -> bytes), paths as they are in the home."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(files.items()):
            archive.writestr(path, data)
    return buffer.getvalue()


def own_notebooks(username: str, settings, proxy_url: str, token: str) -> dict[str, bytes]:
    """``username``'s notebooks, from their running server else their home here.
    Raises ``hub.classroom.collect.NotCollected`` saying why there are none."""
    from hub.classroom.collect import NotCollected, from_server, stopped_reader
    from hub.classroom.learner_servers import LearnerServer
    from hub.client import HubClient

    user = HubClient(proxy_url, token).user(username)
    server = (user.get("servers") or {}).get("")
    if server and server.get("ready"):
        files = from_server(
            LearnerServer(username, f"{proxy_url}user/{quote(username)}/", token), None
        )
    else:
        files = stopped_reader(settings)(username, None)
    if not files:
        raise NotCollected("there are no notebooks in your home yet")
    return files


def make_app(settings, proxy_url: str, token: str, prefix: str):
    """The tornado application: ``GET prefix`` answers the logged-in user's zip (404 with a
    sentence when they have no notebooks, 502 when their server fails to answer);
    ``prefix + "oauth_callback"`` completes the hub's OAuth."""
    from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
    from tornado import web

    from hub.classroom.collect import NotCollected

    class DownloadHandler(HubOAuthenticated, web.RequestHandler):
        @web.authenticated
        async def get(self):
            name = self.get_current_user()["name"]
            try:
                files = await asyncio.to_thread(own_notebooks, name, settings, proxy_url, token)
            except (NotCollected, OSError, RuntimeError) as err:
                self.set_status(404 if isinstance(err, NotCollected) else 502)
                self.set_header("Content-Type", "text/plain; charset=utf-8")
                self.finish(f"Your notebooks could not be read: {err}\n")
                return
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
            self.set_header("Content-Type", "application/zip")
            self.set_header(
                "Content-Disposition", f'attachment; filename="{name}-notebooks-{stamp}.zip"'
            )
            self.set_header("Cache-Control", "no-store")
            self.finish(zip_bytes(files))

    return web.Application(
        [(prefix, DownloadHandler), (prefix + "oauth_callback", HubOAuthCallbackHandler)],
        cookie_secret=os.urandom(32),
    )


def main() -> None:
    from urllib.parse import urlsplit

    from tornado.ioloop import IOLoop

    from hub.settings import WorkshopSettings

    settings = WorkshopSettings.load()
    url = urlsplit(os.environ["JUPYTERHUB_SERVICE_URL"])
    app = make_app(
        settings,
        os.environ["WORKSHOP_PROXY_URL"],
        os.environ["JUPYTERHUB_API_TOKEN"],
        os.environ["JUPYTERHUB_SERVICE_PREFIX"],
    )
    app.listen(url.port, url.hostname)
    IOLoop.current().start()


if __name__ == "__main__":
    main()
