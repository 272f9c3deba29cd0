"""``workshop``: run the workshop hub and manage its attendees.

    workshop up [--spawner local|docker] [--port 8000] [--data-dir DIR] [--https DOMAIN|internal]
    workshop down [--keep-accounts] | status | doctor | password [--admin]
    workshop warm [--at HH:MM] [--wave N]     (learners' servers started before the class)
    workshop announce "TEXT" | --clear | --list   (banner + notification in every JupyterLab)
    workshop push FILE [--as PATH]            (beside each learner's copy, never over it)
    workshop collect [NOTEBOOK] [--out ARCHIVE]   (everyone's notebooks, one zip)
    workshop roster import registrations.csv [--show-password] | add FIRST LAST [--email E]
        | remove USER [--delete-home] | list [--show-password]
    workshop settings show | set NAME VALUE | z2jh | terraform
    workshop image build | push | name [--variant cpu|gpu] [--repository REPO]
    workshop cloud plan | up | status | password | export | down   (AWS: see hub/cloud/single_host.py)
    workshop cloud plan | up | status | password | down --target eks   (Kubernetes: hub/cloud/eks.py)

Every command takes ``--data-dir`` (default ``./.workshop``, or ``WORKSHOP_DATA_DIR``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from hub.settings import WorkshopSettings
from tutorial_utils._validation import check_choice


def _settings(args, overrides: dict | None = None) -> WorkshopSettings:
    return WorkshopSettings.load(args.data_dir, overrides=overrides)


def _parse_set(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"--set expects NAME=VALUE, got {pair!r}")
        out[name.strip()] = value
    return out


# --- up / down / status ------------------------------------------------------------------------
def cmd_up(args) -> int:
    from hub.process import run_foreground

    raw = _parse_set(args.set)
    for name in ("spawner", "port", "https", "ip"):
        if getattr(args, name) is not None:
            raw[name] = getattr(args, name)
    probe = WorkshopSettings()
    overrides = {}
    for name, value in raw.items():
        check_choice("--set NAME", name, probe.setting_names())
        overrides[name] = probe._from_string(name, value) if isinstance(value, str) else value
    settings = _settings(args, overrides)
    return run_foreground(settings, list(overrides))


def cmd_down(args) -> int:
    from hub.process import release_system_state, stop_hub, with_last_up

    settings = with_last_up(_settings(args))  # the account prefix the last `up` ran with
    stopped = stop_hub(settings.data_dir, timeout=args.timeout)
    print(f"hub for {settings.data_dir} stopped" if stopped else f"no hub running for {settings.data_dir}")  # fmt: skip
    if args.keep_accounts:
        print("kept the learners' accounts, mounted homes and cgroups (--keep-accounts)")
    else:
        released = release_system_state(settings.data_dir, settings.system_user_prefix)
        if released.accounts or released.unmounted or released.cgroups or released.network:
            print(released.describe(settings.data_dir))
    return 0 if stopped else 1


def cmd_status(args) -> int:
    import requests

    from hub.cli.usage import servers_usage
    from hub.client import HubClient
    from hub.credentials import load_or_create
    from hub.process import running_hub

    settings = _settings(args)
    info = running_hub(settings.data_dir)
    if info is None:
        print(f"no hub running for {settings.data_dir}")
        return 1
    pid = info["pid"]
    client = HubClient(info["local_url"], load_or_create(settings.data_dir).api_token)
    try:
        users = client.users()
    except requests.RequestException as err:
        print(f"hub process {pid} is running but its API does not answer: {err}")
        return 1
    admins = set(info.get("admin_users", settings.admin_users))
    servers = {u["name"]: u["servers"][""] for u in users if u.get("servers", {}).get("")}
    usage = servers_usage({name: s.get("state") or {} for name, s in servers.items()})
    rows = []
    for name, server in servers.items():
        cpu_mem = usage.get(name)
        rows.append(
            {
                "user": name,
                "admin": name in admins,
                "ready": server.get("ready", False),
                "started": server.get("started"),
                "last_activity": server.get("last_activity"),
                "cpu_percent": None if cpu_mem is None else cpu_mem[0],
                "memory_mb": None if cpu_mem is None else cpu_mem[1],
            }
        )
    # the hub creates every roster entry at start-up: a learner has logged in once active
    learners = [
        u for u in users
        if u["name"] not in admins and not u.get("admin") and u.get("last_activity")
    ]  # fmt: skip
    running = [r for r in rows if not r["admin"]]
    url = info.get("public_url", settings.public_url)
    from hub.isolation.enforced import enforcement
    from hub.roster import Roster

    known = {u["name"] for u in learners}
    ready = {r["user"]: r["ready"] for r in rows}
    roster = [
        {
            "user": e.username,
            "name": f"{e.first_name} {e.last_name}".strip(),
            "state": (
                ("ready" if ready[e.username] else "starting")
                if e.username in ready
                else "no server"
                if e.username in known
                else "not logged in"
            ),
        }
        for e in sorted(Roster.load(settings.data_dir).entries, key=lambda e: e.username)
    ]
    limits = info.get("limits")  # what the running hub enforces (its pid file)
    if limits is None:
        enforced = enforcement(settings, info.get("spawner"))
        limits = enforced.lines + enforced.gaps
    if args.json:
        print(
            json.dumps(
                {
                    "url": url,
                    "local_url": info["local_url"],
                    "spawner": info.get("spawner"),
                    "pid": pid,
                    "learners_known": len(learners),
                    "learners_running": len(running),
                    "servers": rows,
                    "roster": roster,
                    "limits": limits,
                },
                indent=2,
            )
        )
        return 0
    spawner = info.get("spawner", "?")
    print(
        f"hub {url} (pid {pid}, {spawner} spawner, this machine {info['local_url']}): "
        f"{len(running)} learner servers running, {len(learners)} learners have logged in"
    )
    for line in limits:
        print(f"  {line}")
    if roster:
        counts = {}
        for entry in roster:
            counts[entry["state"]] = counts.get(entry["state"], 0) + 1
        print(
            f"roster: {len(roster)} attendees, "
            + ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        )
        for entry in roster:
            print(f"  {entry['user']:<32} {entry['state']:<14} {entry['name']}")
        print("servers:")
    for r in rows:
        cpu = "-" if r["cpu_percent"] is None else f"{r['cpu_percent']:.0f}%"
        mem = "-" if r["memory_mb"] is None else f"{r['memory_mb']:.0f} MB"
        state = "ready" if r["ready"] else "starting"
        who = f"{r['user']} (instructor)" if r["admin"] else r["user"]
        print(
            f"  {who:<32} {state:<9} cpu {cpu:>6}  mem {mem:>9}  last active {r['last_activity']}"
        )
    return 0


def cmd_warm(args) -> int:
    import datetime as dt
    import time

    from hub.client import HubClient
    from hub.credentials import load_or_create
    from hub.process import running_hub
    from hub.roster import Roster
    from hub.warm import default_wave, next_time, warm

    settings = _settings(args)
    if args.wave is not None and args.wave < 1:
        raise ValueError(f"--wave must be at least 1, got {args.wave}")
    when = next_time(args.at) if args.at else None
    if running_hub(settings.data_dir) is None:
        print(f"no hub running for {settings.data_dir}: start it with `up` first")
        return 1
    admins = set(settings.admin_users)
    names = [e.username for e in Roster.load(settings.data_dir).entries]
    names = sorted(n for n in names if n not in admins)
    if not names:
        print("the roster is empty: nobody to start a server for")
        return 1
    wave = args.wave or default_wave()
    if when is not None:
        print(f"starting {len(names)} servers at {when:%Y-%m-%d %H:%M}, {wave} at a time")
        while (left := (when - dt.datetime.now()).total_seconds()) > 0:
            time.sleep(min(left, 30))
    info = running_hub(settings.data_dir)  # again: it may have been restarted meanwhile
    if info is None:
        print(f"no hub running for {settings.data_dir} any more")
        return 1
    client = HubClient(info["local_url"], load_or_create(settings.data_dir).api_token)
    print(f"starting the servers of {len(names)} attendees, {wave} at a time")
    result = warm(client, names, wave, wave_timeout=settings.start_timeout + 60)
    print(
        f"{len(result.already) + len(result.ready)} of {len(names)} servers ready "
        f"({len(result.already)} were running already)"
    )
    for name, why in sorted(result.failed.items()):
        print(f"  {name}: {why}")
    return 0 if not result.failed else 1


def cmd_doctor(args) -> int:
    from hub.cli.doctor import run_doctor

    settings = _settings(args)
    ok = run_doctor(settings, spawn_test=not args.no_spawn)
    return 0 if ok else 1


# --- roster --------------------------------------------------------------------------------------
def _handout_password(settings, which: str = "workshop") -> str:
    """The ``which`` (``"workshop"`` or ``"admin"``) password the hub checks: the running hub's
    (compared through the fingerprint in its pid file), else the one the next `workshop up`
    will use."""
    from hub.credentials import load_or_create, password_fingerprint
    from hub.process import running_hub

    creds = load_or_create(settings.data_dir)
    info = running_hub(settings.data_dir)
    key = "admin_password_fingerprint" if which == "admin" else "password_fingerprint"
    expected = (info or {}).get(key)
    if expected and expected != password_fingerprint(creds, which):
        env = "WORKSHOP_ADMIN_PASSWORD" if which == "admin" else "WORKSHOP_PASSWORD"
        source = f"{env} here" if os.environ.get(env) else "stored"
        raise RuntimeError(
            f"the running hub checks a different {which} password than the one {source}: it "
            f"was started with {env} set, which is never written to disk. Run this "
            f"command with {env} set to that value, or restart the hub without it"
        )
    return creds.admin_password if which == "admin" else creds.workshop_password


def cmd_password(args) -> int:
    """``workshop password [--admin]``: the password the hub checks, alone on stdout."""
    settings = _settings(args)
    which = "admin" if args.admin else "workshop"
    print(_handout_password(settings, which))
    who = (
        f"instructors ({', '.join(settings.admin_users) or 'none set: admin_users'})"
        if args.admin
        else "attendees on the roster"
    )
    print(f"(the {which} password, for {who}; keep it off screens and shared notes)",
          file=sys.stderr)  # fmt: skip
    return 0


def _tell_running_hub(settings, usernames: list[str]) -> None:
    """Create the new attendees on a running hub, so its admin page and ``status`` list them
    before they log in (at start-up the hub creates everyone on the roster)."""
    from hub.client import HubClient
    from hub.credentials import load_or_create
    from hub.process import running_hub

    info = running_hub(settings.data_dir)
    if not usernames or info is None:
        return
    client = HubClient(info["local_url"], load_or_create(settings.data_dir).api_token)
    try:
        client.api("POST", "users", json={"usernames": usernames})
    except Exception as err:  # the roster is saved; the hub lists them at their first login
        print(f"(the running hub did not take the new names now: {err})", file=sys.stderr)


def cmd_roster(args) -> int:
    from hub.roster import Roster, format_handout, read_registrations

    settings = _settings(args)
    url = _handout_url(settings)
    roster = Roster.load(settings.data_dir)
    password = None
    if getattr(args, "show_password", False):
        password = _handout_password(settings)
    if args.roster_cmd == "import":
        new = roster.add_people(read_registrations(args.file))
        roster.save(settings.data_dir)
        _tell_running_hub(settings, [e.username for e in new])
        print(
            f"{len(new)} new attendees, {len(roster.entries)} on the roster "
            f"({Path(settings.data_dir) / 'roster.csv'})\n"
        )
        print(format_handout(roster.entries, url, password))
    elif args.roster_cmd == "add":
        (entry,) = roster.add_people([(args.first, args.last, args.email or "")]) or [None]
        if entry is None:
            print(f"{args.first} {args.last} is already on the roster")
            return 1
        roster.save(settings.data_dir)
        _tell_running_hub(settings, [entry.username])
        print(entry.username)
    elif args.roster_cmd == "remove":
        entry = roster.remove(args.username)
        roster.save(settings.data_dir)
        print(f"removed {entry.username} ({entry.first_name} {entry.last_name}) from the roster")
        print(f"  {_remove_learner(settings, entry.username, delete=args.delete_home)}")
    else:
        print(format_handout(roster.entries, url, password))
    return 0


def _handout_url(settings) -> str:
    """The URL of the hub running for this data dir (its real address and port), else the one
    the settings would give it."""
    from hub.process import running_hub

    info = running_hub(settings.data_dir)
    return info["public_url"] if info else settings.public_url


def _remove_learner(settings, username: str, delete: bool) -> str:
    """Sign ``username`` out and stop their server (running hub) or forget them (stopped hub),
    then archive or delete their home. Returns what happened, in words."""
    from hub.client import HubClient
    from hub.credentials import load_or_create
    from hub.homes import forget_hub_user, retire_home
    from hub.process import running_hub, with_last_up

    settings = with_last_up(settings)  # where the hub keeps learners' files and accounts
    info = running_hub(settings.data_dir)
    if info is not None:
        client = HubClient(info["local_url"], load_or_create(settings.data_dir).api_token)
        r = client.api("GET", f"users/{username}")
        if r.status_code == 404:
            hub = "had never logged in"
        elif r.status_code == 200:
            # the hub creates every roster entry at start-up: only activity means a login
            logged_in = bool(r.json().get("last_activity"))
            running = bool(r.json().get("servers"))
            if running:
                client.stop_server(username, timeout=120)
            r = client.api("DELETE", f"users/{username}", timeout=120)
            if r.status_code not in (204, 404):
                raise RuntimeError(
                    f"the running hub answered {r.status_code} when removing {username}"
                )
            hub = (
                ("server stopped, " if running else "") + "signed out of the running hub"
                if logged_in or running
                else "had never logged in"
            )
        else:
            raise RuntimeError(f"the running hub answered {r.status_code} about {username}")
    else:
        hub = (
            "hub record deleted (the hub is not running)"
            if forget_hub_user(settings, username)
            else "had never logged in"
        )
    files = retire_home(settings, username, delete=delete)
    return f"{hub}; {files}"


# --- settings ------------------------------------------------------------------------------------
def cmd_settings(args) -> int:
    settings = _settings(args)
    if args.settings_cmd == "set":
        path = settings.set_and_save(args.name, args.value)
        print(f"{args.name} = {getattr(settings, args.name)!r} (saved in {path})")
        return 0
    if args.settings_cmd == "z2jh":
        import yaml

        from hub.cloud.z2jh import chart_values
        from hub.roster import Roster

        roster = Roster.load(settings.data_dir).usernames
        text = yaml.safe_dump(chart_values(settings, roster=roster), sort_keys=False)
    elif args.settings_cmd == "terraform":
        from hub.cloud.terraform import settings_variables

        text = json.dumps(settings_variables(settings), indent=2) + "\n"
    else:
        if args.json:
            text = json.dumps(settings.as_dict(), indent=2) + "\n"
        else:
            import textwrap

            traits = settings.traits()
            text = "".join(
                f"{name} = {value!r}\n"
                + textwrap.fill(traits[name].help, 96, initial_indent="    ",
                                subsequent_indent="    ") + "\n"
                for name, value in settings.as_dict().items()
            )  # fmt: skip
    if getattr(args, "output", None):
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workshop", description=__doc__.split("\n\n")[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", help="hub state directory (default ./.workshop)")
    sub = parser.add_subparsers(dest="cmd", required=True)

    up = sub.add_parser("up", parents=[common], help="start the hub in the foreground")
    up.add_argument("--spawner", choices=["local", "docker"])
    up.add_argument("--port", type=int)
    up.add_argument(
        "--ip",
        help="address to listen on (default 0.0.0.0; 127.0.0.1 for the local spawner run by an "
        "ordinary user, who must pass --ip 0.0.0.0 to let a room in, without isolation)",
    )
    up.add_argument("--https", metavar="DOMAIN|internal", help="serve HTTPS through Caddy")
    up.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="any other setting for this run (see `workshop settings show`)",
    )
    up.set_defaults(func=cmd_up)

    down = sub.add_parser("down", parents=[common], help="stop the hub started by `up`")
    down.add_argument("--timeout", type=float, default=60.0)
    down.add_argument(
        "--keep-accounts",
        action="store_true",
        help="leave the learners' system accounts, mounted homes and cgroups in place (the "
        "learners' files are always kept)",
    )
    down.set_defaults(func=cmd_down)

    status = sub.add_parser("status", parents=[common], help="running servers, CPU, memory")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)

    warm = sub.add_parser(
        "warm",
        parents=[common],
        help="start every attendee's server before the class, in waves",
    )
    warm.add_argument("--at", metavar="HH:MM", help="wait until this time of day (local time)")
    warm.add_argument(
        "--wave",
        type=int,
        help="servers started at once; the next wave starts when these are ready (default: "
        "half the cores)",
    )
    warm.set_defaults(func=cmd_warm)

    doctor = sub.add_parser("doctor", parents=[common], help="pre-flight checks")
    doctor.add_argument(
        "--no-spawn",
        action="store_true",
        help="skip the test learner (spawn + the tutorial through its first training)",
    )
    doctor.set_defaults(func=cmd_doctor)

    password = sub.add_parser(
        "password", parents=[common], help="print the workshop (or --admin) password"
    )
    password.add_argument("--admin", action="store_true", help="the instructors' password")
    password.set_defaults(func=cmd_password)
    roster = sub.add_parser("roster", help="attendee list")
    rsub = roster.add_subparsers(dest="roster_cmd", required=True)
    imp = rsub.add_parser("import", parents=[common], help="add attendees from a CSV")
    imp.add_argument("file")
    imp.add_argument("--show-password", action="store_true")
    add = rsub.add_parser("add", parents=[common], help="add one attendee")
    add.add_argument("first")
    add.add_argument("last")
    add.add_argument("--email", help="shown on the handout if someone else has the same name")
    rem = rsub.add_parser(
        "remove",
        parents=[common],
        help="remove one attendee: signs them out, stops their server, archives their home",
    )
    rem.add_argument("username")
    rem.add_argument(
        "--delete-home", action="store_true", help="delete the home instead of archiving it"
    )
    lst = rsub.add_parser("list", parents=[common], help="print the handout")
    lst.add_argument("--show-password", action="store_true")
    roster.set_defaults(func=cmd_roster)

    settings = sub.add_parser("settings", help="show or change settings")
    ssub = settings.add_subparsers(dest="settings_cmd", required=True)
    show = ssub.add_parser("show", parents=[common])
    show.add_argument("--json", action="store_true")
    setp = ssub.add_parser("set", parents=[common])
    setp.add_argument("name")
    setp.add_argument("value")
    for name, what in (
        ("z2jh", "Zero to JupyterHub values (YAML)"),
        ("terraform", "Terraform variables (JSON)"),
    ):
        p = ssub.add_parser(name, parents=[common], help=what)
        p.add_argument("-o", "--output")
    settings.set_defaults(func=cmd_settings)

    from hub.cli.image import add_parser as add_image_parser

    add_image_parser(sub, common)

    from hub.cli.classroom import add_parsers as add_classroom_parsers

    add_classroom_parsers(sub, common)

    from hub.cli.data import add_parser as add_data_parser

    add_data_parser(sub, common)

    from hub.cloud.single_host import register as register_cloud

    register_cloud(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, FileNotFoundError, RuntimeError, TimeoutError) as err:
        print(f"workshop {args.cmd}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
