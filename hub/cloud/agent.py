"""The cloud host's side of ``workshop cloud``: what ``terraform/provision/provision.sh`` and the
host's one-minute timer run (``python -m hub.cloud.agent --name NAME --data-dir DIR <command>``).

Commands:

- ``status TEXT``: publish the host's status (``ready``, ``failed: <step>``, ``provisioning ...``)
  to the SSM parameter ``/<name>/status`` and print it (the console shows it too);
- ``apply-settings FILE``: hub settings from ``WORKSHOP_*`` lines (the user data's settings.env)
  into ``<data-dir>/settings.json``; ``https`` becomes the class's domain, else
  ``<elastic-ip-with-dashes>.sslip.io``;
- ``secrets``: the workshop and admin passwords from SSM SecureStrings ``/<name>/workshop-password``
  and ``/<name>/admin-password``; made here (and stored there) when missing;
- ``sync-roster``: ``roster/roster.csv`` of the class bucket into the data dir;
- ``build-image``: the learners' image, unless present (a baked AMI);
- ``wait-https``: until the hub answers through Caddy with a certificate for its name;
- ``tick``: every minute: learners' activity to ``/<name>/activity``, roster sync, idle stop;
- ``export``: every learner's home as ``<user>.tar.gz`` into the class bucket (or a folder).

``status`` needs only boto3 and the standard library (the bootstrap's small venv runs it before
the hub is installed); the rest import the hub lazily. AWS calls use the instance role through
IMDSv2 and honour ``AWS_ENDPOINT_URL`` (the tests point it at a moto server).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONF_DIR = Path("/etc/dragonn-workshop")
LAST_ERROR = "last-error"
AUTO_WHEN_ZERO = {"mem_limit", "cpu_limit", "concurrent_spawn_limit"}
ROSTER_KEY = "roster/roster.csv"


class AgentError(RuntimeError):
    """A step failed for a reason the instructor should read (kept in the status)."""


def _client(service: str):
    import boto3

    return boto3.client(service)


def parameter_name(name: str, leaf: str) -> str:
    return f"/{name}/{leaf}"


def cloud_env(path: Path = CONF_DIR / "cloud.env") -> dict[str, str]:
    """``CLOUD_*`` values of the user data (empty dict when the file is missing)."""
    return _read_env_file(path) if path.exists() else {}


def _read_env_file(path: Path) -> dict[str, str]:
    out = {}
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"{path}: expected NAME=VALUE, got {raw!r}")
        out[key.strip()] = value.strip()
    return out


# --- status ------------------------------------------------------------------------------------
def publish_status(name: str, text: str) -> None:
    """Write ``text`` to ``/<name>/status`` (SSM String; at most 4 KB, the standard tier)."""
    print(f"dragonn-workshop: status={text}", flush=True)
    _client("ssm").put_parameter(
        Name=parameter_name(name, "status"), Value=text[:4000], Type="String", Overwrite=True
    )


# --- settings ------------------------------------------------------------------------------------
def https_host(env: dict[str, str]) -> str:
    """The hub's name: the class's domain, else ``<ip-with-dashes>.sslip.io`` (sslip.io answers
    every such name with the address written in it, so no DNS record is needed)."""
    if env.get("CLOUD_HTTPS_DOMAIN"):
        return env["CLOUD_HTTPS_DOMAIN"]
    ip = env.get("CLOUD_PUBLIC_IP", "")
    try:
        socket.inet_aton(ip)
    except OSError:
        raise AgentError(
            f"neither CLOUD_HTTPS_DOMAIN nor a public IPv4 (CLOUD_PUBLIC_IP={ip!r})"
        ) from None
    return ip.replace(".", "-") + ".sslip.io"


def apply_settings(data_dir: Path, settings_env: Path, env: dict[str, str]) -> dict:
    """Store the ``WORKSHOP_*`` lines of ``settings_env`` in ``<data_dir>/settings.json``.

    Empty values, and 0 for the host-dependent limits, keep the hub's own default (computed from
    this machine's cores and memory). Returns the settings that were set.
    """
    from hub.settings import ENV_PREFIX, WorkshopSettings

    lines = _read_env_file(settings_env)
    wanted: dict[str, str] = {}
    for key, value in lines.items():
        if not key.startswith(ENV_PREFIX):
            raise ValueError(f"{settings_env}: {key} is not a WORKSHOP_* setting")
        name = key[len(ENV_PREFIX) :].lower()
        if value == "" or (name in AUTO_WHEN_ZERO and float(value or 0) == 0):
            continue
        wanted[name] = value
    wanted.setdefault("https", https_host(env))
    settings = WorkshopSettings.load(data_dir, environ={})
    for name, value in wanted.items():
        settings.set_and_save(name, value)
    return wanted


# --- secrets --------------------------------------------------------------------------------------
def sync_secrets(name: str, data_dir: Path) -> str:
    """Make the hub's passwords equal to the SSM SecureStrings, creating those from the hub's
    (generated) ones when missing. Returns what happened, without any password."""
    from botocore.exceptions import ClientError

    from hub.credentials import load_or_create, store_passwords

    ssm = _client("ssm")
    names = {
        "workshop_password": parameter_name(name, "workshop-password"),
        "admin_password": parameter_name(name, "admin-password"),
    }
    found = {}
    for key, param in names.items():
        try:
            found[key] = ssm.get_parameter(Name=param, WithDecryption=True)["Parameter"]["Value"]
        except ClientError as err:
            if err.response["Error"]["Code"] != "ParameterNotFound":
                raise
    creds = load_or_create(data_dir, environ={})
    created = []
    for key, param in names.items():
        if key in found:
            continue
        try:
            ssm.put_parameter(
                Name=param,
                Value=getattr(creds, key),
                Type="SecureString",
                Overwrite=False,
                Description="DragoNN Workshop password (made on the host)",
            )
            created.append(param)
        except ClientError as err:  # made meanwhile by another boot: theirs wins
            if err.response["Error"]["Code"] != "ParameterAlreadyExists":
                raise
            found[key] = ssm.get_parameter(Name=param, WithDecryption=True)["Parameter"]["Value"]
    if found:
        store_passwords(
            data_dir,
            workshop_password=found.get("workshop_password"),
            admin_password=found.get("admin_password"),
        )
    return (
        f"created {', '.join(created)}" if created else "passwords taken from SSM Parameter Store"
    )


# --- roster ---------------------------------------------------------------------------------------
def sync_roster(bucket: str, data_dir: Path) -> bool:
    """Copy ``roster/roster.csv`` of ``bucket`` into the data dir when it differs; True if it
    changed. A missing object leaves the current roster alone. Raises AgentError on a roster the
    hub could not read."""
    from botocore.exceptions import ClientError

    from hub.roster import ROSTER_FILENAME, Roster

    if not bucket:
        return False
    try:
        body = _client("s3").get_object(Bucket=bucket, Key=ROSTER_KEY)["Body"].read()
    except ClientError as err:
        if err.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return False
        raise
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / ROSTER_FILENAME).write_bytes(body)
        try:
            entries = Roster.load(tmp).entries
        except (KeyError, ValueError, UnicodeDecodeError) as err:
            raise AgentError(f"s3://{bucket}/{ROSTER_KEY} is not a roster.csv: {err}") from None
    current = Roster.load(data_dir).entries if (Path(data_dir) / ROSTER_FILENAME).exists() else None
    if current is not None and sorted(current, key=str) == sorted(entries, key=str):
        return False
    Roster(entries).save(data_dir)
    return True


# --- image ----------------------------------------------------------------------------------------
def build_image(data_dir: Path, context: Path, base_image: str = "") -> str:
    """Build the learners' image from ``context`` unless it exists; returns what was done."""
    import docker.errors

    from hub.image import build_image as build
    from hub.settings import WorkshopSettings
    from hub.spawners.docker import docker_client, nvidia_gpu_ids

    settings = WorkshopSettings.load(data_dir, environ={}) if data_dir.exists() else None
    image = settings.image if settings else "dragonn-workshop:latest"
    client = docker_client(timeout=3600)
    try:
        client.images.get(image)
        return f"{image} present"
    except docker.errors.ImageNotFound:
        pass
    variant = "gpu" if nvidia_gpu_ids() else "cpu"
    start = time.monotonic()
    lines = 0

    def log(line: str) -> None:
        nonlocal lines
        lines += 1
        if line.startswith("Step "):
            print(f"  image: {line}", flush=True)

    build(image, context=context, base_image=base_image or None, tf_variant=variant,
          client=client, log=log)  # fmt: skip
    return f"built {image} ({variant}) in {time.monotonic() - start:.0f} s"


