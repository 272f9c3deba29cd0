"""``workshop cloud``: a class on one AWS GPU host, from nothing to a class-ready HTTPS hub and
back to nothing, with Terraform (which you install) doing the work.

    workshop cloud plan     [--set NAME=VALUE ...]   what would be created, and its cost
    workshop cloud up       [--yes] [--no-wait]      create or update; wait for status=ready
    workshop cloud status   [--json]                 URL, host state, learners active, cost
    workshop cloud password [--admin] [--new PASSWORD]
    workshop cloud export   [--dest DIR]             every learner's home, one archive each
    workshop cloud down     [--yes] [--force]        destroy everything (asks first)
    workshop cloud bundle   [-o FILE]                the project tarball the host installs
    workshop cloud template [-o FILE]                the CloudFormation twin (one-click launch)

Hub settings (instance_type, aws_region, https, class_size, ...) come from ``workshop settings``;
cloud-only variables (stop_time, homes_volume_gib, admin_cidr, ...) are stored with ``--set``.
State lives in ``<data-dir>/cloud/``.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from hub.cloud import aws as cloud_aws
from hub.cloud.prices import class_fit_problem, describe_type, estimate, resolve_instance_type
from hub.cloud.terraform import (
    CLOUD_VARIABLES,
    ROOT_REL,
    cloud_dir,
    ensure_init,
    load_cloud_settings,
    make_bundle,
    outputs,
    parse_cloud_value,
    prepare_workdir,
    run_terraform,
    save_cloud_settings,
    write_variables,
)
from hub.invocation import workshop_command
from hub.settings import WorkshopSettings


def _echo(*args, **kwargs):
    print(*args, **kwargs, flush=True)


def _confirm(question: str, assume_yes: bool) -> bool:
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        raise RuntimeError(f"{question} needs an answer: run in a terminal, or pass --yes")
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def _store_sets(settings: WorkshopSettings, pairs: list[str] | None) -> dict:
    updates = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"--set expects NAME=VALUE, got {pair!r}")
        updates[name.strip()] = parse_cloud_value(name.strip(), value)
    return save_cloud_settings(settings, updates) if updates else load_cloud_settings(settings)


def _volume_gib(variables: dict) -> float:
    return float(variables.get("root_volume_gib", 100)) + float(
        variables.get("homes_volume_gib", 50)
    )


def chosen_type(settings: WorkshopSettings) -> tuple[str, str | None]:
    """The instance type the class gets, and for ``instance_type auto`` the sentence that says
    which and why (``hub.cloud.prices.resolve_instance_type``)."""
    return resolve_instance_type(
        settings.instance_type,
        settings.class_size,
        settings.aws_region,
        settings.learner_memory,
        settings.learner_cpu,
    )


def class_fit(settings: WorkshopSettings) -> str | None:
    """Why ``class_size`` learners do not fit one ``instance_type`` host at the settings'
    ``learner_memory`` and ``learner_cpu`` (the figures ``doctor`` checks a machine with), or
    ``None`` when they do (``hub.cloud.prices.class_fit_problem``)."""
    return class_fit_problem(
        settings.class_size,
        chosen_type(settings)[0],
        settings.aws_region,
        settings.learner_memory,
        settings.learner_cpu,
    )


def _preflight(settings: WorkshopSettings, echo=_echo) -> None:
    region, itype = settings.aws_region, chosen_type(settings)[0]
    echo(f"AWS identity: {cloud_aws.check_credentials(region)}")
    cloud_aws.check_instance_type(region, itype)
    echo(cloud_aws.check_quota(region, itype))
    echo(address_advice(settings))


def address_advice(settings: WorkshopSettings, zones: list[str] | None = None) -> str:
    """Which name the class gets, and, without a domain, the own-domain path when the account
    has a Route53 zone (a shared name such as sslip.io can run out of certificates)."""
    if settings.https and settings.https != "internal":
        return f"address: https://{settings.https}/ (your domain)"
    zones = cloud_aws.public_zones(settings.aws_region) if zones is None else zones
    line = (
        "address: https://<elastic-ip-with-dashes>.sslip.io/ (no domain set; its certificate "
        "depends on the CAs' shared limits for sslip.io)"
    )
    if not settings.acme_email:
        email = workshop_command("settings", "set", "acme_email", "you@example.org")
        line += f"; `{email}` lets ZeroSSL issue when Let's Encrypt's sslip.io limit is spent"
    if zones:
        name = f"workshop.{zones[0]}"
        line += (
            f". Your account has the Route53 zone {zones[0]}: for a certificate no shared limit "
            f"can block, `{workshop_command('settings', 'set', 'https', name)}` and "
            f"`--set route53_zone={zones[0]}`"
        )
    return line


def _check_class_fits(settings: WorkshopSettings, echo=_echo) -> str:
    """The type the class gets (said in words when chosen by ``auto``); raises ``ValueError``
    with the whole advice (a class that fits, a type that holds it) before AWS or Terraform
    is asked anything, when the class does not fit: Terraform's own check would stop later
    with less to say, and CloudFormation's rules refuse it too."""
    itype, why = chosen_type(settings)
    if why:
        echo(why)
    problem = class_fit(settings)
    if problem:
        # before anything costs money: a class that does not fit gets its kernels killed
        raise ValueError(problem)
    return itype


