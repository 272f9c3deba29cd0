"""``workshop cloud plan|up|status|password|export|down --target eks``: the hub on Kubernetes (terraform/aws-eks).

``plan_class`` sizes a cluster on paper for a class: learners per node from the chart values'
per-learner guarantees (``hub.cloud.z2jh.learner_resources``: the settings ``learner_memory`` and
``learner_cpu``, the figures ``doctor`` and the single host are sized from) and the node's
allocatable resources, GPU
time-slicing (``learners_per_gpu``), the system node(s) the hub needs, and the hourly cost from
the one price table (``terraform/prices.json``). ``up`` and ``down`` drive Terraform in three
steps so that nothing secret passes through Terraform and teardown never sticks:

* up: (1) the cluster and node groups (``install_apps=false``); (2) the hub's namespace, then
  the passwords' Secret through ``kubectl apply -f -`` from stdin (``hub.cloud.z2jh.password_secret``,
  passwords from the data directory's secrets file); (3) everything (``install_apps=true``): the
  storage class, device plugin, autoscaler and the chart with ``workshop settings z2jh``;
  then the chart's public Service gets ``externalTrafficPolicy: Local``
  (``hub.cloud.z2jh.KEEP_CLIENT_ADDRESSES``, which the chart's values cannot set), so that the
  hub's login limits see each learner's own address and not a node's.
* down: (1) the Kubernetes side goes (``install_apps=false``: the chart's load balancer is
  deleted), and the command waits until AWS no longer lists that load balancer; (2)
  ``terraform destroy``. A load balancer left behind keeps its network interfaces in the subnets
  and the VPC's deletion would hang.

Terraform's working copy and state live in ``<data-dir>/eks/``; the instructor needs
``terraform``, ``aws`` (with credentials) and ``kubectl`` on PATH.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from hub.cloud.z2jh import (
    KEEP_CLIENT_ADDRESSES,
    PASSWORD_SECRET,
    PUBLIC_SERVICE,
    chart_values,
    learner_resources,
    password_secret,
)
from hub.paths import REPO_ROOT
from hub.settings import WorkshopSettings, parse_memory

MODULE = REPO_ROOT / "terraform" / "aws-eks"
PRICES = REPO_ROOT / "terraform" / "prices.json"
WORK_DIRNAME = "eks"
#: what EKS reserves per node (kubelet, eviction threshold; AWS "EKS AMI" bootstrap formula,
#: ~0.9 GiB on these sizes) plus the per-node daemons (VPC CNI, kube-proxy, EBS CSI node,
#: Pod Identity agent, image puller, device plugin; ~0.6 GiB and 0.4 vCPU together)
NODE_RESERVED_GIB = 1.5
NODE_RESERVED_CPU = 0.4
#: the hub, proxy, user scheduler (2), autoscaler and add-ons fit one system node up to this
#: many learners (z2jh/JupyterHub capacity notes: hub overhead is negligible to a few hundred
#: active users); beyond it a second node keeps headroom
LEARNERS_PER_SYSTEM_NODE = 150
HOME_GIB = 10
NODE_DISK_GIB = 100


@dataclass(frozen=True)
class ClassPlan:
    """A cluster sized for ``learners`` (all GPU learners, or all CPU when ``gpu`` is False)."""

    learners: int
    gpu: bool
    node_type: str
    learners_per_node: int
    learner_nodes: int
    system_type: str
    system_nodes: int
    gpu_vcpus: int  # vCPUs of G instances: the AWS quota to request
    learner_nodes_usd: float
    system_usd: float
    fixed_usd: float  # control plane, NAT gateway, load balancer
    storage_usd: float  # learners' homes and node disks

    @property
    def per_hour(self) -> float:
        return self.learner_nodes_usd + self.system_usd + self.fixed_usd + self.storage_usd

    @property
    def per_learner_hour(self) -> float:
        return self.per_hour / self.learners

    def row(self) -> str:
        return (
            f"| {self.learners} | {self.learner_nodes} x {self.node_type} "
            f"({self.learners_per_node}/node) | {self.system_nodes} x {self.system_type} | "
            f"{self.gpu_vcpus} | ${self.per_hour:.2f} | ${self.per_learner_hour:.3f} |"
        )


TABLE_HEADER = (
    "| learners | learner nodes | system nodes | G-instance vCPU quota | cost per hour | "
    "per learner-hour |\n|---|---|---|---|---|---|"
)


def _prices() -> dict:
    from hub.cloud.prices import load_prices  # the one price table, as workshop cloud reads it

    return load_prices()


def _price(table: dict, region: str, instance_type: str) -> float:
    regions = table["regions"]
    if region not in regions:
        raise ValueError(f"aws_region must be one of {', '.join(regions)}, got {region!r}")
    offered = regions[region]["instances_usd_per_hour"]
    if instance_type not in offered:
        raise ValueError(
            f"instance type {instance_type!r} has no price in {region} (terraform/prices.json); "
            f"priced there: {', '.join(offered)}"
        )
    return offered[instance_type]


def learners_per_node(
    instance_type: str, memory: str, cpu: float, learners_per_gpu: int, gpu: bool
) -> int:
    """Learner pods one node holds: the fewest of memory and CPU guarantees (``memory`` like
    ``"3840M"``, ``cpu`` in cores: ``learner_resources``) and GPU slices, after
    ``NODE_RESERVED_GIB`` / ``NODE_RESERVED_CPU``."""
    info = _prices()["instance_types"][instance_type]
    mem_gib = parse_memory("learner_memory", memory) / 2**30
    by_memory = math.floor((info["memory_gib"] - NODE_RESERVED_GIB) / mem_gib)
    by_cpu = math.floor((info["vcpus"] - NODE_RESERVED_CPU) / cpu)
    fits = min(by_memory, by_cpu)
    if gpu:
        if not info["gpus"]:
            raise ValueError(f"gpu_instance_type must have a GPU, {instance_type} has none")
        fits = min(fits, info["gpus"] * learners_per_gpu)
    if fits < 1:
        raise ValueError(
            f"{instance_type} cannot hold one learner with learner_memory {memory} and "
            f"learner_cpu {cpu:g}: choose a larger type or lower the settings"
        )
    return fits


#: the default Kubernetes version (terraform/aws-eks's default, held equal by a test): one in
#: standard support for months to come (prices.json eks.standard_support_ends)
KUBERNETES_VERSION = "1.35"


def control_plane_usd(version: str = KUBERNETES_VERSION, today: dt.date | None = None) -> float:
    """The control plane's hourly price for ``version`` on ``today``: standard support, or
    extended support once the calendar in prices.json says standard support ended (or when the
    table does not know the version: the dearer price, said rather than hidden)."""
    eks = _prices()["eks"]
    ends = eks["standard_support_ends"].get(version)
    today = today or dt.date.today()
    if ends is not None and today <= dt.date.fromisoformat(ends):
        return eks["control_plane_usd_per_hour"]
    return eks["control_plane_extended_support_usd_per_hour"]


def support_warning(version: str = KUBERNETES_VERSION, today: dt.date | None = None) -> str | None:
    """A sentence when ``version`` is out of standard support, unknown, or leaves it within 60
    days of ``today``; else ``None``."""
    ends = _prices()["eks"]["standard_support_ends"].get(version)
    today = today or dt.date.today()
    if ends is None:
        return (f"Kubernetes {version} is not in terraform/prices.json's support calendar: priced "
                "as extended support; check the EKS release calendar")  # fmt: skip
    end = dt.date.fromisoformat(ends)
    if today > end:
        return (f"Kubernetes {version} left EKS standard support on {ends}: the control plane "
                "costs the extended-support price; choose a newer kubernetes_version")  # fmt: skip
    if (end - today).days < 60:
        return (f"Kubernetes {version} leaves EKS standard support on {ends}: a class after that "
                "pays extended support")  # fmt: skip
    return None


def plan_class(
    learners: int,
    settings: WorkshopSettings,
    region: str = "us-west-2",
    gpu_instance_type: str = "g4dn.xlarge",
    cpu_instance_type: str = "m7i.2xlarge",
    system_instance_type: str = "m7i.xlarge",
    learners_per_gpu: int = 4,
    kubernetes_version: str = KUBERNETES_VERSION,
    today: dt.date | None = None,
) -> ClassPlan:
    """The cluster for ``learners`` with ``settings``' per-learner limits; see the module doc.
    Raises ``ValueError`` naming the parameter for unknown types, regions or sizes."""
    if not isinstance(learners, int) or not 1 <= learners <= 5000:
        raise ValueError(f"learners must be an integer in [1, 5000], got {learners!r}")
    table = _prices()
    gpu = settings.gpu != "none"
    node_type = gpu_instance_type if gpu else cpu_instance_type
    for instance_type in (node_type, system_instance_type):
        _price(table, region, instance_type)  # unknown region or type: a ValueError naming it
    pod = learner_resources(settings)
    per_node = learners_per_node(
        node_type, pod.memory_guarantee, pod.cpu_guarantee, learners_per_gpu, gpu
    )
    nodes = math.ceil(learners / per_node)
    system_nodes = math.ceil(learners / LEARNERS_PER_SYSTEM_NODE)
    region_prices = table["regions"][region] if region in table["regions"] else None
    node_price = _price(table, region, node_type)
    system_price = _price(table, region, system_instance_type)
    eks = table["eks"]
    gib_hour = region_prices["ebs_gp3_usd_per_gib_month"] / table["hours_per_month"]
    storage = (learners * HOME_GIB + (nodes + system_nodes) * NODE_DISK_GIB) * gib_hour
    return ClassPlan(
        learners=learners,
        gpu=gpu,
        node_type=node_type,
        learners_per_node=per_node,
        learner_nodes=nodes,
        system_type=system_instance_type,
        system_nodes=system_nodes,
        gpu_vcpus=nodes * table["instance_types"][node_type]["vcpus"] if gpu else 0,
        learner_nodes_usd=nodes * node_price,
        system_usd=system_nodes * system_price,
        fixed_usd=control_plane_usd(kubernetes_version, today)
        + eks["nat_gateway_usd_per_hour"]
        + eks["load_balancer_usd_per_hour"],
        storage_usd=storage,
    )


# --- the commands ----------------------------------------------------------------------------------
def work_dir(settings: WorkshopSettings) -> Path:
    return Path(settings.data_dir) / WORK_DIRNAME


def prepare(settings: WorkshopSettings, cloud_vars: dict) -> Path:
    """Copy the module into ``<data-dir>/eks`` (state stays there) and write its inputs:
    ``z2jh-values.yaml`` (``workshop settings z2jh`` with the roster) and
    ``terraform.tfvars.json``. Returns the module copy's directory."""
    from hub.roster import Roster

    root = work_dir(settings) / "terraform"
    module = root / "aws-eks"
    module.mkdir(parents=True, exist_ok=True)
    for path in MODULE.glob("*.tf"):
        shutil.copy2(path, module / path.name)
    shutil.copy2(PRICES, root / "prices.json")
    roster = Roster.load(settings.data_dir).usernames
    values = chart_values(settings, roster=roster)
    (module / "z2jh-values.yaml").write_text(yaml.safe_dump(values, sort_keys=False))
    # earlier choices (e.g. up's --admin-cidr) stay unless given again
    path = module / "terraform.tfvars.json"
    tfvars = json.loads(path.read_text()) if path.exists() else {}
    tfvars.update(
        {"aws_region": settings.aws_region, "pod_pids_limit": settings.pids_limit, **cloud_vars}
    )
    hours = tfvars.get("class_hours")
    if isinstance(hours, dict) and not hours.get("time_zone"):
        # class hours are the instructor's local time, as the single host's daily stop
        from hub.cloud.terraform import local_timezone

        zone = local_timezone()
        if zone is None:
            raise ValueError(
                "class_hours needs a time_zone (IANA name, e.g. America/Los_Angeles): this "
                "machine's cannot be told"
            )
        tfvars["class_hours"] = {**hours, "time_zone": zone}
    path.write_text(json.dumps(tfvars, indent=2) + "\n")
    return module