# --- HTTPS ----------------------------------------------------------------------------------------
RATE_LIMITED_ADVICE = (
    "Caddy tries the next certificate authority and keeps retrying; the hub works once one "
    "issues. To get a certificate now: a domain of your own (`workshop settings set https "
    "<name>` with `--set route53_zone=<zone>`, or the stack's HttpsDomain), or set acme_email "
    "(the stack's AcmeEmail) so ZeroSSL, the fallback, can issue"
)


#: in the conf dir: the certificate's rate limit, for provision.sh's final status
HTTPS_NOTE = "https-note"


def certificate_status(data_dir: Path) -> str | None:
    """What Caddy's log (``<data-dir>/caddy/caddy.log``, JSON lines) says about the hub's
    certificate: ``"certificate rate-limited: ..."`` with what to do while a CA refuses the
    order as rate-limited (ACME ``urn:ietf:params:acme:error:rateLimited``, RFC 8555 6.7), then
    ``"certificate issued by <issuer>"`` once one issued; ``None`` before either."""
    path = Path(data_dir) / "caddy" / "caddy.log"
    if not path.exists():
        return None
    limited, issued, last_ca = None, None, None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except (json.JSONDecodeError, ValueError):
            continue
        if not isinstance(entry, dict):
            continue
        last_ca = entry.get("ca") or last_ca  # the ACME client names the CA it talks to
        error = str(entry.get("error", ""))
        if "rateLimited" in error:
            issuer = entry.get("issuer") or entry.get("ca") or last_ca or "a certificate authority"
            detail = error.split("rateLimited", 1)[-1].strip(" -:")[:200]
            limited = f"{issuer} refused the order as rate-limited ({detail})"
        elif entry.get("msg") == "certificate obtained successfully":
            issued = last_ca or "a certificate authority"
    if issued:
        note = f"; first {limited}" if limited else ""
        return f"certificate issued by {issued}{note}"
    if limited:
        return f"certificate rate-limited: {limited}. {RATE_LIMITED_ADVICE}"
    return None