def stop_line(variables: dict, now: dt.datetime | None = None) -> str:
    """The daily stop in words, in its time zone and in this machine's local time."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    stop = variables.get("stop_time", "20:00")
    if not stop:
        return "daily stop: none (stop_time is empty; the idle stop still applies)"
    zone = variables["stop_timezone"]
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"stop_timezone {zone!r} is no IANA time zone (e.g. Europe/Berlin)"
        ) from None
    now = (now or dt.datetime.now(dt.UTC)).astimezone(tz)
    hour, minute = map(int, stop.split(":"))
    at = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    local = at.astimezone()  # this machine's local time
    change = workshop_command("cloud", "plan", "--set", "stop_time=HH:MM")
    return (
        f"daily stop: {stop} {zone} (= {local:%H:%M} {local.tzname()} on this machine); "
        f"change with `{change}`"
    )


def _prepare(settings: WorkshopSettings, echo=_echo) -> tuple[Path, dict]:
    root = prepare_workdir(settings)
    variables = write_variables(settings, root)
    where = (
        f"bundle {variables['bundle_path']}"
        if "bundle_path" in variables
        else f"release {variables.get('bundle_url')}"
    )
    echo(f"terraform.tfvars.json written in {root} ({where})")
    echo(stop_line(variables))
    ensure_init(root)
    return root, variables


def _cost_line(settings: WorkshopSettings, variables: dict) -> str:
    try:
        est = estimate(
            chosen_type(settings)[0],
            settings.aws_region,
            _volume_gib(variables),
            float(variables.get("event_hours", 8)),
        )
    except ValueError as err:
        return f"cost: unknown ({err})"
    return f"cost: {est}"


# --- commands -----------------------------------------------------------------------------------
def cmd_plan(args, settings: WorkshopSettings, echo=_echo) -> int:
    _store_sets(settings, args.set)
    itype = _check_class_fits(settings, echo)
    _preflight(settings, echo)
    root, variables = _prepare(settings, echo)
    run_terraform(root, "plan", "-input=false")
    echo(f"\n{itype}: {describe_type(itype)}")
    echo(_cost_line(settings, variables))
    return 0


def cmd_up(args, settings: WorkshopSettings, echo=_echo) -> int:
    _store_sets(settings, args.set)
    itype = _check_class_fits(settings, echo)
    _preflight(settings, echo)
    root, variables = _prepare(settings, echo)
    replace = ["-replace=module.workshop.aws_instance.host"] if args.replace else []
    run_terraform(root, "plan", "-input=false", "-out=tfplan", *replace)
    if not args.replace and _replaces_host(root):
        _refuse_mid_class_replacement(settings, root)
    echo(f"\n{itype}: {describe_type(itype)}")
    echo(_cost_line(settings, variables))
    if not _confirm(
        "Apply this plan (creates or changes AWS resources that cost money)?", args.yes
    ):
        echo("nothing changed")
        return 1
    run_terraform(root, "apply", "-input=false", "tfplan")
    out = outputs(root)
    if settings.https and settings.https != "internal" and not variables.get("route53_zone"):
        try:
            cloud_aws.check_domain(settings.https, out["public_ip"])
        except cloud_aws.CloudError as err:
            echo(f"\nwarning: {err}\n(the host keeps retrying the certificate until it does)")
    if args.no_wait:
        echo(f"\nlaunched: {out['url']} (`workshop cloud status` tells when it is ready)")
        return 0
    return _wait_ready(settings, out, args.timeout, echo)


def _replaces_host(root: Path) -> bool:
    """Whether the saved plan replaces the host (new user data: another checkout's bundle, or
    changed settings): ``terraform show -json tfplan``."""
    shown = run_terraform(root, "show", "-json", "tfplan", capture=True)
    try:
        plan = json.loads(shown.stdout or "{}")
    except json.JSONDecodeError:
        return False
    for change in plan.get("resource_changes", []):
        if change.get("address") == "module.workshop.aws_instance.host":
            return "delete" in change.get("change", {}).get("actions", [])
    return False


def _refuse_mid_class_replacement(settings: WorkshopSettings, root: Path) -> None:
    """A running class's host is replaced only when asked (``--replace``): a late `up` from a
    changed checkout would stop every learner's server mid-class."""
    out = outputs(root)
    if not out:
        return
    region = settings.aws_region
    state = cloud_aws.instance_state(region, out["instance_id"])
    act = cloud_aws.activity(region, out["activity_parameter"]) if state == "running" else {}
    who = (
        f"{act['servers']} learners' servers are running ({', '.join(act.get('users', []))})"
        if act.get("servers")
        else f"the host is {state}"
    )
    raise RuntimeError(
        f"this plan replaces the class's host ({who}): this checkout or these settings differ "
        "from the ones it was launched with, and a new host stops every learner's server and "
        "provisions for 15-20 minutes (homes are kept). A late learner needs no new host: "
        "`workshop roster add First Last`, then `up` from the checkout that launched the class. "
        "To replace it anyway (after class, or to fix it): `workshop cloud up --replace`"
    )