def _run(cmd: list[str], cwd: Path | None = None, stdin: str | None = None, env=None) -> str:
    exe = shutil.which(cmd[0])
    if exe is None:
        raise RuntimeError(f"{cmd[0]} is not on PATH: install it first (see docs/eks.md)")
    print("$ " + " ".join(cmd), flush=True)
    out = subprocess.run(
        [exe, *cmd[1:]], cwd=cwd, input=stdin, text=True, capture_output=True, env=env
    )
    sys.stdout.write(out.stdout)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return out.stdout


def up(settings: WorkshopSettings, cloud_vars: dict) -> None:
    """Create or update the cluster and the hub (the three steps of the module doc)."""
    from hub.credentials import load_or_create

    if not settings.https or settings.https == "internal":
        raise ValueError(
            "https must be a domain for --target eks (the chart gets a Let's Encrypt "
            "certificate for it): workshop settings set https workshop.example.org"
        )
    creds = load_or_create(settings.data_dir)  # generated once, kept 0600 in the data dir
    secret = password_secret(
        creds.workshop_password, creds.admin_password, cloud_vars.get("namespace", "workshop")
    )
    module = prepare(settings, cloud_vars)
    kubeconfig = work_dir(settings) / "kubeconfig"
    tf = ["terraform", f"-chdir={module}"]
    _run([*tf, "init", "-input=false"])
    _run([*tf, "apply", "-input=false", "-auto-approve", "-var", "install_apps=false"])
    cluster = cloud_vars.get("cluster_name", "dragonn-workshop")
    _run(["aws", "eks", "update-kubeconfig", "--region", settings.aws_region, "--name", cluster,
          "--kubeconfig", str(kubeconfig)])  # fmt: skip
    _run([*tf, "apply", "-input=false", "-auto-approve", "-target=kubernetes_namespace_v1.hub"])
    # the passwords: from the data dir to the cluster through stdin, nowhere else
    _run(["kubectl", "--kubeconfig", str(kubeconfig), "apply", "-f", "-"], stdin=json.dumps(secret))
    _run([*tf, "apply", "-input=false", "-auto-approve", "-var", "install_apps=true"])
    # learners' own addresses for the login limits: nodes keep the load balancer's traffic
    # to their own proxy pod, source unchanged (a later helm upgrade leaves the field alone)
    namespace = cloud_vars.get("namespace", "workshop")
    _run(["kubectl", "--kubeconfig", str(kubeconfig), "-n", namespace, "patch", "service",
          PUBLIC_SERVICE, "--type", "merge", "-p", json.dumps(KEEP_CLIENT_ADDRESSES)])  # fmt: skip
    print(f"hub: https://{settings.https}/ (point the domain's DNS at the load balancer: "
          f"workshop cloud status --target eks)")  # fmt: skip