def wait_https(data_dir: Path, env: dict[str, str], timeout: float = 900.0,
               on_status=None) -> str:  # fmt: skip
    """Poll ``https://<host>/hub/health`` on this machine (curl, certificate checked for the
    hub's name) until it answers 200. On timeout, says whether DNS points at the Elastic IP."""
    from hub.caddy import caddy_root_ca
    from hub.settings import WorkshopSettings

    settings = WorkshopSettings.load(data_dir, environ={})
    host, port = settings.public_host, settings.https_port
    url = f"https://{host}:{port}/hub/health"
    deadline = time.monotonic() + timeout
    last, reported = "", None
    while time.monotonic() < deadline:
        cmd = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10",
               "--resolve", f"{host}:{port}:127.0.0.1", url]  # fmt: skip
        if settings.https == "internal":
            root = caddy_root_ca(settings)
            if not root.exists():
                time.sleep(2)
                continue
            cmd[1:1] = ["--cacert", str(root)]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.stdout.strip() == "200":
            cert = certificate_status(data_dir)
            return f"{url} answers with a trusted certificate" + (f" ({cert})" if cert else "")
        last = (out.stderr.strip() or f"HTTP {out.stdout.strip()}")[-300:]
        cert = certificate_status(data_dir)
        if on_status and cert and cert != reported:
            on_status(cert)
            reported = cert
        time.sleep(5)
    cert = certificate_status(data_dir)
    if cert and cert.startswith("certificate rate-limited"):
        # never a failed host for a CA's limit: the hub is up, Caddy keeps retrying
        return cert
    reason = f"no trusted answer from {url} after {timeout:.0f} s ({last})"
    ip = env.get("CLOUD_PUBLIC_IP", "")
    if settings.https != "internal" and ip:
        try:
            resolved = sorted({a[4][0] for a in socket.getaddrinfo(host, 443, socket.AF_INET)})
        except OSError:
            resolved = []
        if ip not in resolved:
            reason = (
                f"{host} resolves to {', '.join(resolved) or 'nothing'}, not the Elastic IP {ip}: "
                f"point its A record at {ip} (Caddy keeps retrying the certificate)"
            )
    raise AgentError(reason)


