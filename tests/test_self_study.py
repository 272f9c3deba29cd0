"""Self-study, a class of one (docs/self-study.md): the one-click stack asks for no roster, so
its learner logs in as an instructor name the stack asked for (AdminUsers, default
``instructor``) with the admin password it stores at ``/<Name>/admin-password``; the tutorial
opens. Everyone else needs a roster. The docs and the real hub agree."""

# ruff: noqa: F401, F811  (fixtures imported from hub_fixtures are used as arguments)

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hub_fixtures import ADMIN_PASSWORD, REPO_ROOT, WORKSHOP_PASSWORD, start_hub

from hub.client import browser_login, open_user_server
from hub.settings import WorkshopSettings

DOC = REPO_ROOT / "docs" / "self-study.md"


def test_the_docs_name_the_login_the_stack_gives():
    text = DOC.read_text(encoding="utf-8")
    assert "any name of that form works" not in text
    assert "/<stack name>/admin-password" in text and "AdminUsers" in text
    skeleton = yaml.safe_load(
        (REPO_ROOT / "terraform" / "cloudformation" / "single-host.template.yaml").read_text()
    )
    default_admin = skeleton["Parameters"]["AdminUsers"]["Default"]
    assert default_admin == ",".join(WorkshopSettings().admin_users) == "instructor"
    assert f"`{default_admin}`" in text
    assert "SignIn" in skeleton["Outputs"]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_class_of_one_without_a_roster_logs_in_and_gets_the_tutorial(tmp_path):
    hub = start_hub(tmp_path / "data", people=[])  # what the one-click stack launches
    try:
        # a learner's name, without a roster: refused, as the docs now say
        _, refused = browser_login(hub.url, "doe_jane", WORKSHOP_PASSWORD)
        assert refused.status_code != 302
        # the name the stack asked for, with the admin password it stored
        session, r = browser_login(hub.url, "instructor", ADMIN_PASSWORD)
        assert r.status_code == 302, (r.status_code, r.text[:300])
        hub.client.start_server("instructor")
        hub.client.wait_ready("instructor", timeout=240)
        opened = open_user_server(session, hub.url, "instructor")
        assert opened.status_code == 200
        assert opened.url.endswith("/user/instructor/lab/tree/workshop_tutorial.ipynb")
        assert (Path(hub.data_dir) / "homes" / "instructor").is_dir()
    finally:
        hub.stop()