def load_balancer_host(settings: WorkshopSettings, namespace: str) -> str:
    """Host name of the hub's load balancer ('' when there is none)."""
    kubeconfig = work_dir(settings) / "kubeconfig"
    try:
        return _run(["kubectl", "--kubeconfig", str(kubeconfig), "-n", namespace, "get", "svc",
                     PUBLIC_SERVICE, "-o",
                     "jsonpath={.status.loadBalancer.ingress[0].hostname}"]).strip()  # fmt: skip
    except RuntimeError:
        return ""


def down(
    settings: WorkshopSettings, cloud_vars: dict, wait_seconds: float = 900, poll: float = 15
) -> None:
    """Remove the hub, wait for its load balancer to be gone, then destroy everything."""
    namespace = cloud_vars.get("namespace", "workshop")
    module = prepare(settings, cloud_vars)
    tf = ["terraform", f"-chdir={module}"]
    host = load_balancer_host(settings, namespace)
    _run([*tf, "apply", "-input=false", "-auto-approve", "-var", "install_apps=false"])
    if host:
        deadline = time.monotonic() + wait_seconds
        query = f"length(LoadBalancers[?DNSName=='{host}'])"
        while True:
            left = _run(["aws", "elbv2", "describe-load-balancers", "--region", settings.aws_region,
                         "--query", query, "--output", "text"]).strip()  # fmt: skip
            if left in ("0", ""):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the load balancer {host} is still there after {wait_seconds:.0f} s; delete "
                    "it in the EC2 console, then run workshop cloud down --target eks again"
                )
            time.sleep(poll)
    _run([*tf, "destroy", "-input=false", "-auto-approve"])