# --- activity and idle stop -------------------------------------------------------------------
def activity(data_dir: Path) -> dict:
    """Learners' servers from the hub API: ``{"servers", "users", "last_activity", "checked"}``."""
    from hub.client import HubClient
    from hub.credentials import load_or_create
    from hub.settings import WorkshopSettings

    settings = WorkshopSettings.load(data_dir, environ={})
    client = HubClient(settings.local_url, load_or_create(data_dir, environ={}).api_token)
    users = client.users()
    running = [u["name"] for u in users if u.get("servers")]
    stamps = [u["last_activity"] for u in users if u.get("last_activity")]
    return {
        "servers": len(running),
        "users": sorted(running),
        "last_activity": max(stamps) if stamps else None,
        "checked": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def idle_minutes(report: dict, since_boot_s: float, now: dt.datetime | None = None) -> float:
    """Minutes since anyone was last active (or since boot, when nobody has been), 0 while a
    learner's server runs."""
    if report["servers"]:
        return 0.0
    now = now or dt.datetime.now(dt.UTC)
    idle_s = since_boot_s
    if report["last_activity"]:
        last = dt.datetime.fromisoformat(report["last_activity"].replace("Z", "+00:00"))
        idle_s = min(idle_s, (now - last).total_seconds())
    return max(0.0, idle_s / 60)


def _uptime_s() -> float:
    with open("/proc/uptime") as fh:
        return float(fh.read().split()[0])


#: the type of ``/<name>/activity``, as Terraform (``aws_ssm_parameter.activity``) and
#: CloudFormation (``ActivityParameter``) create it. One type: Parameter Store refuses to change
#: a parameter's type (PutParameter: HierarchyTypeMismatchException), and CloudFormation cannot
#: create a SecureString, so it is a String (learners' usernames and counts, readable only
#: inside the account)
ACTIVITY_TYPE = "String"


def publish_activity(name: str, report: dict) -> None:
    _client("ssm").put_parameter(
        Name=parameter_name(name, "activity"),
        Value=json.dumps(report),
        Type=ACTIVITY_TYPE,
        Overwrite=True,
    )


def tick(name: str, data_dir: Path, env: dict[str, str], idle_stop_minutes: int) -> dict:
    """One minute of housekeeping: roster sync, activity report, idle stop. An AWS API that does
    not answer costs this minute's report and sync, never the idle stop; a hub that does not
    answer stops nothing (a broken hub is the instructor's to see, not a reason to stop)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        sync_roster(env.get("CLOUD_BUCKET", ""), data_dir)
    except (AgentError, BotoCoreError, ClientError) as err:
        print(f"roster not synced: {err}", file=sys.stderr)
    try:
        report = activity(data_dir)
    except Exception as err:  # hub down or starting
        print(f"hub does not answer: {err}", file=sys.stderr)
        return {"error": str(err)[:300]}
    try:
        publish_activity(name, report)
    except (BotoCoreError, ClientError) as err:
        print(f"activity not published: {err}", file=sys.stderr)
    idle = idle_minutes(report, _uptime_s())
    if idle_stop_minutes and idle >= idle_stop_minutes:
        try:
            publish_status(name, f"stopped: idle for {idle:.0f} min")
        except (BotoCoreError, ClientError) as err:
            print(f"status not published: {err}", file=sys.stderr)
        # the instance's shutdown behaviour is "stop": disks and address stay, billing stops
        subprocess.run(["systemctl", "poweroff"], check=False)
    return report


# --- export ---------------------------------------------------------------------------------------
def home_volumes(data_dir: Path, client=None) -> dict[str, str]:
    """``{username: volume}`` of every learner home on this host (the hub's users and the
    roster, mapped to DockerSpawner's volume names; unknown volumes keep their own name)."""
    from hub.roster import Roster
    from hub.settings import WorkshopSettings
    from hub.spawners.docker import docker_client, volume_name

    settings = WorkshopSettings.load(data_dir, environ={})
    client = client or docker_client()
    names = set(Roster.load(data_dir).usernames) | set(settings.admin_users)
    try:
        names |= {u["name"] for u in activity_users(data_dir)}
    except Exception:  # hub not running: the roster is enough
        pass
    by_volume = {volume_name(settings.volume_prefix, n): n for n in names}
    prefix = settings.volume_prefix + "-"
    found = {}
    for volume in client.volumes.list():
        if volume.name.startswith(prefix):
            found[by_volume.get(volume.name, volume.name[len(prefix) :])] = volume.name
    return found


def activity_users(data_dir: Path) -> list[dict]:
    from hub.client import HubClient
    from hub.credentials import load_or_create
    from hub.settings import WorkshopSettings

    settings = WorkshopSettings.load(data_dir, environ={})
    return HubClient(settings.local_url, load_or_create(data_dir, environ={}).api_token).users()


def archive_volume(client, volume: str, image: str) -> bytes:
    """A ``.tar.gz`` of ``volume``'s files (read through a stopped container of ``image``)."""
    from hub.spawners.docker import HOME

    container = client.containers.create(
        image, command=["true"], volumes={volume: {"bind": HOME, "mode": "ro"}}, entrypoint=[]
    )
    try:
        stream, _ = container.get_archive(HOME + "/.")
        raw = b"".join(stream)
    finally:
        container.remove(force=True)
    return gzip.compress(raw, mtime=0)


def export_homes(data_dir: Path, bucket: str = "", prefix: str = "", dest: str = "") -> list[str]:
    """Archive every learner's home: to ``s3://bucket/prefix<user>.tar.gz``, or to the folder
    ``dest``. Returns the usernames exported."""
    from hub.settings import WorkshopSettings
    from hub.spawners.docker import docker_client

    settings = WorkshopSettings.load(data_dir, environ={})
    client = docker_client(timeout=600)
    done = []
    for user, volume in sorted(home_volumes(data_dir, client).items()):
        data = archive_volume(client, volume, settings.image)
        if dest:
            Path(dest).mkdir(parents=True, exist_ok=True)
            (Path(dest) / f"{user}.tar.gz").write_bytes(data)
        else:
            _client("s3").upload_fileobj(io.BytesIO(data), bucket, f"{prefix}{user}.tar.gz")
        print(f"exported {user} ({len(data) / 1e6:.1f} MB)", flush=True)
        done.append(user)
    return done


# --- command line -----------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hub.cloud.agent", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--name", default=os.environ.get("CLOUD_NAME", "dragonn-workshop"))
    parser.add_argument("--data-dir", default="/srv/dragonn-workshop/hub")
    parser.add_argument("--conf-dir", default=str(CONF_DIR))
    sub = parser.add_subparsers(dest="cmd", required=True)
    st = sub.add_parser("status")
    st.add_argument("text")
    aps = sub.add_parser("apply-settings")
    aps.add_argument("file")
    sub.add_parser("secrets")
    sub.add_parser("sync-roster")
    bi = sub.add_parser("build-image")
    bi.add_argument("--context", required=True)
    bi.add_argument("--base-image", default="")
    wh = sub.add_parser("wait-https")
    wh.add_argument("--timeout", type=float, default=900.0)
    tk = sub.add_parser("tick")
    tk.add_argument("--idle-stop-minutes", type=int, default=0)
    ex = sub.add_parser("export")
    ex.add_argument("--bucket", default="")
    ex.add_argument("--prefix", default="")
    ex.add_argument("--dest", default="")
    args = parser.parse_args(argv)

    conf = Path(args.conf_dir)
    env = cloud_env(conf / "cloud.env")
    data = Path(args.data_dir)
    try:
        if args.cmd == "status":
            publish_status(args.name, args.text)
            return 0
        (conf / LAST_ERROR).unlink(missing_ok=True) if conf.is_dir() else None
        if args.cmd == "apply-settings":
            print(f"settings: {apply_settings(data, Path(args.file), env)}")
        elif args.cmd == "secrets":
            print(f"secrets: {sync_secrets(args.name, data)}")
        elif args.cmd == "sync-roster":
            changed = sync_roster(env.get("CLOUD_BUCKET", ""), data)
            print("roster: " + ("updated" if changed else "unchanged"))
        elif args.cmd == "build-image":
            print(f"image: {build_image(data, Path(args.context), args.base_image)}")
        elif args.cmd == "wait-https":

            def progress(text: str) -> None:
                publish_status(args.name, f"provisioning 9/10: {text}")

            result = wait_https(data, env, args.timeout, on_status=progress)
            print(f"https: {result}")
            if result.startswith("certificate rate-limited"):
                # provision.sh ends with "ready (<this>)": the instructor sees what to do
                (conf / HTTPS_NOTE).write_text(result + "\n", encoding="utf-8")
        elif args.cmd == "tick":
            print(json.dumps(tick(args.name, data, env, args.idle_stop_minutes)))
        elif args.cmd == "export":
            if not (args.dest or args.bucket):
                raise ValueError("export needs --bucket (with --prefix) or --dest")
            users = export_homes(data, args.bucket, args.prefix, args.dest)
            print(f"export: {len(users)} homes")
        return 0
    except (AgentError, ValueError) as err:
        message = str(err).splitlines()[0][:300]
        print(f"dragonn-workshop agent: {message}", file=sys.stderr)
        if conf.is_dir() and os.access(conf, os.W_OK):
            (conf / LAST_ERROR).write_text(message + "\n", encoding="utf-8")
        return 1


if __name__ == "__main__":
    sys.exit(main())
