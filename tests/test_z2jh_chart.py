"""The Zero to JupyterHub chart rendered with ``hub.cloud.z2jh.chart_values``.

For several settings (CPU only, GPU, an HTTPS domain, a roster) the chart is rendered offline
(``tests/z2jh_render.py``), every object is validated against the Kubernetes API schemas, and
what the hub pod would load is read back and compared with the settings: login, roster,
limits, profiles, culling, the instance-metadata block, the passwords' Secret, the user
scheduler, HTTPS. Each check is also shown to fail on values that lack what it checks.
"""

from __future__ import annotations

import asyncio
import copy
import re

import pytest
import yaml
from z2jh_render import find, hub_config, hub_values, render, validate_all

from hub.auth import CHART_FILES
from hub.cloud import z2jh
from hub.settings import WorkshopSettings, parse_memory

ROSTER = ["doe_jane", "vanderberg_jeanluc", "smith_john_2"]
PASSWORD, ADMIN_PASSWORD = "k7fm-2qzp-8rtx", "a" * 20 + "-admin-password-x" * 2
#: the hub pod's environment from Secrets (the proxy's token: the chart's own Secret)
SECRET_ENV = {
    "WORKSHOP_PASSWORD": PASSWORD,
    "WORKSHOP_ADMIN_PASSWORD": ADMIN_PASSWORD,
    "CONFIGPROXY_AUTH_TOKEN": "the-proxys-token",
}

CASES = {
    "cpu-only": {"gpu": "none", "class_size": 40},
    "gpu": {
        "gpu": "all",
        "mem_limit": "6G",
        "cpu_limit": 3,
        "idle_timeout": 1800,
        "disk_limit": "20G",
    },
    "https-domain": {
        "https": "ws.example.org",
        "acme_email": "teacher@example.org",
        "learner_memory": "5G",
        "learner_cpu": 1.0,
    },
    "roster": {
        "admin_users": ["teacher", "ta_helper"],
        "idle_timeout": 0,
        "image": "ghcr.io/x/ws:1.2",
    },
}


def settings_for(tmp_path, case: str) -> WorkshopSettings:
    return WorkshopSettings.load(tmp_path / case, overrides=CASES[case])


def roster_for(case: str) -> list[str] | None:
    return ROSTER if case == "roster" else None


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """{case: (settings, values, objects)} rendered once for the module."""
    out = {}
    for case in CASES:
        settings = settings_for(tmp_path_factory.mktemp("s"), case)
        values = z2jh.chart_values(settings, roster=roster_for(case))
        out[case] = (settings, values, render(values))
    return out


# --- checks, each usable on any rendering ------------------------------------------------------
def check_login(hub: dict, settings, roster) -> None:
    auth = hub["hub"]["config"]["WorkshopAuthenticator"]
    assert hub["hub"]["config"]["JupyterHub"]["authenticator_class"] == (
        "hub.auth.WorkshopAuthenticator"
    )
    assert auth["admin_users"] == list(settings.admin_users)
    pattern = re.compile(auth["username_pattern"])
    for name in [*settings.admin_users, "doe_jane", "smith_john_2"]:
        assert pattern.match(name), name
    for name in ["jane", "Doe_Jane", "doe jane", "root"]:
        assert not pattern.match(name), name
    if roster:
        assert auth["allowed_users"] == sorted({*roster, *settings.admin_users})
        assert auth["allow_existing_users"] is False
        assert "allow_all" not in auth
    else:
        assert auth["allow_all"] is True