def _export_pod(name: str, claim: str, namespace: str, image: str) -> dict:
    """A pod that mounts one learner's home read-only, as the learner (uid 1000), to archive it."""
    from hub.cloud.z2jh import GPU_TAINT, USER_TAINT

    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace,
                     "labels": {"app.kubernetes.io/part-of": "dragonn-workshop-export"}},
        "spec": {
            "restartPolicy": "Never",
            "securityContext": {"runAsUser": 1000, "runAsGroup": 100, "runAsNonRoot": True},
            "tolerations": [USER_TAINT, GPU_TAINT],
            "containers": [{
                "name": "export", "image": image, "command": ["sleep", "900"],
                "volumeMounts": [{"name": "home", "mountPath": "/home/jovyan", "readOnly": True}],
            }],
            "volumes": [{"name": "home",
                         "persistentVolumeClaim": {"claimName": claim, "readOnly": True}}],
        },
    }  # fmt: skip


def export(settings: WorkshopSettings, cloud_vars: dict, dest: Path) -> list[Path]:
    """One ``<username>.tar.gz`` per learner's home volume, into ``dest``.

    A home volume attaches to one node at a time: stop the learners' servers first (the
    instructor's admin page, or let the culler do it). Raises ``RuntimeError`` naming the
    learner whose volume could not be mounted.
    """
    from hub.cloud.z2jh import learner_images

    namespace = cloud_vars.get("namespace", "workshop")
    kubectl = ["kubectl", "--kubeconfig", str(work_dir(settings) / "kubeconfig"), "-n", namespace]
    claims = json.loads(_run([*kubectl, "get", "pvc", "-l", "component=singleuser-storage",
                              "-o", "json"]))["items"]  # fmt: skip
    dest.mkdir(parents=True, exist_ok=True)
    image = learner_images(settings)["cpu"]
    archives = []
    for claim in claims:
        meta = claim["metadata"]
        user = meta.get("annotations", {}).get("hub.jupyter.org/username") or meta["name"]
        pod = f"export-{meta['name']}"[:63]
        _run([*kubectl, "apply", "-f", "-"],
             stdin=json.dumps(_export_pod(pod, meta["name"], namespace, image)))  # fmt: skip
        try:
            try:
                _run([*kubectl, "wait", "--for=condition=Ready", f"pod/{pod}", "--timeout=300s"])
            except RuntimeError:
                raise RuntimeError(
                    f"{user}'s home could not be mounted for export: is their server still "
                    "running? Stop it (admin page), then export again"
                ) from None
            exe = shutil.which("kubectl")
            out = subprocess.run([exe, *kubectl[1:], "exec", pod, "--", "tar", "-czf", "-",
                                  "-C", "/home/jovyan", "."], capture_output=True)  # fmt: skip
            if out.returncode != 0:
                raise RuntimeError(f"archiving {user}'s home failed: {out.stderr.decode()[-500:]}")
            path = dest / f"{user}.tar.gz"
            path.write_bytes(out.stdout)
            archives.append(path)
            print(f"  {path.name} ({len(out.stdout) / 1e6:.1f} MB)")
        finally:
            _run([*kubectl, "delete", "pod", pod, "--wait=false"])
    return archives


