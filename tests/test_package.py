"""The package's public surface: every exported name resolves, and importing it is cheap."""

import subprocess
import sys

import tutorial_utils


def test_every_exported_name_resolves():
    missing = []
    for name in tutorial_utils.__all__:
        try:
            getattr(tutorial_utils, name)
        except (AttributeError, ImportError) as error:
            missing.append(f"{name}: {error}")
    assert not missing, "\n".join(missing)


def test_import_does_not_load_keras():
    code = "import sys, tutorial_utils; print('keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_unknown_attribute_raises_attribute_error():
    try:
        tutorial_utils.no_such_function  # noqa: B018
    except AttributeError as error:
        assert "no_such_function" in str(error)
    else:
        raise AssertionError("expected AttributeError")