def check_login_limits(hub: dict, objects: list[dict], settings) -> None:
    """The local hub's failed-login limits, from the settings, by the address the chart's proxy
    pods saw; the authenticator's code is mounted in the hub pod and importable there."""
    from hub.auth import CHART_FILES

    auth = hub["hub"]["config"]["WorkshopAuthenticator"]
    for name in ("login_failures_per_user", "login_failures_per_ip", "login_lockout_seconds"):
        assert auth[name] == getattr(settings, name), f"{name} is not the setting's"
    assert auth["proxy_pod_selector"] == "app=jupyterhub,component in (proxy,autohttps)"
    proxy_labels = find(objects, "Deployment", "proxy")["spec"]["template"]["metadata"]["labels"]
    assert proxy_labels["app"] == "jupyterhub" and proxy_labels["component"] == "proxy"
    pod = find(objects, "Deployment", "hub")["spec"]["template"]["spec"]
    mounts = {m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    for path in CHART_FILES:
        assert f"{z2jh.HUB_CODE_DIR}/{path}" in mounts, f"{path} is not mounted"
    snippets = "".join(hub["hub"]["extraConfig"].values())
    assert f"sys.path.insert(0, {z2jh.HUB_CODE_DIR!r})" in snippets


def check_no_passwords_in_values(hub: dict, objects: list[dict]) -> None:
    """The passwords come from the workshop-passwords Secret, never from the values."""
    text = yaml.safe_dump(hub)
    assert "user_password:" not in text and "admin_password:" not in text
    env = {
        e["name"]: e
        for e in find(objects, "Deployment", "hub")["spec"]["template"]["spec"]["containers"][0][
            "env"
        ]
    }
    for var, key in z2jh.PASSWORD_KEYS.items():
        ref = env[var]["valueFrom"]["secretKeyRef"]
        assert (ref["name"], ref["key"]) == (z2jh.PASSWORD_SECRET, key)


def check_metadata_blocked(hub: dict, objects: list[dict]) -> None:
    """User pods cannot reach 169.254.169.254: iptables in an init container (for clusters whose
    network plugin ignores NetworkPolicy) and the user pods' egress policy."""
    cloud = hub["singleuser"]["cloudMetadata"]
    assert cloud["blockWithIptables"] is True, "iptables block of the metadata service is off"
    assert cloud["ip"] == "169.254.169.254"
    policy = find(objects, "NetworkPolicy", "singleuser")
    for rule in policy["spec"]["egress"]:
        ports = {p.get("port") for p in rule.get("ports", [])}
        for dest in rule.get("to", []):
            block = dest.get("ipBlock")
            if not block:
                continue
            if block["cidr"] == "169.254.169.254/32":
                assert ports == {53}, f"user pods may reach the metadata service on {ports}"
            elif block["cidr"] == "0.0.0.0/0":
                assert "169.254.169.254/32" in block.get("except", []), (
                    "user pods' egress to the internet includes the metadata service"
                )
                assert "10.0.0.0/8" in block.get("except", []), "user pods may reach private IPs"


def check_resources(hub: dict, settings) -> None:
    pod = z2jh.learner_resources(settings)
    single = hub["singleuser"]
    assert single["memory"] == {"limit": settings.mem_limit, "guarantee": pod.memory_guarantee}
    # the guarantee is the one per-learner need every deployment is sized from
    assert pod.memory_guarantee == min(
        (settings.learner_memory, settings.mem_limit), key=lambda m: parse_memory("m", m)
    )
    assert single["cpu"] == {"limit": pod.cpu_limit, "guarantee": settings.learner_cpu}
    assert settings.learner_cpu <= pod.cpu_limit
    assert single["startTimeout"] == settings.start_timeout
    assert single["storage"]["type"] == "dynamic"
    # the home volume holds what disk_limit allows a learner elsewhere (binary units both)
    number, unit = re.fullmatch(r"(\d+)([KMGT]i)?", single["storage"]["capacity"]).groups()
    capacity = int(number) * {None: 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}[unit]
    assert capacity == (settings.disk_limit_bytes or 10 * 2**30)
    assert single["extraEnv"]["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert hub["hub"]["concurrentSpawnLimit"] == settings.concurrent_spawn_limit
    assert hub["hub"]["activeServerLimit"] == settings.class_size + len(settings.admin_users)


def check_profiles(hub: dict, settings) -> None:
    profiles = {p["slug"]: p for p in hub["singleuser"]["profileList"]}
    assert [p["slug"] for p in hub["singleuser"]["profileList"] if p["default"]] == (
        ["cpu"] if settings.gpu == "none" else ["gpu"]
    )
    images = z2jh.learner_images(settings)
    cpu = profiles["cpu"]["kubespawner_override"]
    assert cpu["node_selector"] == {z2jh.NODE_POOL_LABEL: z2jh.CPU_POOL}
    assert cpu["image"] == images["cpu"]
    default = hub["singleuser"]["image"]
    assert (
        f"{default['name']}:{default['tag']}" == images["cpu" if settings.gpu == "none" else "gpu"]
    )
    assert "extra_resource_limits" not in cpu
    if settings.gpu == "none":
        assert set(profiles) == {"cpu"}
        return
    gpu = profiles["gpu"]["kubespawner_override"]
    assert gpu["extra_resource_limits"] == {"nvidia.com/gpu": "1"}
    assert gpu["image"] == images["gpu"]
    assert gpu["node_selector"] == {z2jh.NODE_POOL_LABEL: z2jh.GPU_POOL}
    keys = {t["key"] for t in gpu["tolerations"]}
    assert {"nvidia.com/gpu", "hub.jupyter.org/dedicated"} <= keys


def check_culling(hub: dict, settings) -> None:
    cull = hub["cull"]
    assert cull["enabled"] is (settings.idle_timeout > 0)
    if settings.idle_timeout:
        assert cull["timeout"] == settings.idle_timeout
        assert 60 <= cull["every"] <= settings.idle_timeout
    assert cull["users"] is False and cull["maxAge"] == 0


def check_scheduling(hub: dict, objects: list[dict]) -> None:
    assert hub["scheduling"]["userScheduler"]["enabled"] is True
    find(objects, "Deployment", "user-scheduler")
    config = find(objects, "ConfigMap", "user-scheduler")["data"]["config.yaml"]
    assert "MostAllocated" in config  # packs users onto busy nodes so empty ones scale down
    assert hub["prePuller"]["continuous"]["enabled"] is True
    puller = find(objects, "DaemonSet", "continuous-image-puller")
    # GPU nodes carry the nvidia.com/gpu taint: the puller must tolerate it, or the GPU image is
    # pulled only when the first learner on a fresh GPU node waits for it
    tolerated = {t["key"] for t in puller["spec"]["template"]["spec"].get("tolerations", [])}
    assert {"nvidia.com/gpu", "hub.jupyter.org/dedicated"} <= tolerated, tolerated


def check_https(hub: dict, objects: list[dict], settings) -> None:
    https = hub["proxy"]["https"]
    kinds = {(o["kind"], o["metadata"]["name"]) for o in objects}
    if settings.https and settings.https != "internal":
        assert https["type"] == "letsencrypt" and https["hosts"] == [settings.https]
        assert https["letsencrypt"]["contactEmail"] == settings.acme_email
        assert ("Deployment", "autohttps") in kinds
        traefik = find(objects, "ConfigMap", "autohttps")["data"]["traefik.yaml"]
        assert settings.acme_email in traefik
    else:
        assert ("Deployment", "autohttps") not in kinds


def proxy_may_reach(objects: list[dict], port: int) -> bool:
    """Whether the hub's network policy lets the proxy's pods in on ``port``."""
    policy = find(objects, "NetworkPolicy", "hub")["spec"]["ingress"]
    proxy_labels = find(objects, "Deployment", "proxy")["spec"]["template"]["metadata"]["labels"]
    return any(
        {p["port"] for p in rule.get("ports", [])} == {port}
        and any(
            src.get("podSelector", {}).get("matchLabels", {}).items() <= proxy_labels.items()
            for src in rule.get("from", [])
        )
        for rule in policy
    )


def _selects(selector: dict, labels: dict) -> bool:
    return selector.get("matchLabels", {}).items() <= labels.items()


def _ports_allow(rule: dict, ports: set) -> bool:
    return "ports" not in rule or any(p.get("port") in ports for p in rule["ports"])


def hub_pod_may_reach(objects: list[dict], policy: str, ports: set) -> bool:
    """Whether the network policies let the hub pod reach, on one of ``ports`` (numbers or
    names), the pods of the NetworkPolicy ``policy``: the hub's egress to them and their
    ingress from it."""
    hub_labels = find(objects, "Deployment", "hub")["spec"]["template"]["metadata"]["labels"]
    target = find(objects, "NetworkPolicy", policy)["spec"]
    target_labels = target["podSelector"]["matchLabels"]
    egress = find(objects, "NetworkPolicy", "hub")["spec"].get("egress", [])
    out = any(
        _ports_allow(rule, ports)
        and any(_selects(to.get("podSelector", {}), target_labels) for to in rule["to"])
        for rule in egress
        if rule.get("to") and all(set(to) == {"podSelector"} for to in rule["to"])
    )
    into = any(
        _ports_allow(rule, ports)
        and (
            "from" not in rule
            or any(
                set(src) == {"podSelector"} and _selects(src["podSelector"], hub_labels)
                for src in rule["from"]
            )
        )
        for rule in target.get("ingress", [])
    )
    return out and into


def check_board_reaches_servers(objects: list[dict], c) -> None:
    """The board (in the hub pod) reads learners' servers at their targets, not through the
    proxy: the network policies let the hub pod reach the proxy's API and learners' pods on
    the notebook port, and the hub's config hands the board the proxy's token, which the hub
    pod has from the chart's Secret."""
    from hub.classroom.service import PROXY_TOKEN_ENV

    assert hub_pod_may_reach(objects, "proxy", {"api", 8001}), (
        "the hub may not reach the proxy's API"
    )
    assert hub_pod_may_reach(objects, "singleuser", {"notebook-port", 8888}), (
        "the hub may not reach learners' servers"
    )
    container = find(objects, "Deployment", "hub")["spec"]["template"]["spec"]["containers"][0]
    [env] = [e for e in container["env"] if e["name"] == PROXY_TOKEN_ENV]
    assert env["valueFrom"]["secretKeyRef"]["key"] == "hub.config.ConfigurableHTTPProxy.auth_token"
    [board] = [s for s in c.JupyterHub.services if s["name"] == "board"]
    assert board.get("environment", {}).get(PROXY_TOKEN_ENV) == SECRET_ENV[PROXY_TOKEN_ENV], (
        "the board does not get the proxy's token"
    )


def check_board(hub: dict, objects: list[dict], settings, roster) -> None:
    """The class board runs in the hub pod from its mounted code, the proxy reaches it on the
    hub Service's extra port (the network policy lets it in), and it reads learners' servers
    through a proxy Service that exists; its roles are the local hub's."""
    from hub.classroom.board import parse_args
    from hub.classroom.service import BOARD_SCOPES, classroom_code_files

    service = hub["hub"]["services"]["board"]
    command = service["command"]
    assert command[:5] == ["python3", "-m", "hub.die_with_parent", "python3", "-m"]
    assert command[5] == "hub.classroom.board"
    args = parse_args(command[6:])
    assert args.instructors.split(",") == list(settings.admin_users)
    assert sorted(filter(None, args.usernames.split(","))) == sorted(roster or [])
    assert (args.poll_seconds, args.concurrency) == (
        settings.board_poll_seconds,
        settings.board_concurrency,
    )
    proxy_host, proxy_port = args.proxy_api_url.removeprefix("http://").split(":")
    proxy_service = find(objects, "Service", proxy_host)
    [api_port] = [p for p in proxy_service["spec"]["ports"] if p["port"] == int(proxy_port)]
    assert proxy_service["spec"]["selector"]["component"] == "proxy"
    assert api_port["targetPort"] == "api", "the board's proxy URL is not the proxy's API"
    check_board_reaches_servers(objects, hub_config(objects, environ=SECRET_ENV))
    host, port = service["url"].removeprefix("http://").split(":")
    hub_service = find(objects, "Service", host)
    assert int(port) == settings.board_port
    assert int(port) in {p["port"] for p in hub_service["spec"]["ports"]}, "no port for the board"
    pod = find(objects, "Deployment", "hub")["spec"]["template"]["spec"]
    mounts = {m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    for path in classroom_code_files():
        assert f"{service['cwd']}/{path}" in mounts, path
    assert proxy_may_reach(objects, int(port)), "the proxy may not reach the board"
    roles = hub["hub"]["loadRoles"]
    assert roles["class-board"]["scopes"] == BOARD_SCOPES
    assert roles["class-board"]["services"] == ["board"]
    assert not any("shares" in scope for scope in roles["user"]["scopes"]), "learners may share"


def check_classroom(hub: dict, objects: list[dict], settings) -> None:
    """Announcements, pushes and "my work" as on a local hub: the ``my-work`` service runs in
    the hub pod from the mounted code, keeps its state on the hub's volume, the proxy reaches
    it; the hub's extraConfig, run as the chart runs it, gives the banner, the home page with
    the link and the delivery hook with the service's token."""
    from hub.classroom import download
    from hub.classroom.chart_hub import EXTRA_CONFIG_NAME
    from hub.classroom.service import classroom_code_files, service_command

    service = hub["hub"]["services"][download.SERVICE_NAME]
    assert service["command"] == service_command("python3", download.SERVICE_MODULE, [])
    assert service["cwd"] == z2jh.HUB_CODE_DIR
    env = service["environment"]
    pod = find(objects, "Deployment", "hub")["spec"]["template"]["spec"]
    mounts = {m["mountPath"]: m for m in pod["containers"][0]["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    data = mounts[env["WORKSHOP_DATA_DIR"]]  # the state survives the hub pod: its volume
    assert "persistentVolumeClaim" in volumes[data["name"]], "the hub's data dir is no volume"
    assert env[download.HOMES_ELSEWHERE_ENV] and env["WORKSHOP_BIND"] == "0.0.0.0"
    proxy_host, proxy_port = env["WORKSHOP_PROXY_URL"].removeprefix("http://").strip("/").split(":")
    assert int(proxy_port) in {
        p["port"] for p in find(objects, "Service", proxy_host)["spec"]["ports"]
    }
    host, port = service["url"].removeprefix("http://").split(":")
    ports = {p["port"] for p in find(objects, "Service", host)["spec"]["ports"]}
    assert int(port) in ports, "no port for my-work"
    assert int(port) != settings.board_port
    for path in classroom_code_files():
        assert f"{service['cwd']}/{path}" in mounts, path
    assert proxy_may_reach(objects, int(port)), "the proxy may not reach my-work"
    roles = hub["hub"]["loadRoles"]
    assert roles["my-work"]["scopes"] == download.SERVICE_SCOPES
    assert roles["my-work"]["services"] == [download.SERVICE_NAME]
    assert download.USER_SCOPE in roles["user"]["scopes"] and "self" in roles["user"]["scopes"]
    if settings.board:
        assert "access:services!service=board" in roles["user"]["scopes"]
    assert EXTRA_CONFIG_NAME in hub["hub"]["extraConfig"], "no classroom extraConfig"
    c = hub_config(objects, environ=SECRET_ENV)
    banner = c.JupyterHub.template_vars["announcement"]
    assert callable(banner) and banner(None) == ""  # no announcement file: no banner
    assert c.JupyterHub.template_vars["announcement_login"]  # the chart's own are kept
    templates = c.JupyterHub.template_paths[0]
    assert f"{templates}/home.html" in mounts
    assert callable(c.Spawner.pre_spawn_hook), "no delivery to servers that start later"


CHECKS_FOR_CASE = [
    ("login", lambda s, r, hub, objs: check_login(hub, s, r)),
    ("login limits", lambda s, r, hub, objs: check_login_limits(hub, objs, s)),
    ("secrets", lambda s, r, hub, objs: check_no_passwords_in_values(hub, objs)),
    ("metadata", lambda s, r, hub, objs: check_metadata_blocked(hub, objs)),
    ("resources", lambda s, r, hub, objs: check_resources(hub, s)),
    ("profiles", lambda s, r, hub, objs: check_profiles(hub, s)),
    ("culling", lambda s, r, hub, objs: check_culling(hub, s)),
    ("scheduling", lambda s, r, hub, objs: check_scheduling(hub, objs)),
    ("https", lambda s, r, hub, objs: check_https(hub, objs, s)),
    ("board", lambda s, r, hub, objs: check_board(hub, objs, s, r)),
    ("classroom", lambda s, r, hub, objs: check_classroom(hub, objs, s)),
]


# --- the settings, rendered ----------------------------------------------------------------------
@pytest.mark.parametrize("case", list(CASES))
def test_every_rendered_object_is_valid_kubernetes(rendered, case):
    _, _, objects = rendered[case]
    assert len(objects) > 25
    validate_all(objects)


@pytest.mark.parametrize("case", list(CASES))
def test_hub_loads_what_the_settings_say(rendered, case):
    settings, values, objects = rendered[case]
    hub = hub_values(objects)
    assert hub["hub"]["config"] == values["hub"]["config"]  # the read-back is the real thing
    for _, check in CHECKS_FOR_CASE:
        check(settings, roster_for(case), hub, objects)


@pytest.mark.parametrize("case", list(CASES))
def test_safety_does_not_rest_on_chart_defaults(rendered, case):
    """The metadata block, the egress rules and the user scheduler are in our values, not left to
    chart defaults that a chart upgrade could change."""
    values = rendered[case][1]
    single = values["singleuser"]
    assert single["cloudMetadata"] == {"blockWithIptables": True, "ip": "169.254.169.254"}
    assert single["networkPolicy"]["enabled"] is True
    assert single["networkPolicy"]["egressAllowRules"] == {
        "cloudMetadataServer": False,
        "privateIPs": False,
    }
    assert values["hub"]["networkPolicy"]["enabled"] is True
    assert values["scheduling"]["userScheduler"]["enabled"] is True


def test_gpu_pods_request_a_gpu_and_cpu_pods_none(rendered):
    hub = hub_values(rendered["gpu"][2])
    profiles = {p["slug"]: p["kubespawner_override"] for p in hub["singleuser"]["profileList"]}
    assert profiles["gpu"]["extra_resource_limits"]["nvidia.com/gpu"] == "1"
    assert hub["singleuser"]["memory"]["limit"] == "6G"
    assert hub["singleuser"]["cpu"]["limit"] == 3.0
    assert "extraResource" not in hub["singleuser"] or not hub["singleuser"]["extraResource"].get(
        "limits"
    )


def test_the_hub_logs_in_with_the_secret_passwords(rendered, monkeypatch):
    """The rendered hub config, with the extraConfig snippets run as the chart runs them and the
    Secret's values in the environment, gives a real WorkshopAuthenticator that lets the
    roster in with the workshop password and nobody else. (The mounted copy of its code, on its
    own, is in test_z2jh_login.py.)"""
    from hub.auth import WorkshopAuthenticator

    monkeypatch.setenv("WORKSHOP_PASSWORD", PASSWORD)
    monkeypatch.setenv("WORKSHOP_ADMIN_PASSWORD", ADMIN_PASSWORD)
    c = hub_config(rendered["roster"][2])  # extraConfig run as the chart's config runs it
    assert c.JupyterHub.authenticator_class == "hub.auth.WorkshopAuthenticator"
    auth = WorkshopAuthenticator(config=c)

    async def login(name, password):
        return await auth.get_authenticated_user(None, {"username": name, "password": password})

    assert asyncio.run(login("doe_jane", PASSWORD))["name"] == "doe_jane"
    assert asyncio.run(login("teacher", ADMIN_PASSWORD))["admin"] is True
    assert asyncio.run(login("doe_jane", "wrong-password")) is None
    assert asyncio.run(login("teacher", PASSWORD)) is None  # admins need the admin password
    assert asyncio.run(login("nobody_here", PASSWORD)) is None  # not on the roster


# --- the checks can fail ------------------------------------------------------------------------
def test_metadata_check_fails_without_the_block(rendered):
    _, values, _ = rendered["cpu-only"]
    no_iptables = copy.deepcopy(values)
    no_iptables["singleuser"]["cloudMetadata"]["blockWithIptables"] = False
    objects = render(no_iptables)
    with pytest.raises(AssertionError, match="iptables"):
        check_metadata_blocked(hub_values(objects), objects)

    # the chart refuses an open egress rule beside the iptables block, so open both and check
    # the policy part on its own (with the iptables flag read as on)
    open_egress = copy.deepcopy(no_iptables)
    open_egress["singleuser"]["networkPolicy"]["egressAllowRules"]["cloudMetadataServer"] = True
    objects = render(open_egress)
    hub = hub_values(objects)
    hub["singleuser"]["cloudMetadata"]["blockWithIptables"] = True
    with pytest.raises(AssertionError, match="metadata service"):
        check_metadata_blocked(hub, objects)


def test_login_and_profile_checks_fail_on_wrong_values(rendered):
    settings, values, _ = rendered["gpu"]
    no_gpu = copy.deepcopy(values)
    no_gpu["singleuser"]["profileList"][0]["kubespawner_override"].pop("extra_resource_limits")
    with pytest.raises(KeyError):
        check_profiles(hub_values(render(no_gpu)), settings)
    anyone = copy.deepcopy(rendered["roster"][1])
    anyone["hub"]["config"]["WorkshopAuthenticator"]["allow_existing_users"] = True
    with pytest.raises(AssertionError):
        check_login(hub_values(render(anyone)), rendered["roster"][0], ROSTER)


def test_login_limits_check_fails_on_other_limits_or_unmounted_code(rendered):
    settings, values, _ = rendered["cpu-only"]
    looser = copy.deepcopy(values)
    looser["hub"]["config"]["WorkshopAuthenticator"]["login_failures_per_ip"] += 1
    objects = render(looser)
    with pytest.raises(AssertionError, match="login_failures_per_ip"):
        check_login_limits(hub_values(objects), objects, settings)
    unmounted = copy.deepcopy(values)
    del unmounted["hub"]["extraFiles"]["code-hub-client_address.py"]
    objects = render(unmounted)
    with pytest.raises(AssertionError, match="client_address.py is not mounted"):
        check_login_limits(hub_values(objects), objects, settings)


def test_kubernetes_validation_rejects_a_broken_object(rendered):
    import kubernetes_validate

    deployment = copy.deepcopy(find(rendered["gpu"][2], "Deployment", "hub"))
    deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "http"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_all([deployment])
    deployment = copy.deepcopy(find(rendered["gpu"][2], "Deployment", "hub"))
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_all([deployment])


def test_chart_refuses_letsencrypt_without_contact_and_settings_say_so(tmp_path):
    settings = WorkshopSettings.load(tmp_path, overrides={"https": "ws.example.org"})
    with pytest.raises(ValueError, match="acme_email"):
        z2jh.chart_values(settings)


# --- the passwords' Secret -----------------------------------------------------------------------
def test_password_secret_is_valid_and_holds_what_the_hub_reads():
    import base64

    secret = z2jh.password_secret(PASSWORD, ADMIN_PASSWORD, namespace="workshop")
    validate_all([secret])
    assert secret["metadata"]["name"] == z2jh.PASSWORD_SECRET
    decoded = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert decoded == {"workshop-password": PASSWORD, "admin-password": ADMIN_PASSWORD}
    with pytest.raises(ValueError, match="at least 8"):
        z2jh.password_secret("short", ADMIN_PASSWORD)
    with pytest.raises(ValueError, match="at least 32"):
        z2jh.password_secret(PASSWORD, "too-short-for-an-admin")


def test_images_are_the_releases_pinned_tags_unless_given(rendered):
    from hub.image import image_tag

    settings, _, objects = rendered["gpu"]
    images = z2jh.learner_images(settings)
    assert images == {
        v: f"ghcr.io/dragonn-workshop/dragonn-workshop:{image_tag(v)}" for v in images
    }
    assert not any(ref.endswith(":latest") for ref in images.values())
    settings = rendered["roster"][0]
    assert z2jh.learner_images(settings) == {"cpu": "ghcr.io/x/ws:1.2", "gpu": "ghcr.io/x/ws:1.2"}


def test_board_check_fails_without_the_port_and_board_can_be_off(rendered, tmp_path):
    settings, values, _ = rendered["roster"]
    no_port = copy.deepcopy(values)
    no_port["hub"]["service"]["extraPorts"] = []
    objects = render(no_port)
    with pytest.raises(AssertionError, match="no port for the board"):
        check_board(hub_values(objects), objects, settings, ROSTER)
    with pytest.raises(AssertionError, match="no port for my-work"):
        check_classroom(hub_values(objects), objects, settings)
    off = WorkshopSettings.load(tmp_path, overrides={**CASES["roster"], "board": False})
    values = z2jh.chart_values(off, roster=ROSTER)
    hub = values["hub"]
    assert "board" not in hub["services"] and "class-board" not in hub["loadRoles"]
    assert hub["loadRoles"]["user"]["scopes"] == ["self", "access:services!service=my-work"]
    mounted = {f["mountPath"] for f in hub["extraFiles"].values()}
    assert {f"{z2jh.HUB_CODE_DIR}/{path}" for path in CHART_FILES} <= mounted  # the login's code
    objects = render(values)  # announcements, pushes and my work stay, without the board
    validate_all(objects)
    check_classroom(hub_values(objects), objects, off)


def test_board_reach_check_fails_without_the_label_the_policy_or_the_token(rendered):
    from hub.classroom.service import PROXY_TOKEN_ENV

    settings, values, objects = rendered["roster"]
    c = hub_config(objects, environ=SECRET_ENV)
    check_board_reaches_servers(objects, c)
    unlabelled = copy.deepcopy(objects)
    labels = find(unlabelled, "Deployment", "hub")["spec"]["template"]["metadata"]["labels"]
    del labels["hub.jupyter.org/network-access-singleuser"]
    with pytest.raises(AssertionError, match="may not reach learners' servers"):
        check_board_reaches_servers(unlabelled, c)
    no_egress_objects = copy.deepcopy(objects)
    policy = find(no_egress_objects, "NetworkPolicy", "hub")["spec"]
    policy["egress"] = [r for r in policy["egress"] if {"port": 8888} not in r.get("ports", [])]
    with pytest.raises(AssertionError, match="may not reach learners' servers"):
        check_board_reaches_servers(no_egress_objects, c)
    without = hub_config(
        objects, environ={k: v for k, v in SECRET_ENV.items() if k != PROXY_TOKEN_ENV}
    )
    with pytest.raises(AssertionError, match="does not get the proxy's token"):
        check_board_reaches_servers(objects, without)
    no_snippet = copy.deepcopy(values)
    del no_snippet["hub"]["extraConfig"][z2jh.BOARD_PROXY_TOKEN_CONFIG_NAME]
    rendered_again = render(no_snippet)
    with pytest.raises(AssertionError, match="does not get the proxy's token"):
        check_board_reaches_servers(rendered_again, hub_config(rendered_again, environ=SECRET_ENV))


def test_classroom_check_fails_without_the_snippet_or_the_volume(rendered):
    settings, values, _ = rendered["cpu-only"]
    no_snippet = copy.deepcopy(values)
    del no_snippet["hub"]["extraConfig"]["workshop-classroom"]
    objects = render(no_snippet)
    with pytest.raises(AssertionError, match="no classroom extraConfig"):
        check_classroom(hub_values(objects), objects, settings)
    no_volume = copy.deepcopy(values)
    no_volume["hub"]["db"] = {"type": "sqlite-memory"}
    objects = render(no_volume)
    with pytest.raises((AssertionError, KeyError)):
        check_classroom(hub_values(objects), objects, settings)
