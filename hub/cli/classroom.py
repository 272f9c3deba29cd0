"""``workshop announce | push | collect``: a word, a fixed notebook, and everyone's work.

    workshop announce "TEXT" | --clear | --list
    workshop push FILE [--as PATH]
    workshop collect [NOTEBOOK] [--out ARCHIVE]

They talk to the hub running for ``--data-dir`` with the CLI's token, or to the hub at
``--hub-url`` (the chart, a hub elsewhere) with a token in ``WORKSHOP_HUB_TOKEN`` (an
instructor's, made on the hub's Token page). With ``--hub-url``, announcements and pushes are
kept by that hub (its ``my-work`` service), which shows the banner and delivers to servers
that start later as a hub run here does; only collect is limited there (``REMOTE_LIMITS``).
See ``hub/classroom/``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from hub.classroom.download import Records

TOKEN_ENV = "WORKSHOP_HUB_TOKEN"
#: what --hub-url (a hub whose data dir is elsewhere: the chart) cannot do; announcements and
#: pushes are kept by that hub's my-work service (``hub.classroom.download.Records``), so only
#: collect is limited there. docs/eks.md and the runbook quote it (tests/test_classroom_chart_hub.py)
REMOTE_LIMITS = (
    "a stopped server's home is not on this machine, and JupyterHub's API reads only running "
    "servers (on the chart a home is a volume that only a pod mounting it can read): "
    "`workshop cloud export --target eks` archives every home once servers are stopped, or "
    "ask them to start their server"
)
#: a learner collect could not read for that reason (the reason is printed once, above)
STOPPED_ELSEWHERE = "server stopped; its home is not on this machine (see above)"


@dataclass
class HubAccess:
    """Where the CLI reaches a hub: ``client`` (``HubClient``), ``token``, ``data_dir`` (the
    hub's state, when it runs here: announcements and pushes are kept there) and
    ``settings``."""

    client: object
    token: str
    data_dir: str | None
    settings: object


def hub_access(args) -> HubAccess:
    """The hub for ``args`` (``--hub-url`` or the one running for ``--data-dir``).
    Raises ``RuntimeError`` when none can be reached."""
    from hub.client import HubClient
    from hub.credentials import load_or_create
    from hub.process import running_hub, with_last_up
    from hub.settings import WorkshopSettings

    settings = with_last_up(WorkshopSettings.load(args.data_dir))
    if getattr(args, "hub_url", None):
        token = os.environ.get(TOKEN_ENV)
        if not token:
            raise RuntimeError(
                f"--hub-url needs an API token in {TOKEN_ENV} (an instructor's, from the hub's "
                "Token page; never on the command line)"
            )
        return HubAccess(HubClient(args.hub_url, token), token, None, settings)
    info = running_hub(settings.data_dir)
    if info is None:
        raise RuntimeError(
            f"no hub running for {settings.data_dir}: start it with `workshop up`, or name "
            "another with --hub-url"
        )
    token = load_or_create(settings.data_dir).api_token
    return HubAccess(HubClient(info["local_url"], token), token, settings.data_dir, settings)


def _learners(access: HubAccess) -> list[str]:
    """The roster's usernames (admins left out); without a roster here, the hub's
    non-admin users."""
    admins = set(access.settings.admin_users)
    if access.data_dir is not None:
        from hub.roster import Roster

        return sorted(n for n in Roster.load(access.data_dir).usernames if n not in admins)
    return sorted(u["name"] for u in access.client.users() if not u.get("admin"))


# --- announce ------------------------------------------------------------------------------------
def cmd_announce(args) -> int:
    from hub.classroom import announce
    from hub.classroom.learner_servers import running_servers

    if args.list:
        if getattr(args, "hub_url", None):
            access = hub_access(args)
            records = Records(access.client.url, access.token).history()
        else:
            from hub.settings import WorkshopSettings

            records = announce.history(WorkshopSettings.load(args.data_dir).data_dir)
        for r in records:
            print(f"{r.time}  {r.kind:<12}  {r.text}")
        print(f"({len(records)} records)" if records else "no announcements yet")
        return 0
    if args.clear == bool(args.text):
        raise ValueError(
            'announce takes TEXT or --clear (or --list), e.g. announce "Break until 11"'
        )
    text = "" if args.clear else announce.check_text(args.text)
    access = hub_access(args)
    kind = "clear" if args.clear else "announcement"
    if access.data_dir is None:  # kept by that hub (its my-work service), which shows it
        entry = Records(access.client.url, access.token).announce(kind, text)
    else:
        entry = announce.record(access.data_dir, kind, text)
    servers = running_servers(access.client, access.token)
    reached, failed = [], {}
    for name, server in sorted(servers.items()):
        try:
            server.post_notice(entry.kind, announce.notice_text(entry))
            reached.append(name)
        except (OSError, RuntimeError) as err:
            failed[name] = str(err)
    what = "cleared the announcement" if args.clear else f"announced: {entry.text}"
    print(f"{what} (banner on the hub's pages now)" if not args.clear else what)
    print(f"notified {len(reached)} running servers: {', '.join(reached) or 'none'}")
    for name, why in failed.items():
        print(f"  not notified: {name}: {why}")
    if not args.clear:
        print("servers that start later get it when they are ready")
    return 0 if not failed else 1


# --- push ----------------------------------------------------------------------------------------
def cmd_push(args) -> int:
    from hub.classroom import push
    from hub.classroom.learner_servers import running_servers

    notebook = push.read_notebook(args.file)  # a bad FILE is said before anything else
    access = hub_access(args)
    if access.data_dir is None:  # kept by that hub, which delivers it to later starts
        record = Records(access.client.url, access.token).push(
            notebook, Path(args.file).name, args.copy
        )
    else:
        record, notebook = push.record_push(access.data_dir, args.file, args.copy)
    servers = running_servers(access.client, access.token)
    result = push.push_to_servers(servers, record, notebook, _learners(access))
    print(f"pushed {args.file} as {record.target!r} (beside each learner's {args.copy or Path(args.file).name})")  # fmt: skip
    print(f"received now ({len(result.received)}): {', '.join(result.received) or 'none'}")
    if result.kept:
        print(f"had a file of that name, left as it was ({len(result.kept)}): {', '.join(result.kept)}")  # fmt: skip
    print(f"get it at their next start ({len(result.later)}): {', '.join(result.later) or 'none'}")
    for name, why in sorted(result.failed.items()):
        print(f"  failed: {name}: {why}")
    return 0 if not result.failed else 1


# --- collect -------------------------------------------------------------------------------------
def cmd_collect(args) -> int:
    from hub.classroom import collect
    from hub.classroom.learner_servers import running_servers

    notebook = collect.check_notebook(args.notebook)
    stem = Path(notebook).stem if notebook else "notebooks"
    out = Path(args.out or f"collected-{stem}-{dt.datetime.now():%Y%m%d-%H%M}.zip")
    if out.exists():
        raise ValueError(f"--out {out} exists already: choose another name")
    access = hub_access(args)
    names = _learners(access)
    if not names:
        print("nobody to collect from: the roster is empty")
        return 1
    if access.data_dir is not None:
        read_stopped = collect.stopped_reader(access.settings)
    else:
        read_stopped = collect.unreachable(STOPPED_ELSEWHERE)
        print(f"(--hub-url: {REMOTE_LIMITS})")
    servers = running_servers(access.client, access.token)
    print(f"collecting {notebook or 'every notebook'} from {len(names)} learners "
          f"({len([n for n in names if n in servers])} servers running)")  # fmt: skip
    result = collect.collect(
        names, servers, read_stopped, notebook, progress=lambda line: print(f"  {line}", flush=True)
    )
    collect.write_archive(result, out)
    print(result.report())
    print(f"archive: {out} (one folder per learner, {collect.REPORT_NAME} inside)")
    return 0 if result.collected else 1


def add_parsers(sub, common) -> None:
    """Add ``announce``, ``push`` and ``collect`` to the CLI's subparsers ``sub``."""
    remote = argparse.ArgumentParser(add_help=False)
    remote.add_argument(
        "--hub-url",
        help=f"a hub not run from this data dir (e.g. the chart's), with {TOKEN_ENV} set",
    )
    a = sub.add_parser(
        "announce",
        parents=[common, remote],
        help="a banner on the hub's pages and a notification in every learner's JupyterLab",
        description="Show TEXT as a banner on the hub's pages and as a notification inside "
        "every running JupyterLab / Notebook 7 (servers that start later get it too); "
        "--clear takes it down; --list shows the history.",
    )
    a.add_argument("text", nargs="?", help=f"the announcement (at most {_max_chars()} characters)")
    a.add_argument("--clear", action="store_true", help="take the current announcement down")
    a.add_argument("--list", action="store_true", help="every announcement so far, oldest first")
    a.set_defaults(func=cmd_announce)

    p = sub.add_parser(
        "push",
        parents=[common, remote],
        help="an updated notebook beside every learner's own copy, never over it",
        description="Save FILE on every running server beside the learner's copy, named "
        "'NAME (updated HH:MM).ipynb', with a notification; servers that start later get it "
        "too. A learner's file is never overwritten. Lists who received it.",
    )
    p.add_argument("file", metavar="FILE", help="the updated notebook (.ipynb)")
    p.add_argument(
        "--as",
        dest="copy",
        metavar="PATH",
        help="the learner's copy it goes beside, a path in the home (default: FILE's name)",
    )
    p.set_defaults(func=cmd_push)

    c = sub.add_parser(
        "collect",
        parents=[common, remote],
        help="every learner's notebooks into one zip, one folder per learner",
        description="Read NOTEBOOK (default: every notebook) of each learner on the roster: "
        "from running servers (the saved file), and from homes on this machine for stopped "
        "ones. Says who was collected and who was not, and why.",
    )
    c.add_argument("notebook", metavar="NOTEBOOK", nargs="?", help="e.g. workshop_tutorial.ipynb")
    c.add_argument("--out", metavar="ARCHIVE", help="the zip to write (default collected-*.zip)")
    c.set_defaults(func=cmd_collect)


def _max_chars() -> int:
    from hub.classroom.announce import MAX_CHARS

    return MAX_CHARS


if __name__ == "__main__":
    sys.exit("run as: workshop announce | push | collect")