def status(settings: WorkshopSettings, cloud_vars: dict) -> None:
    namespace = cloud_vars.get("namespace", "workshop")
    kubeconfig = work_dir(settings) / "kubeconfig"
    _run(["kubectl", "--kubeconfig", str(kubeconfig), "get", "nodes", "-L",
          "dragonn-workshop/node-pool"])  # fmt: skip
    _run(["kubectl", "--kubeconfig", str(kubeconfig), "-n", namespace, "get", "pods"])
    host = load_balancer_host(settings, namespace)
    print(f"load balancer: {host or '(none yet)'}; hub URL: https://{settings.https}/")
    print(
        f"the passwords: Secret {PASSWORD_SECRET} in {namespace}, and workshop roster list --show-password"
    )


# --- the command line (registered by hub/cli/main.py) --------------------------------------------------
def _cloud_vars(args) -> dict:
    out = {}
    for name in ("cluster_name", "gpu_instance_type", "cpu_instance_type", "learners_per_gpu",
                 "gpu_max_nodes", "namespace"):  # fmt: skip
        value = getattr(args, name, None)
        if value is not None:
            out[name] = value
    if getattr(args, "admin_cidr", None):
        out["admin_cidrs"] = list(args.admin_cidr)
    return out


def cmd_cloud(args) -> int:
    settings = WorkshopSettings.load(args.data_dir)
    cloud_vars = _cloud_vars(args)
    if args.cloud_cmd == "plan":
        sizes = (
            [int(n) for n in args.learners.split(",")] if args.learners else [settings.class_size]
        )
        print(f"EKS in {settings.aws_region}; per learner: {learner_resources(settings)}, "
              f"{'one GPU slice' if settings.gpu != 'none' else 'no GPU'}")  # fmt: skip
        print(TABLE_HEADER)
        for learners in sizes:
            plan = plan_class(
                learners, settings, settings.aws_region,
                gpu_instance_type=cloud_vars.get("gpu_instance_type", "g4dn.xlarge"),
                cpu_instance_type=cloud_vars.get("cpu_instance_type", "m7i.2xlarge"),
                learners_per_gpu=cloud_vars.get("learners_per_gpu", 4),
            )  # fmt: skip
            print(plan.row())
        warning = support_warning(cloud_vars.get("kubernetes_version", KUBERNETES_VERSION))
        if warning:
            print(f"\nwarning: {warning}")
        module = prepare(settings, cloud_vars)
        print(f"\nTerraform inputs written to {module} (terraform.tfvars.json, z2jh-values.yaml)")
        return 0
    if args.cloud_cmd == "up":
        if not cloud_vars.get("admin_cidrs"):
            raise ValueError("--admin-cidr is required: the address the Kubernetes API will accept "
                             "(your machine, e.g. 203.0.113.10/32)")  # fmt: skip
        # room for the whole class on GPU nodes unless told otherwise
        if settings.gpu != "none" and "gpu_max_nodes" not in cloud_vars:
            cloud_vars["gpu_max_nodes"] = plan_class(
                settings.class_size, settings, settings.aws_region,
                gpu_instance_type=cloud_vars.get("gpu_instance_type", "g4dn.xlarge"),
                learners_per_gpu=cloud_vars.get("learners_per_gpu", 4),
            ).learner_nodes  # fmt: skip
        up(settings, cloud_vars)
        return 0
    if args.cloud_cmd == "status":
        status(settings, cloud_vars)
        return 0
    if args.cloud_cmd == "export":
        import datetime as dt

        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        dest = Path(args.dest) if args.dest else Path(settings.data_dir) / "exports" / stamp
        files = export(settings, cloud_vars, dest)
        print(f"{len(files)} archives in {dest} (one per learner: send each their own)")
        return 0 if files else 1
    if args.cloud_cmd == "password":
        from hub.credentials import load_or_create

        creds = load_or_create(settings.data_dir)  # what `up` put into the cluster's Secret
        print(creds.admin_password if args.admin else creds.workshop_password)
        return 0
    if not args.yes:
        answer = input(f"Destroy the EKS cluster and every learner's home in {settings.aws_region}? "
                       "Export first (workshop cloud export). Type 'destroy': ")  # fmt: skip
        if answer.strip() != "destroy":
            print("nothing destroyed")
            return 1
    down(settings, cloud_vars)
    return 0


