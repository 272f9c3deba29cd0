"""Every hub setting in one configurable object: the one place that decides each value.

``WorkshopSettings`` is loaded from defaults < ``<data-dir>/settings.json`` < ``WORKSHOP_<NAME>``
environment variables < command-line overrides. Its renderings read it and live with their
concern: the JupyterHub configuration (``hub/hub_config.py``), the Zero to JupyterHub chart
values (``hub/cloud/z2jh.py``) and the Terraform variables (``hub/cloud/terraform.py``), so the
local hub, the cloud host and the Kubernetes chart cannot drift apart. This module imports none
of them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

from traitlets import Bool, Enum, Float, Int, List, TraitError, Unicode, default, validate
from traitlets.config import Configurable

from tutorial_utils._validation import check_choice, check_float, check_int

SETTINGS_FILENAME = "settings.json"
TUTORIAL_NOTEBOOK = "workshop_tutorial.ipynb"
ENV_PREFIX = "WORKSHOP_"
#: the most threads the Docker spawner calls the engine from: the Docker SDK's client keeps 10
#: connections per host (docker.constants.DEFAULT_MAX_POOL_SIZE); more threads would wait
MAX_DOCKER_API_THREADS = 10

_MEM_RE = re.compile(r"^(\d+(?:\.\d+)?)([KMGT]?)$")
_MEM_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
_IMAGE_RE = re.compile(r"^[a-z0-9][a-z0-9._/:@-]*$")


def host_memory_bytes() -> int:
    """Physical memory of this machine in bytes."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def host_cpu_count() -> int:
    """CPU cores usable by this process."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def parse_memory(name: str, value: str) -> int:
    """``"4G"`` -> bytes (binary units K, M, G, T; no suffix means bytes)."""
    match = _MEM_RE.match(str(value).strip().upper().removesuffix("B").removesuffix("I"))
    if not match:
        raise ValueError(f"{name} must look like '512M', '4G' or '1.5G', got {value!r}")
    return int(float(match.group(1)) * _MEM_UNITS[match.group(2)])


def gpu_present() -> bool:
    """Whether ``nvidia-smi`` exists and lists at least one GPU."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return False
    try:
        out = subprocess.run([exe, "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


#: the class size without a roster (and without the setting)
DEFAULT_CLASS_SIZE = 30


class WorkshopSettings(Configurable):
    """All settings of the workshop hub (see ``help=`` of each; ``workshop settings show``)."""

    # --- where and how the hub listens --------------------------------------------------------
    data_dir = Unicode(
        ".workshop",
        help="Directory for the hub's state: settings.json, roster.csv, secrets.json (0600), "
        "the SQLite database, per-user homes (local spawner) and logs.",
    ).tag(config=True)
    ip = Unicode(
        help="Address the public proxy binds to ('0.0.0.0': every interface, so attendees on "
        "the room's network can reach it; '127.0.0.1': this machine only). Default '0.0.0.0', "
        "but '127.0.0.1' for the local spawner when the hub runs as an ordinary user (then "
        "every learner's server runs as that user and could read the others' files).",
    ).tag(config=True)
    port = Int(8000, help="Public HTTP port of the hub (the proxy).").tag(config=True)
    hub_port = Int(8081, help="Port of the hub's internal API (bound to 127.0.0.1).").tag(
        config=True
    )
    proxy_api_port = Int(8001, help="Port of the proxy's REST API (bound to 127.0.0.1).").tag(
        config=True
    )
    public_host = Unicode(
        help="Host name or address attendees type in the browser (the handout URL). Default: "
        "the HTTPS domain; else the address the hub is bound to; else this machine's DNS name "
        "if it resolves to this machine; else the address of the default route's interface "
        "(hub/address.py)."
    ).tag(config=True)

    # --- HTTPS through Caddy ------------------------------------------------------------------
    https = Unicode(
        "",
        help="'' for plain HTTP; a domain name (e.g. workshop.example.org) for a Let's Encrypt "
        "certificate; 'internal' for a certificate from Caddy's local CA (tests, private rooms).",
    ).tag(config=True)
    https_port = Int(443, help="HTTPS port Caddy listens on when https is set.").tag(config=True)
    http_port = Int(80, help="HTTP port Caddy listens on to redirect to HTTPS.").tag(config=True)
    acme_email = Unicode(
        "", help="Contact e-mail for the ACME CAs (optional; ZeroSSL's fallback needs one)."
    ).tag(config=True)
    acme_issuers = List(
        Unicode(),
        default_value=["letsencrypt", "zerossl"],
        help="Certificate authorities Caddy asks for a domain's certificate, in order, the next "
        "when one refuses (e.g. Let's Encrypt's weekly limit for a shared domain such as "
        "sslip.io): 'letsencrypt', 'zerossl' (needs acme_email), or an ACME directory URL.",
    ).tag(config=True)
    acme_ca_root = Unicode(
        "",
        help="PEM file of a root that signs the ACME directories' own TLS certificates, when "
        "it is no public one (tests against a local CA such as pebble).",
    ).tag(config=True)

    # --- users ---------------------------------------------------------------------------------
    admin_users = List(
        Unicode(),
        default_value=["instructor"],
        help="Instructor usernames; they log in with the admin password and see every server.",
    ).tag(config=True)
    class_size = Int(
        help="Expected number of attendees; sizes limits and spawn rate. Default: the roster's "
        f"size when there is a roster, else {DEFAULT_CLASS_SIZE}."
    ).tag(config=True)
    login_failures_per_user = Int(
        5,
        help="Failed logins allowed per username from one client address per lockout window "
        "before that address is refused for that username (429); other addresses are not.",
    ).tag(config=True)
    login_failures_per_ip = Int(
        50,
        help="Failed logins allowed per client address per window. Higher than per user: a "
        "whole room often shares one address behind NAT.",
    ).tag(config=True)
    login_lockout_seconds = Int(
        60, help="Length of the failed-login window, and of the lockout, in seconds."
    ).tag(config=True)

    # --- spawner and resources ----------------------------------------------------------------
    spawner = Enum(
        ["local", "docker"],
        default_value="local",
        help="'local': one process per user on this machine, homes under <data-dir>/homes; run "
        "by root, each learner gets an account, namespaces, a sized home and cgroup limits of "
        "their own (`workshop doctor` says what this machine enforces). 'docker': one container "
        "per user.",
    ).tag(config=True)
    learner_memory = Unicode(
        help="Memory one learner needs: their server plus the tutorial's kernel at its peak. "
        "Default: measured for the tutorial at full size (bench/learner_memory.py, "
        "hub/capacity.py). doctor fails when class_size x learner_memory exceeds 85% of RAM; "
        "the same figure sizes cloud hosts (`workshop cloud plan`, Terraform's check), "
        "Kubernetes nodes and each pod's memory guarantee. Lower it only when the class runs "
        "the notebooks at smaller sizes."
    ).tag(config=True)
    learner_cpu = Float(
        0.5,
        help="CPU cores one learner needs on average while the class works (training the "
        "tutorial's small CNNs in turns): a Kubernetes pod's CPU guarantee, and with "
        "learner_memory what sizes a cloud host or node (learners <= vCPUs / learner_cpu). "
        "Not a cap: cpu_limit is. The default is a judgement (learners train in turns), not a "
        "measurement: bench/learner_memory.py measures memory only.",
    ).tag(config=True)
    mem_limit = Unicode(
        help="Memory limit per user ('4G'); default: learner_memory, so the tutorial is never "
        "killed for memory. Enforced by Docker, and by cgroups for local servers when the hub "
        "runs as root (a kernel killed for memory is explained under its cell)."
    ).tag(config=True)
    cpu_limit = Float(
        help="CPU cores one user may use at most; default: this machine's cores / "
        "class_size, at least 1 (a lower hard cap makes server starts crawl)."
    ).tag(config=True)
    gpu = Enum(
        ["auto", "none", "all"],
        default_value="auto",
        help="GPUs for user containers: 'auto' shares every GPU if nvidia-smi sees one, 'none' "
        "never, 'all' always (fails to spawn without GPUs).",
    ).tag(config=True)
    concurrent_spawn_limit = Int(
        help="Servers allowed to be starting at once (more get 'too many users, try again' "
        "and retry); default: class_size, at most 100, so a room logging in together is never "
        "turned away (bench/hub_load.py: p95 near the CPU floor)."
    ).tag(config=True)
    start_timeout = Int(
        300,
        help="Seconds a server may take to start. Generous: a room starting at once shares "
        "the CPUs.",
    ).tag(config=True)
    http_timeout = Int(
        120, help="Seconds for a started server to answer HTTP before the spawn fails."
    ).tag(config=True)
    idle_timeout = Int(
        3600,
        help="Seconds without activity before the idle culler stops a server (its files stay); "
        "0 disables culling.",
    ).tag(config=True)
    interface = Enum(
        ["lab", "notebook"],
        default_value="lab",
        help="Interface a learner's server opens on: 'lab' (JupyterLab) or 'notebook' (Notebook 7, "
        "the single-document interface of the 2016 workshop). Both are installed: /lab and /tree "
        "work either way.",
    ).tag(config=True)
    default_url = Unicode(
        help="Page a learner's server opens on; default: the tutorial notebook in the chosen "
        f"interface (/lab/tree/{TUTORIAL_NOTEBOOK} or /notebooks/{TUTORIAL_NOTEBOOK})."
    ).tag(config=True)

    # --- the class board (hub/classroom/): instructors see the room --------------------------
    board = Bool(
        True,
        help="Run the class board, a hub service at /services/board/ for instructors: one row "
        "per attendee (server, section reached, last error, stuck), the help queue and the "
        "read-only look. It reads each running server while an instructor has it open; turn "
        "it off if that costs (bench/hub_load.py --board on|off measures it).",
    ).tag(config=True)
    board_port = Int(8082, help="Port of the class board service (bound to 127.0.0.1).").tag(
        config=True
    )
    board_poll_seconds = Int(
        5,
        help="Seconds between two readings of the room by the board (each running server's "
        "state, at its address in the proxy's routes; never counted as the learner's activity), "
        "while an instructor has the board open.",
    ).tag(config=True)
    board_concurrency = Int(
        8,
        help="Learners' servers the board reads at once; each reading times out after "
        "min(board_poll_seconds, 10) seconds, so a slow server never holds up the others.",
    ).tag(config=True)

    # --- docker spawner (read by hub/spawners/docker.py) ------------------------------------------
    image = Unicode(
        "dragonn-workshop:latest", help="Per-user container image (built from image/)."
    ).tag(config=True)
    docker_network = Unicode(
        "dragonn-workshop", help="User-defined Docker bridge network for hub and containers."
    ).tag(config=True)
    docker_api_threads = Int(
        8,
        help="Threads the Docker spawner calls the engine from (DockerSpawner alone uses one "
        "for the whole hub, so a room's starts queue behind each other's calls; "
        "bench/hub_load.py --compare docker_api_threads=1 measures it). 1 to 10.",
    ).tag(config=True)
    volume_prefix = Unicode(
        "dragonn-workshop-user",
        help="Prefix of each user's named home volume: <prefix>-<escaped username>.",
    ).tag(config=True)
    shm_size = Unicode(
        "1G",
        help="Size of a learner's /dev/shm and /tmp (both in memory, counted in mem_limit).",
    ).tag(config=True)

    # --- isolation of learners (hub/isolation/sandbox.py, hub/isolation/cgroups.py, hub/isolation/home_disks.py) -------------
    pids_limit = Int(
        2048,
        help="Processes and threads one learner may run at once (a fork bomb stops there; "
        "TensorFlow alone starts a few dozen threads per kernel); 0: no limit.",
    ).tag(config=True)
    disk_limit = Unicode(
        "10G",
        help="Most a learner's home may hold ('10G'; '0': no limit). Each home is a file system "
        "of its own, so a learner filling it stops only themselves; needs the hub to run as "
        "root.",
    ).tag(config=True)
    system_user_prefix = Unicode(
        "dw-",
        help="Local spawner run as root: prefix of the system account each learner's server "
        "runs as (dw-doe_jane).",
    ).tag(config=True)
    learner_outbound = Bool(
        False,
        help="Local spawner run as root: whether learners' servers may open connections beyond "
        "this machine (pip install, downloads). Each server has a network namespace of its own "
        "that reaches only the hub either way, never the cloud's metadata address, this "
        "machine's other services or other learners.",
    ).tag(config=True)

    # --- data sets for the in vivo notebook (hub/shared_data.py, `workshop data fetch`) ----------------
    datasets = List(
        Unicode(),
        default_value=[],
        help="Data sets `workshop data fetch` puts into datasets_dir before class: catalogue "
        "names (hg38, mm10: UCSC genome FASTAs) or NAME=URL (http(s) or file), e.g. "
        "ctcf=https://.../peaks.narrowPeak.gz. Learners read them, never download them.",
    ).tag(config=True)
    datasets_dir = Unicode(
        "workshop-data",
        help="Shared folder of the fetched data sets (read-only files, a MANIFEST.json); the "
        "Docker spawner binds it read-only at /opt/workshop/data in every learner's container.",
    ).tag(config=True)

    # --- cloud / chart ----------------------------------------------------------------------------
    instance_type = Unicode(
        "auto",
        help="AWS instance type of the cloud host (`workshop cloud`); terraform/prices.json lists "
        "the allowed ones. 'auto': the cheapest GPU type there whose one host holds class_size "
        "learners at learner_memory and learner_cpu (`workshop cloud plan` names it).",
    ).tag(config=True)
    aws_region = Unicode("us-west-2", help="AWS region for Terraform.").tag(config=True)

    # ---------------------------------------------------------------------------------------------
    # dynamic defaults
    @default("learner_memory")
    def _default_learner_memory(self):
        from hub.capacity import default_learner_memory

        return default_learner_memory()

    @default("mem_limit")
    def _default_mem_limit(self):
        # what a learner really needs, not RAM / class_size: a smaller default killed the
        # tutorial's first training cell; whether the class fits is doctor's capacity check
        return self.learner_memory

    @default("class_size")
    def _default_class_size(self):
        from hub.roster import Roster

        try:
            attendees = len(Roster.load(self.data_dir).entries)
        except (OSError, KeyError, ValueError):  # an unreadable roster: `roster list` says why
            attendees = 0
        return attendees or DEFAULT_CLASS_SIZE

    @default("cpu_limit")
    def _default_cpu_limit(self):
        # a hard quota below one core makes every server start (CPU-bound, ~5-10 CPU-s)
        # crawl; contention already shares the cores fairly, so the cap is at least 1
        return max(1.0, round(host_cpu_count() / self.class_size, 2))

    @default("concurrent_spawn_limit")
    def _default_spawn_limit(self):
        # A server start is CPU-bound (~3 CPU-seconds): the room's last server is ready after
        # about (start CPU x class / cores) however the starts are scheduled, but throttled
        # learners wait out a retry delay (and see an error page) on top. Servers run niced
        # (local) or as containers, so the hub and proxy stay responsive while all start.
        return min(self.class_size, 100)

    @default("default_url")
    def _default_default_url(self):
        if self.interface == "notebook":
            return f"/notebooks/{TUTORIAL_NOTEBOOK}"
        return f"/lab/tree/{TUTORIAL_NOTEBOOK}"

    @default("ip")
    def _default_ip(self):
        if self.spawner == "local" and os.geteuid() != 0:
            return "127.0.0.1"
        return "0.0.0.0"

    @default("public_host")
    def _default_public_host(self):
        from hub.address import choose_public_host

        return choose_public_host(self.ip, self.https).host

    # ---------------------------------------------------------------------------------------------
    # validation on set (messages name the setting and its allowed range)
    @validate("port", "hub_port", "proxy_api_port", "https_port", "http_port", "board_port")
    def _valid_port(self, proposal):
        return check_int(proposal.trait.name, proposal.value, min_value=1, max_value=65535)

    @validate("board_poll_seconds")
    def _valid_board_poll(self, proposal):
        return check_int("board_poll_seconds", proposal.value, min_value=1, max_value=300)

    @validate("board_concurrency")
    def _valid_board_concurrency(self, proposal):
        return check_int("board_concurrency", proposal.value, min_value=1, max_value=200)

    @validate("datasets")
    def _check_datasets(self, proposal):
        from hub.shared_data import parse_entry

        for entry in proposal["value"]:
            parse_entry(entry)
        return list(proposal["value"])

    @validate("class_size")
    def _valid_class_size(self, proposal):
        return check_int("class_size", proposal.value, min_value=1, max_value=2000)

    @validate("login_failures_per_user", "login_failures_per_ip")
    def _valid_failures(self, proposal):
        return check_int(proposal.trait.name, proposal.value, min_value=1, max_value=10_000)

    @validate("login_lockout_seconds")
    def _valid_lockout(self, proposal):
        return check_int("login_lockout_seconds", proposal.value, min_value=1, max_value=86_400)

    @validate("concurrent_spawn_limit")
    def _valid_spawn_limit(self, proposal):
        return check_int("concurrent_spawn_limit", proposal.value, min_value=1, max_value=1000)

    @validate("docker_api_threads")
    def _valid_docker_api_threads(self, proposal):
        return check_int(
            "docker_api_threads", proposal.value, min_value=1, max_value=MAX_DOCKER_API_THREADS
        )

    @validate("start_timeout", "http_timeout")
    def _valid_timeouts(self, proposal):
        return check_int(proposal.trait.name, proposal.value, min_value=10, max_value=3600)

    @validate("idle_timeout")
    def _valid_idle(self, proposal):
        value = check_int("idle_timeout", proposal.value, min_value=0, max_value=7 * 86_400)
        # the culler cannot see activity finer than the hub's 300 s activity interval
        if 0 < value < 600:
            raise ValueError(f"idle_timeout must be 0 (off) or in [600, 604800], got {value}")
        return value

    @validate("cpu_limit", "learner_cpu")
    def _valid_cpu(self, proposal):
        return check_float(proposal.trait.name, proposal.value, min_value=0.05, max_value=1024.0)

    @validate("mem_limit", "shm_size", "learner_memory", "disk_limit")
    def _valid_memory(self, proposal):
        nbytes = parse_memory(proposal.trait.name, proposal.value)
        if proposal.trait.name in ("mem_limit", "learner_memory") and nbytes < 256 * 2**20:
            raise ValueError(f"{proposal.trait.name} must be at least 256M, got {proposal.value!r}")
        if proposal.trait.name == "disk_limit" and 0 < nbytes < 64 * 2**20:
            raise ValueError(f"disk_limit must be 0 (none) or at least 64M, got {proposal.value!r}")
        # canonical spelling ("4gib" -> "4G"): Docker, kubespawner and Terraform all read it
        return str(proposal.value).strip().upper().removesuffix("B").removesuffix("I")

    @validate("pids_limit")
    def _valid_pids(self, proposal):
        value = check_int("pids_limit", proposal.value, min_value=0, max_value=4_194_304)
        if 0 < value < 64:
            raise ValueError(f"pids_limit must be 0 (none) or in [64, 4194304], got {value}")
        return value

    @validate("system_user_prefix")
    def _valid_prefix(self, proposal):
        if not re.match(r"^[a-z][a-z0-9-]{0,11}-$", proposal.value):
            raise ValueError(
                "system_user_prefix must be a lower-case letter, then up to 11 letters, digits "
                f"or '-', ending in '-' (like 'dw-'), got {proposal.value!r}"
            )
        return proposal.value

    @validate("ip")
    def _valid_ip(self, proposal):
        try:
            socket.inet_pton(
                socket.AF_INET6 if ":" in proposal.value else socket.AF_INET, proposal.value
            )
        except OSError:
            raise ValueError(
                f"ip must be an IPv4 or IPv6 address, got {proposal.value!r}"
            ) from None
        return proposal.value

    @validate("acme_issuers")
    def _valid_acme_issuers(self, proposal):
        issuers = [str(i).strip() for i in proposal.value if str(i).strip()]
        for issuer in issuers:
            if issuer not in ("letsencrypt", "zerossl") and not issuer.startswith("https://"):
                raise ValueError(
                    f"acme_issuers: {issuer!r} is neither 'letsencrypt', 'zerossl' nor an "
                    "https:// ACME directory URL"
                )
        if not issuers:
            raise ValueError("acme_issuers needs at least one issuer ('letsencrypt')")
        return issuers

    @validate("https")
    def _valid_https(self, proposal):
        value = proposal.value.strip().lower()
        if value in ("", "internal") or _DOMAIN_RE.match(value):
            return value
        raise ValueError(
            f"https must be '' (off), 'internal' or a domain name like workshop.example.org, "
            f"got {proposal.value!r}"
        )

    @validate("admin_users")
    def _valid_admins(self, proposal):
        from hub.roster import normalize_login

        names = [n.strip().lower() for n in proposal.value]
        for raw, name in zip(proposal.value, names, strict=True):
            # an admin must be able to type the name exactly as the login normalizes it
            if not name or normalize_login(name) != name:
                raise ValueError(
                    f"admin_users entries must be ASCII letters, digits and '_', got {raw!r}"
                )
        return names

    @validate("docker_network", "volume_prefix")
    def _valid_docker_name(self, proposal):
        if not _NAME_RE.match(proposal.value):
            raise ValueError(
                f"{proposal.trait.name} must match [a-z0-9][a-z0-9_.-]*, got {proposal.value!r}"
            )
        return proposal.value

    @validate("image")
    def _valid_image(self, proposal):
        if not _IMAGE_RE.match(proposal.value):
            raise ValueError(f"image must be a Docker image reference, got {proposal.value!r}")
        return proposal.value

    @validate("default_url")
    def _valid_default_url(self, proposal):
        if not proposal.value.startswith("/"):
            raise ValueError(f"default_url must start with '/', got {proposal.value!r}")
        return proposal.value

    # ---------------------------------------------------------------------------------------------
    # loading and saving
    @classmethod
    def setting_names(cls) -> list[str]:
        """Names of every setting (the keys of settings.json)."""
        return sorted(cls.class_traits(config=True))

    @classmethod
    def load(
        cls,
        data_dir: str | os.PathLike | None = None,
        overrides: dict | None = None,
        environ: dict | None = None,
    ) -> WorkshopSettings:
        """Settings from defaults < settings.json < ``WORKSHOP_*`` env < ``overrides``.

        ``data_dir``: where settings.json lives (default: ``WORKSHOP_DATA_DIR`` or ``.workshop``).
        Raises ``ValueError``/``TypeError`` naming the setting and its source on bad values.
        """
        environ = os.environ if environ is None else environ
        overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
        if data_dir is None:
            data_dir = overrides.get("data_dir") or environ.get(ENV_PREFIX + "DATA_DIR")
        data_dir = Path(data_dir or ".workshop").expanduser().resolve()
        settings = cls()
        settings.data_dir = str(data_dir)
        settings._explicit = {}

        path = data_dir / SETTINGS_FILENAME
        if path.exists():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as err:
                raise ValueError(f"{path} is not valid JSON: {err}") from None
            if not isinstance(stored, dict):
                raise ValueError(f"{path} must hold a JSON object of settings")
            for name, value in stored.items():
                settings._set(name, value, source=str(path))
                settings._explicit[name] = settings._get(name)
        for name in cls.setting_names():
            env_name = ENV_PREFIX + name.upper()
            if name != "data_dir" and env_name in environ:
                settings._set(name, settings._from_string(name, environ[env_name]), env_name)
        for name, value in overrides.items():
            if name != "data_dir":
                settings._set(name, value, source="command line")
        return settings

    def is_given(self, name: str) -> bool:
        """Whether ``name`` was set by settings.json, the environment, the command line or
        ``workshop settings set`` (rather than left to its default)."""
        return name in getattr(self, "_given", ())

    def _set(self, name: str, value, source: str) -> None:
        check_choice("setting", name, self.setting_names())
        self._given = getattr(self, "_given", set()) | {name}
        try:
            setattr(self, name, value)
        except TraitError as err:
            raise TypeError(f"setting {name!r} from {source}: {err}") from None
        except ValueError as err:
            raise ValueError(f"setting {name!r} from {source}: {err}") from None

    def _get(self, name: str):
        value = getattr(self, name)
        return list(value) if isinstance(value, list) else value

    def _from_string(self, name: str, text: str):
        trait = self.traits()[name]
        if isinstance(trait, List):
            return [item.strip() for item in text.split(",") if item.strip()]
        try:
            return trait.from_string(text)
        except (TraitError, ValueError):
            return text  # let validation report it with the setting's name

    def set_and_save(self, name: str, value) -> Path:
        """Set one setting (a string is parsed like an env value) and persist settings.json."""
        if isinstance(value, str):
            value = self._from_string(name, value)
        self._set(name, value, source="workshop settings set")
        explicit = getattr(self, "_explicit", {})
        explicit[name] = self._get(name)
        self._explicit = explicit
        return self.save()

    def save(self) -> Path:
        """Write the explicitly set settings (not computed defaults) to settings.json."""
        from hub.credentials import ensure_private_dir  # the data dir is 0700 from the start

        path = ensure_private_dir(Path(self.data_dir)) / SETTINGS_FILENAME
        explicit = dict(getattr(self, "_explicit", {}))
        explicit.pop("data_dir", None)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(explicit, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        return path

    def as_dict(self) -> dict:
        """Every setting with its effective value."""
        return {name: self._get(name) for name in self.setting_names()}

    # ---------------------------------------------------------------------------------------------
    # derived values
    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def mem_limit_bytes(self) -> int:
        return parse_memory("mem_limit", self.mem_limit)

    @property
    def disk_limit_bytes(self) -> int:
        return parse_memory("disk_limit", self.disk_limit)

    @property
    def shm_size_bytes(self) -> int:
        return parse_memory("shm_size", self.shm_size)

    @property
    def listens_beyond_loopback(self) -> bool:
        """Whether people on other machines can reach the hub (HTTPS through Caddy listens on
        every interface)."""
        return bool(self.https) or self.ip not in ("127.0.0.1", "::1", "localhost")

    @property
    def learner_memory_bytes(self) -> int:
        return parse_memory("learner_memory", self.learner_memory)

    def capacity(self, total_bytes: int | None = None):
        """:class:`hub.capacity.Capacity` of this machine (or one of ``total_bytes``) for the
        class: ``class_size x learner_memory`` against 85 % of RAM."""
        from hub.capacity import check_capacity

        return check_capacity(
            self.class_size, self.learner_memory_bytes, total_bytes or host_memory_bytes()
        )

    @property
    def gpu_enabled(self) -> bool:
        """Whether user servers get GPUs ('auto' asks nvidia-smi)."""
        return self.gpu == "all" or (self.gpu == "auto" and gpu_present())

    @property
    def public_url(self) -> str:
        """URL attendees open."""
        if self.https:
            port = "" if self.https_port == 443 else f":{self.https_port}"
            return f"https://{self.public_host}{port}/"
        return f"http://{self.public_host}:{self.port}/"

    @property
    def public_host_source(self) -> str:
        """Where ``public_host`` comes from, as a phrase for messages."""
        from hub.address import choose_public_host

        chosen = choose_public_host(self.ip, self.https)
        return chosen.source if chosen.host == self.public_host else "the setting public_host"

    @property
    def local_url(self) -> str:
        """URL of the hub's proxy from this machine (what the CLI and tests talk to)."""
        host = "127.0.0.1" if self.ip in ("0.0.0.0", "::") or self.https else self.ip
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/"
