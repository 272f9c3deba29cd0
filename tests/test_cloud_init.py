"""The cloud host's first boot, run as on EC2 but in a container: the proof that the user data works.

A stand-in for a fresh VM (Debian with systemd and cloud-init, ``tests/cloud_vm.Dockerfile``) boots
with the NoCloud datasource and the user data that Terraform renders from
``terraform/provision/user-data.yaml.tftpl``. moto on loopback plays AWS (SSM, S3): the project
tarball of this checkout and the roster are in the class bucket as ``terraform apply`` leaves them.
The container shares this machine's network and Docker engine (the engine plays the host's own),
so only these differ from a real host, each said in the user data the test writes:

- the ports: the machine's 80/443/8000 belong to others, so settings.env gets free ones, and
  ``https = internal`` (Caddy's own CA: Let's Encrypt cannot reach this machine);
- no separate homes volume (the engine's volumes are this machine's);
- boto3 inside finds moto through ``/root/.aws/config`` (on EC2: the instance role via IMDSv2).

Then, as an instructor would see it: status=ready in the SSM parameter, the learner on the roster
logs in over HTTPS with the password the host made and stored in SSM, gets a container, writes a
file; the host exports that home into the bucket; a second boot (``docker restart``) brings the hub
back through systemd without provisioning again, and the learner's file is still there.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import time
from pathlib import Path

import pytest
import yaml
from cloud_support import (
    REGION,
    MotoServer,
    free_port,
    render_user_data,
    user_data_values,
)
from docker_support import (
    REPO_ROOT,
    docker_client,  # noqa: F401 - fixture
    standin_base,  # noqa: F401 - fixture
    unique,
    workshop_image,  # noqa: F401 - fixture
)

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.timeout(2400)]

VM_DOCKERFILE = REPO_ROOT / "tests" / "cloud_vm.Dockerfile"
LEARNER = ("Ada", "Cloudinit")  # on the roster as cloudinit_ada
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="session")
def vm_image(docker_client, standin_base):  # noqa: F811
    """The VM stand-in, tagged by the hash of its Dockerfile (rebuilt when that changes)."""
    import docker.errors

    digest = hashlib.sha256(VM_DOCKERFILE.read_bytes() + standin_base.encode()).hexdigest()[:12]
    tag = f"workshop-cloud-vm:{digest}"
    try:
        docker_client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    start = time.monotonic()
    with open(VM_DOCKERFILE, "rb") as fh:
        docker_client.images.build(
            fileobj=fh, tag=tag, buildargs={"BASE_IMAGE": standin_base}, rm=True, timeout=900
        )
    TIMINGS["vm image build"] = time.monotonic() - start
    return tag


def _wait_status(ssm, name, timeout, container, seen) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        container.reload()
        if container.status != "running":
            raise AssertionError(
                f"the VM stopped: {container.logs()[-3000:].decode(errors='replace')}"
            )
        value = ssm.get_parameter(Name=f"/{name}/status")["Parameter"]["Value"]
        if value != (seen[-1] if seen else None):
            seen.append(value)
            print(f"  [{time.monotonic() - deadline + timeout:6.0f} s] {value}", flush=True)
        if value == "ready" or value.startswith("failed"):
            return value
        time.sleep(3)
    raise AssertionError(f"no ready after {timeout} s; statuses: {seen}")


def _open_server(session, url: str, user: str, ca: Path, timeout: float = 600.0) -> None:
    """Open the learner's server like a browser and wait past the spawn page until it answers.
    (``verify`` on every request: REQUESTS_CA_BUNDLE in the environment beats a session's.)"""
    from hub.client import api_with_cookies

    # JupyterHub 5 starts a server from the spawn page (where the login form sends a browser)
    r = session.get(f"{url}hub/spawn/{user}", timeout=60, verify=str(ca))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = session.get(f"{url}user/{user}/", timeout=60, verify=str(ca))
        if r.status_code == 200 and "spawn-pending" not in r.url:
            status = api_with_cookies(
                session, "GET", f"{url}user/{user}/api/status", verify=str(ca)
            )
            if status.status_code == 200:
                return
        time.sleep(3)
    raise AssertionError(f"{user}'s server did not answer within {timeout:.0f} s ({r.url})")


def _exec(container, cmd: str) -> str:
    code, out = container.exec_run(["bash", "-lc", cmd])
    return out.decode(errors="replace")


def _file_from(container, path: str) -> bytes:
    stream, _ = container.get_archive(path)
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
        member = tar.getmembers()[0]
        return tar.extractfile(member).read()


def test_first_boot_provisions_a_class_ready_hub_and_a_reboot_keeps_homes(
    tmp_path,
    docker_client,  # noqa: F811
    standin_base,  # noqa: F811
    workshop_image,  # noqa: F811 - warms the layer cache the host's own build then hits
    vm_image,
):
    from hub.client import api_with_cookies, browser_login
    from hub.cloud.terraform import make_bundle

    name = unique("wsci")
    image_tag = f"dragonn-workshop:{name}"
    network, prefix = unique("wsci-net"), unique("wsci-home")
    ports = {k: free_port() for k in ("hub", "hub_api", "proxy_api", "https", "http")}
    user = "cloudinit_ada"

    with MotoServer() as moto:
        s3, ssm = moto.client("s3"), moto.client("ssm")
        # what terraform apply leaves: the bucket with the bundle and the roster, the parameters
        bucket = f"{name}-class"
        s3.create_bucket(Bucket=bucket)
        bundle = tmp_path / "bundle.tar.gz"
        sha = make_bundle(bundle)
        s3.upload_file(str(bundle), bucket, "bundle/dragonn-workshop.tar.gz")
        roster = "username,first_name,last_name\ncloudinit_ada,Ada,Cloudinit\n"
        s3.put_object(Bucket=bucket, Key="roster/roster.csv", Body=roster.encode())
        for leaf, value in (("status", "launching"), ("activity", "{}")):
            ssm.put_parameter(Name=f"/{name}/{leaf}", Value=value, Type="String")

        values = user_data_values(
            name=name, region=REGION, bucket=bucket,
            bundle_url=f"s3://{bucket}/bundle/dragonn-workshop.tar.gz", bundle_sha256=sha,
            public_ip="127.0.0.1", homes_volume_id="", image_base=standin_base,
            idle_stop_minutes=0, class_size=4, hub_port=ports["hub"], image=image_tag,
            docker_network=network, volume_prefix=prefix, gpu="none", start_timeout=600,
        )  # fmt: skip
        start = time.monotonic()
        rendered = render_user_data(values, tmp_path / "render")
        TIMINGS["render user data"] = time.monotonic() - start
        doc = yaml.safe_load(rendered)
        for f in doc["write_files"]:
            if f["path"] == "/etc/dragonn-workshop/settings.env":
                f["content"] += (
                    "WORKSHOP_HTTPS=internal\n"
                    f"WORKSHOP_HTTPS_PORT={ports['https']}\nWORKSHOP_HTTP_PORT={ports['http']}\n"
                    f"WORKSHOP_HUB_PORT={ports['hub_api']}\n"
                    f"WORKSHOP_PROXY_API_PORT={ports['proxy_api']}\n"
                    "WORKSHOP_HTTP_TIMEOUT=600\n"
                )
        seed = tmp_path / "seed"
        seed.mkdir()
        (seed / "user-data").write_text("#cloud-config\n" + yaml.safe_dump(doc, sort_keys=False))
        (seed / "meta-data").write_text(f"instance-id: i-{name}\nlocal-hostname: {name}\n")
        aws_dir = tmp_path / "aws"
        aws_dir.mkdir()
        (aws_dir / "config").write_text(
            f"[default]\nregion = {REGION}\nendpoint_url = {moto.url}\n"
        )
        (aws_dir / "credentials").write_text(
            "[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
        )

        container = docker_client.containers.run(
            vm_image,
            name=name,
            detach=True,
            network_mode="host",
            cgroupns="host",
            tmpfs={"/run": "", "/run/lock": ""},
            volumes={
                "/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "ro"},
                "/var/run/docker.sock": {"bind": "/var/run/docker.sock", "mode": "rw"},
                str(seed): {"bind": "/var/lib/cloud/seed/nocloud", "mode": "ro"},
                str(aws_dir): {"bind": "/root/.aws", "mode": "ro"},
            },
        )
        seen: list[str] = []
        try:
            start = time.monotonic()
            status = _wait_status(ssm, name, 1800, container, seen)
            TIMINGS["first boot to ready"] = time.monotonic() - start
            if status != "ready":
                log = _exec(container, "tail -80 /var/log/dragonn-workshop-provision.log")
                raise AssertionError(f"{status}\n{log}")
            steps = _exec(
                container, "grep -o 'step [0-9]*/10' /var/log/dragonn-workshop-provision.log"
            )
            assert steps.split() == [w for n in range(1, 11) for w in ("step", f"{n}/10")], steps
            assert "status=ready" in _exec(container, "journalctl -u cloud-final --no-pager")
            failed_units = _exec(container, "systemctl --failed --no-legend --plain --no-pager")
            if failed_units.strip():
                unit = failed_units.split()[0]
                journal = _exec(container, f"journalctl -u {unit} --no-pager | tail -20")
                raise AssertionError(f"failed unit on the VM: {failed_units}\n{journal}")

            # the hub answers through Caddy; the learner logs in with the password the host made
            root_ca = tmp_path / "root.crt"
            root_ca.write_bytes(
                _file_from(
                    container, "/srv/dragonn-workshop/hub/caddy/pki/authorities/local/root.crt"
                )
            )
            url = f"https://localhost:{ports['https']}/"
            password = ssm.get_parameter(Name=f"/{name}/workshop-password", WithDecryption=True)
            password = password["Parameter"]["Value"]
            assert ssm.get_parameter(Name=f"/{name}/admin-password")["Parameter"]["Type"] == (
                "SecureString"
            )
            start = time.monotonic()
            session, r = browser_login(url, user, password, verify=str(root_ca))
            assert r.status_code == 302, r.text[:500]
            _open_server(session, url, user, root_ca)
            TIMINGS["login to server"] = time.monotonic() - start
            note = {"type": "file", "format": "text", "content": f"{name} was here"}
            r = api_with_cookies(session, "PUT", f"{url}user/{user}/api/contents/cloud-note.txt",
                                 json=note, verify=str(root_ca))  # fmt: skip
            assert r.status_code in (200, 201), r.text[:500]
            # wrong password: refused
            _, bad = browser_login(url, user, "not-the-password", verify=str(root_ca))
            assert bad.status_code != 302

            # the host's timer reports the learner's server to the instructor
            _exec(container, "systemctl start dragonn-workshop-agent.service")
            activity = json.loads(
                ssm.get_parameter(Name=f"/{name}/activity", WithDecryption=True)["Parameter"][
                    "Value"
                ]
            )
            assert activity["servers"] == 1 and activity["users"] == [user], activity

            # export: one archive per learner, into the class bucket
            out = _exec(
                container,
                "cd /opt/dragonn-workshop/bundle && .venv/bin/python -m hub.cloud.agent "
                f"--name {name} --data-dir /srv/dragonn-workshop/hub export "
                f"--bucket {bucket} --prefix exports/t/",
            )
            assert f"exported {user}" in out, out
            body = s3.get_object(Bucket=bucket, Key=f"exports/t/{user}.tar.gz")["Body"].read()
            with tarfile.open(fileobj=io.BytesIO(body)) as tar:
                names = [m.name.lstrip("./") for m in tar.getmembers()]
                assert "cloud-note.txt" in names, names

            # second boot: systemd brings the hub back; cloud-init does not provision again
            start = time.monotonic()
            container.restart(timeout=120)
            session = None
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                try:
                    session, r = browser_login(url, user, password, verify=str(root_ca))
                    if r.status_code == 302:
                        break
                except Exception:  # not up yet
                    pass
                time.sleep(3)
            assert session is not None and r.status_code == 302, "hub not back after a reboot"
            TIMINGS["reboot to login"] = time.monotonic() - start
            _open_server(session, url, user, root_ca)
            r = api_with_cookies(
                session, "GET", f"{url}user/{user}/api/contents/cloud-note.txt", verify=str(root_ca)
            )
            assert r.status_code == 200 and r.json()["content"] == f"{name} was here"
            log = _exec(
                container,
                "grep -c '] step 1/10' /var/log/dragonn-workshop-provision.log",
            )
            assert log.strip() == "1", "provisioning ran again on the second boot"
            assert ssm.get_parameter(Name=f"/{name}/status")["Parameter"]["Value"] == "ready"
        finally:
            print(
                f"\nstatuses: {seen}\ntimings: {json.dumps({k: round(v) for k, v in TIMINGS.items()})}"
            )
            if os.environ.get("WORKSHOP_KEEP_VM"):
                print(f"kept the VM container {name}")
            else:
                _cleanup(docker_client, container, network, prefix, image_tag, user)


def _cleanup(client, container, network, prefix, image_tag, user):
    import docker.errors

    try:
        _exec(container, "systemctl stop dragonn-workshop-hub.service")
    except Exception:
        pass
    container.remove(force=True)
    for c in client.containers.list(all=True, filters={"network": network}):
        c.remove(force=True)
    for v in client.volumes.list(filters={"name": prefix}):
        v.remove(force=True)
    for n in client.networks.list(names=[network]):
        try:
            n.remove()
        except docker.errors.APIError:
            pass
    try:
        client.images.remove(image_tag, noprune=False)
    except docker.errors.APIError:
        pass