def _wait_ready(settings, out: dict, timeout: float, echo=_echo) -> int:
    echo("\nwaiting for the host to provision itself (about 10-20 minutes on a fresh AMI):")

    def show(progress: cloud_aws.Progress) -> None:
        echo(f"  [{progress.elapsed / 60:5.1f} min] {progress.status}")

    status = cloud_aws.wait_for_status(
        settings.aws_region, out["status_parameter"], timeout=timeout, on_change=show
    )
    if not cloud_aws.is_ready(status):
        echo(
            f"\nthe host reports: {status}\n"
            f"  its log: aws ssm start-session --target {out['instance_id']} "
            "(then: sudo tail -100 /var/log/dragonn-workshop-provision.log)\n"
            f"  or: aws ec2 get-console-output --instance-id {out['instance_id']} --latest\n"
            "  fix the cause, then either re-run the provisioning on this host (it skips what is "
            "done): sudo /opt/dragonn-workshop/bundle/terraform/provision/provision.sh\n"
            "  or provision a fresh host (homes and passwords are kept): workshop cloud up --replace"
        )
        return 1
    if status != "ready":
        echo(f"\nnote: the host reports {status}")
    _print_ready(settings, out, echo)
    return 0


def _print_ready(settings, out: dict, echo=_echo) -> None:
    from hub.roster import Roster, format_handout

    password = cloud_aws.get_parameter(
        settings.aws_region, f"{out['parameter_path']}/workshop-password", decrypt=True
    )
    echo(f"\nready: {out['url']}")
    echo(f"  instructors ({', '.join(settings.admin_users)}): `workshop cloud password --admin`")
    if out.get("cost_per_hour_usd") is not None:
        echo(f"  running cost ~${out['cost_per_hour_usd']:.2f}/h; `workshop cloud down` ends it")
    echo("")
    echo(format_handout(Roster.load(settings.data_dir).entries, out["url"], password))


def _launched(settings: WorkshopSettings, echo=_echo) -> dict:
    """The class's Terraform outputs; ``{}`` (after saying so) when nothing was launched."""
    out = outputs(cloud_dir(settings) / "terraform" / ROOT_REL)
    if not out:
        echo(f"no class launched from {settings.data_dir} (`workshop cloud up`)")
    return out


def cmd_status(args, settings: WorkshopSettings, echo=_echo) -> int:
    out = _launched(settings, echo)
    if not out:
        return 1
    region = settings.aws_region
    report = {
        "url": out["url"],
        "instance_id": out["instance_id"],
        "instance_state": cloud_aws.instance_state(region, out["instance_id"]),
        "status": cloud_aws.get_parameter(region, out["status_parameter"]) or "launching",
        "activity": cloud_aws.activity(region, out["activity_parameter"]),
        "cost_per_hour_usd": out.get("cost_per_hour_usd"),
        "instance": out.get("instance"),
    }
    if args.json:
        echo(json.dumps(report, indent=2))
        return 0
    act = report["activity"]
    echo(f"{report['url']}  ({report['instance_id']}, {report['instance_state']})")
    echo(f"  status: {report['status']}")
    if report["instance_state"] == "stopped":
        problem = cloud_aws.start_problem(region, out["instance_id"])
        if problem:
            echo(f"  {problem}")
            return 1
    if act:
        echo(
            f"  learners' servers running: {act.get('servers', 0)}"
            + (f" ({', '.join(act.get('users', []))})" if act.get("users") else "")
            + f"; last activity {act.get('last_activity') or 'none'} (checked {act.get('checked')})"
        )
    if report["cost_per_hour_usd"] is not None:
        echo(f"  cost while running ~${report['cost_per_hour_usd']:.2f}/h")
    return 0 if cloud_aws.is_ready(report["status"]) else 1