def add_target_arguments(csub) -> None:
    """Add ``--target single-host|eks`` and the EKS options to ``workshop cloud``'s
    plan/up/status/password/down parsers (``csub``: their subparsers action)."""
    for name in ("plan", "up", "status", "password", "export", "down"):
        p = csub.choices[name]
        p.add_argument(
            "--target", choices=["single-host", "eks"], default="single-host",
            help="single-host: one GPU machine (default); eks: Kubernetes (docs/eks.md)",
        )  # fmt: skip
        p.add_argument("--cluster-name", help="eks: the cluster's name")
        p.add_argument("--namespace", help="eks: the hub's namespace")
        if name in ("plan", "up"):
            p.add_argument("--gpu-instance-type", help="eks: GPU node type (g4dn.xlarge)")
            p.add_argument("--cpu-instance-type", help="eks: CPU node type (m7i.2xlarge)")
            p.add_argument("--learners-per-gpu", type=int, help="eks: GPU time-slices (4)")
            p.add_argument("--gpu-max-nodes", type=int, help="eks: GPU pool maximum")
        if name == "plan":
            p.add_argument("--learners", help="eks: class sizes to plan, e.g. 30,100,300 "
                           "(default: the class_size setting)")  # fmt: skip
        if name == "up":
            p.add_argument("--admin-cidr", action="append", help="eks: address allowed to "
                           "reach the Kubernetes API (repeatable)")  # fmt: skip
