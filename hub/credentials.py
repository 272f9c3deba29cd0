"""Hub secrets: generated on first start, kept in ``<data-dir>/secrets.json`` with mode 0600.

Holds the workshop password (attendees), the admin password (instructors), the cookie secret,
the proxy's auth token and the API token of the ``workshop`` CLI. ``WORKSHOP_PASSWORD`` and
``WORKSHOP_ADMIN_PASSWORD`` in the environment override the stored passwords (and are never
written to disk). Nothing here is ever logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

SECRETS_FILENAME = "secrets.json"
USER_PASSWORD_MIN = 8  # SharedPasswordAuthenticator's own minimums
ADMIN_PASSWORD_MIN = 32
PASSWORD_MAX = 1024  # what the login form accepts (hub.auth.MAX_PASSWORD_INPUT)
# no 0/o, 1/l/i: the password is read aloud or copied from a projector
_FRIENDLY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class Credentials:
    workshop_password: str
    admin_password: str
    cookie_secret: str  # hex
    proxy_token: str
    api_token: str  # the CLI's token for the hub REST API


def friendly_password(groups: int = 3, group_len: int = 4) -> str:
    """A random password easy to read aloud, e.g. ``k7fm-2qzp-8rtx`` (~59 bits by default)."""
    return "-".join(
        "".join(secrets.choice(_FRIENDLY_ALPHABET) for _ in range(group_len)) for _ in range(groups)
    )


def check_typeable(what: str, password: str) -> None:
    """Raise ``ValueError`` naming ``what`` if ``password`` cannot be typed into a login form
    as it is: control characters (a line break, a tab: a password field is one line and Tab
    leaves it), invisible formatting characters (zero-width spaces, direction marks), spaces at
    either end (lost when copied from a handout), or more than PASSWORD_MAX characters.
    Accents are fine: the hub compares Unicode NFC forms (hub.auth.passwords_match)."""
    if len(password) > PASSWORD_MAX:
        raise ValueError(f"{what} must have at most {PASSWORD_MAX} characters, got {len(password)}")
    for ch in password:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
            raise ValueError(
                f"{what} cannot be typed as it is: it contains the invisible or control "
                f"character U+{ord(ch):04X} ({unicodedata.name(ch, category)}); learners type "
                "the password into a one-line field: choose one of visible characters"
            )
    if password != password.strip():
        raise ValueError(
            f"{what} starts or ends with a space, which is lost when the password is copied "
            "from a handout or a slide: remove it"
        )


def _check_passwords(
    user: str, admin: str, user_source: str = "stored", admin_source: str = "stored"
) -> None:
    check_typeable(f"the workshop password ({user_source})", user)
    check_typeable(f"the admin password ({admin_source})", admin)
    if len(user) < USER_PASSWORD_MIN:
        raise ValueError(
            f"workshop password must be at least {USER_PASSWORD_MIN} characters, got {len(user)}"
        )
    if len(admin) < ADMIN_PASSWORD_MIN:
        raise ValueError(
            f"admin password must be at least {ADMIN_PASSWORD_MIN} characters, got {len(admin)}"
        )
    if user == admin:
        raise ValueError("workshop password and admin password must differ")


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (mode 0700) if missing; tighten it if others can read it."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            pass
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def derived_secret(credentials: Credentials, purpose: str) -> str:
    """A secret for ``purpose`` derived from the cookie secret (HMAC-SHA256, hex): nothing new
    to store, and different for every purpose."""
    key = bytes.fromhex(credentials.cookie_secret)
    return hmac.new(key, purpose.encode(), hashlib.sha256).hexdigest()


def password_fingerprint(credentials: Credentials, which: str = "workshop") -> str:
    """Keyed hash of the ``which`` (``"workshop"`` or ``"admin"``) password a hub runs with
    (recorded in its pid file), so the CLI can tell whether the password it would print is the
    one the hub checks."""
    key = bytes.fromhex(credentials.cookie_secret)
    value = credentials.admin_password if which == "admin" else credentials.workshop_password
    password = unicodedata.normalize("NFC", value).encode()
    label = b"workshop-password\0" if which != "admin" else b"admin-password\0"
    return hmac.new(key, label + password, hashlib.sha256).hexdigest()[:32]


def secrets_path(data_dir: str | os.PathLike) -> Path:
    return Path(data_dir) / SECRETS_FILENAME


def load_or_create(data_dir: str | os.PathLike, environ: dict | None = None) -> Credentials:
    """The hub's credentials, generating and storing any that are missing.

    Raises ``ValueError`` if a password from the environment is too short.
    """
    environ = os.environ if environ is None else environ
    data_dir = ensure_private_dir(Path(data_dir))
    path = secrets_path(data_dir)
    stored: dict = {}
    if path.exists():
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)  # someone copied it with a loose umask: re-lock before reading
        stored = json.loads(path.read_text(encoding="utf-8"))
    generated = {
        "workshop_password": stored.get("workshop_password") or friendly_password(),
        "admin_password": stored.get("admin_password") or secrets.token_urlsafe(36),
        "cookie_secret": stored.get("cookie_secret") or secrets.token_hex(32),
        "proxy_token": stored.get("proxy_token") or secrets.token_hex(32),
        "api_token": stored.get("api_token") or secrets.token_hex(32),
    }
    if generated != stored:
        _write_private(path, json.dumps(generated, indent=2) + "\n")
    creds = dict(generated)
    if environ.get("WORKSHOP_PASSWORD"):
        creds["workshop_password"] = environ["WORKSHOP_PASSWORD"]
    if environ.get("WORKSHOP_ADMIN_PASSWORD"):
        creds["admin_password"] = environ["WORKSHOP_ADMIN_PASSWORD"]
    _check_passwords(
        creds["workshop_password"],
        creds["admin_password"],
        "WORKSHOP_PASSWORD" if environ.get("WORKSHOP_PASSWORD") else f"stored in {path}",
        "WORKSHOP_ADMIN_PASSWORD"
        if environ.get("WORKSHOP_ADMIN_PASSWORD")
        else f"stored in {path}",
    )
    return Credentials(**creds)


def store_passwords(
    data_dir: str | os.PathLike,
    workshop_password: str | None = None,
    admin_password: str | None = None,
) -> Credentials:
    """Replace the stored workshop and/or admin password (validated first)."""
    current = load_or_create(data_dir, environ={})
    new = asdict(current)
    if workshop_password is not None:
        new["workshop_password"] = workshop_password
    if admin_password is not None:
        new["admin_password"] = admin_password
    _check_passwords(new["workshop_password"], new["admin_password"])
    _write_private(secrets_path(data_dir), json.dumps(new, indent=2) + "\n")
    return Credentials(**new)


def _write_private(path: Path, text: str) -> None:
    # create with 0600 from the start: no window in which the file is world-readable
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def is_private(path: str | os.PathLike) -> bool:
    """True if neither group nor others have any permission on ``path``."""
    return not (Path(path).stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