def cmd_password(args, settings: WorkshopSettings, echo=_echo) -> int:
    out = _launched(settings, echo)
    if not out:
        return 1
    leaf = "admin-password" if args.admin else "workshop-password"
    name = f"{out['parameter_path']}/{leaf}"
    if args.new is not None:
        from hub.credentials import ADMIN_PASSWORD_MIN, USER_PASSWORD_MIN

        minimum = ADMIN_PASSWORD_MIN if args.admin else USER_PASSWORD_MIN
        if len(args.new) < minimum:
            raise ValueError(f"--new must be at least {minimum} characters, got {len(args.new)}")
        cloud_aws.put_secure_parameter(settings.aws_region, name, args.new)
        cloud_aws.run_on_host(
            settings.aws_region,
            out["instance_id"],
            [
                f"cd {cloud_aws.HOST_BUNDLE} && .venv/bin/python -m hub.cloud.agent --name "
                f"{out['parameter_path'].lstrip('/')} --data-dir {cloud_aws.HOST_DATA} secrets",
                "systemctl restart dragonn-workshop-hub.service",
            ],
            timeout=300,
        )
        echo(
            f"{leaf} changed; the hub restarted with it (learners reopen their servers; files stay)"
        )
        return 0
    value = cloud_aws.get_parameter(settings.aws_region, name, decrypt=True)
    if value is None:
        echo(f"{name} does not exist yet: the host makes it while provisioning")
        return 1
    echo(value)
    return 0


def cmd_export(args, settings: WorkshopSettings, echo=_echo) -> int:
    out = _launched(settings, echo)
    if not out:
        return 1
    state = cloud_aws.instance_state(settings.aws_region, out["instance_id"])
    if state != "running":
        raise RuntimeError(
            f"the host is {state}: start it first (aws ec2 start-instances --instance-ids "
            f"{out['instance_id']}), then export"
        )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    prefix = f"exports/{stamp}/"
    echo(f"archiving every home on {out['instance_id']} into s3://{out['bucket']}/{prefix} ...")
    cloud_aws.run_on_host(
        settings.aws_region,
        out["instance_id"],
        [
            f"cd {cloud_aws.HOST_BUNDLE} && .venv/bin/python -m hub.cloud.agent --name "
            f"{out['parameter_path'].lstrip('/')} --data-dir {cloud_aws.HOST_DATA} export "
            f"--bucket {out['bucket']} --prefix {prefix}"
        ],
    )
    dest = Path(args.dest) if args.dest else Path(settings.data_dir) / "exports" / stamp
    files = cloud_aws.download_prefix(settings.aws_region, out["bucket"], prefix, dest)
    for f in files:
        echo(f"  {f.name} ({f.stat().st_size / 1e6:.1f} MB)")
    echo(f"{len(files)} archives in {dest} (one per learner: send each their own)")
    return 0 if files else 1


def cmd_down(args, settings: WorkshopSettings, echo=_echo) -> int:
    root = cloud_dir(settings) / "terraform" / ROOT_REL
    out = outputs(root)
    if not out:
        echo(f"no class launched from {settings.data_dir}: nothing to destroy")
        return 0
    region = settings.aws_region
    state = cloud_aws.instance_state(region, out["instance_id"])
    act = cloud_aws.activity(region, out["activity_parameter"]) if state == "running" else {}
    if act.get("servers") and not args.force:
        raise RuntimeError(
            f"{act['servers']} learners' servers are running ({', '.join(act.get('users', []))}); "
            "export first (`workshop cloud export`), or pass --force to destroy anyway"
        )
    exports = Path(settings.data_dir) / "exports"
    if not exports.exists():
        echo("warning: no export in this data dir: learners' homes will be lost "
             "(`workshop cloud export` first)")  # fmt: skip
    question = (
        f"Destroy the class {out['parameter_path'].lstrip('/')} ({out['url']}): the host, the "
        "homes volume, the bucket and the passwords?"
    )
    if not _confirm(question, args.yes):
        echo("nothing destroyed")
        return 1
    ensure_init(root)
    run_terraform(root, "destroy", "-input=false", "-auto-approve")
    gone = cloud_aws.delete_parameters(
        region,
        [f"{out['parameter_path']}/workshop-password", f"{out['parameter_path']}/admin-password"],
    )
    echo(f"destroyed; {len(gone)} password parameters deleted. Nothing of the class is left.")
    return 0


def cmd_bundle(args, settings: WorkshopSettings, echo=_echo) -> int:
    dest = Path(args.output or "dragonn-workshop.tar.gz")
    sha = make_bundle(dest)
    echo(f"{dest}  sha256 {sha}")
    return 0


def cmd_template(args, settings: WorkshopSettings, echo=_echo) -> int:
    from hub.cloud.template import render_template

    kwargs = {}
    if args.bundle_url or args.bundle_sha256:
        if not (args.bundle_url and args.bundle_sha256):
            raise ValueError("--bundle-url and --bundle-sha256 go together (a release tarball)")
        kwargs = {"bundle_url": args.bundle_url, "bundle_sha256": args.bundle_sha256}
    text = render_template(**kwargs)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        echo(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


COMMANDS = {
    "plan": cmd_plan,
    "up": cmd_up,
    "status": cmd_status,
    "password": cmd_password,
    "export": cmd_export,
    "down": cmd_down,
    "bundle": cmd_bundle,
    "template": cmd_template,
}


def cmd_cloud(args) -> int:
    """Entry point of ``workshop cloud`` (``hub/cli/main.py`` registers it)."""
    if getattr(args, "target", "single-host") == "eks":
        from hub.cloud.eks import cmd_cloud as cmd_cloud_eks

        return cmd_cloud_eks(args)
    settings = WorkshopSettings.load(args.data_dir)
    try:
        return COMMANDS[args.cloud_cmd](args, settings)
    except cloud_aws.CloudError as err:
        raise ValueError(str(err)) from None


def register(sub, common) -> None:
    """Add ``cloud`` and its subcommands to the ``workshop`` parser."""
    cloud = sub.add_parser("cloud", help="a class on one AWS GPU host (Terraform)")
    csub = cloud.add_subparsers(dest="cloud_cmd", required=True)
    sets_help = "cloud variable for this and later runs: " + ", ".join(sorted(CLOUD_VARIABLES))
    for name, what in (("plan", "show what `up` would do, and its cost"),
                       ("up", "create or update the class's host, wait until ready")):  # fmt: skip
        p = csub.add_parser(name, parents=[common], help=what)
        p.add_argument("--set", action="append", metavar="NAME=VALUE", help=sets_help)
        if name == "up":
            p.add_argument("--yes", action="store_true", help="apply without asking")
            p.add_argument("--no-wait", action="store_true", help="do not wait for status=ready")
            p.add_argument(
                "--replace",
                action="store_true",
                help="provision a fresh host (homes and passwords are kept on their own volume)",
            )
            p.add_argument("--timeout", type=float, default=2400.0, help="seconds to wait (2400)")
    st = csub.add_parser("status", parents=[common], help="host state, learners, cost")
    st.add_argument("--json", action="store_true")
    pw = csub.add_parser("password", parents=[common], help="print (or change) a password")
    pw.add_argument("--admin", action="store_true", help="the instructors' password")
    pw.add_argument("--new", metavar="PASSWORD", help="set this password on the running hub")
    ex = csub.add_parser("export", parents=[common], help="one archive per learner's home")
    ex.add_argument("--dest", help="folder for the archives (default <data-dir>/exports/<time>)")
    dn = csub.add_parser("down", parents=[common], help="destroy everything (asks first)")
    dn.add_argument("--yes", action="store_true", help="do not ask")
    dn.add_argument("--force", action="store_true", help="even while learners are active")
    bd = csub.add_parser("bundle", parents=[common], help="the project tarball the host installs")
    bd.add_argument("-o", "--output")
    tp = csub.add_parser("template", parents=[common], help="the CloudFormation template")
    tp.add_argument("-o", "--output")
    tp.add_argument("--bundle-url", help="default BundleUrl: the release tarball's public URL")
    tp.add_argument("--bundle-sha256", help="its SHA-256 (printed by `workshop cloud bundle`)")
    from hub.cloud.eks import add_target_arguments

    add_target_arguments(csub)  # --target eks: the hub on Kubernetes
    cloud.set_defaults(func=cmd_cloud)
