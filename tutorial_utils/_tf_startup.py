"""TensorFlow's start-up log lines kept out of notebooks, its real errors kept in.

While TensorFlow (2.16 and later) loads, its C++ code writes log lines straight to file
descriptor 2 *before* absl logging is initialised, so ``TF_CPP_MIN_LOG_LEVEL`` does not apply
to them: "All log messages before absl::InitializeLog() is called are written to STDERR", the
oneDNN notice, "Could not find cuda drivers on your machine", and, at the first device look-up,
"failed call to cuInit" on machines without a GPU. A Jupyter kernel forwards descriptor 2 to the
notebook, so each shows up as a pink stderr box under the learner's import cell.

:func:`install` adds an import hook: the first ``import tensorflow`` (by Keras or anyone) runs
with descriptor 2 pointed at a temporary file, enumerates the devices (where CUDA start-up logs),
then restores descriptor 2 and writes back every captured line except

- glog/absl lines below ``TF_CPP_MIN_LOG_LEVEL`` (0 keeps all; 1 drops I; 2 drops I and W;
  3 drops I, W and E), the threshold TensorFlow applies itself once its logging is up;
- absl's "All log messages before absl::InitializeLog()" banner;
- "failed call to cuInit" when this machine has no NVIDIA device (``/dev/nvidiactl``), and the
  "Unable to register cuDNN/cuFFT/cuBLAS factory" duplicates of the CUDA wheels (harmless).

Everything else (Python warnings in a plain interpreter, fatal messages, unknown lines) is
written back unchanged, in order. Only the import itself is captured: a process that crashes
inside ``import tensorflow`` loses the captured lines.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import re
import sys
import tempfile

_GLOG = re.compile(r"^([IWEF])\d{4} \S+\s+\d+ [^\]]+\] (.*)$")
_SEVERITY = {"I": 0, "W": 1, "E": 2, "F": 3}
_BANNER = "All log messages before absl::InitializeLog() is called are written to STDERR"
_ALWAYS_NOISE = re.compile(r"Unable to register cu(DNN|FFT|BLAS) factory")
_NO_GPU_NOISE = re.compile(r"failed call to cuInit")


def keep_line(line: str, min_level: int, has_gpu: bool) -> bool:
    """Whether a line TensorFlow printed during start-up should reach the user."""
    if _BANNER in line:
        return False
    match = _GLOG.match(line)
    if not match:
        return True
    severity, message = _SEVERITY[match.group(1)], match.group(2)
    if severity < 3 and severity < min_level:
        return False
    if _ALWAYS_NOISE.search(message):
        return False
    return not (not has_gpu and _NO_GPU_NOISE.search(message))


def filter_startup_output(text: str, min_level: int, has_gpu: bool) -> str:
    """The lines of ``text`` that :func:`keep_line` keeps, joined again."""
    lines = text.splitlines(keepends=True)
    return "".join(line for line in lines if keep_line(line.rstrip("\n"), min_level, has_gpu))


def _min_level() -> int:
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        return 0


class _CapturedFd2:
    """Context manager: descriptor 2 goes to a temporary file; on exit it is restored and the
    kept lines are written back to it."""

    def __enter__(self):
        sys.stderr.flush()
        self._saved = os.dup(2)
        self._file = tempfile.TemporaryFile(mode="w+b")
        os.dup2(self._file.fileno(), 2)
        return self

    def __exit__(self, *exc):
        try:
            sys.stderr.flush()
        except Exception:  # a closed or odd sys.stderr must not keep descriptor 2 redirected
            pass
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._file.seek(0)
        text = self._file.read().decode("utf-8", errors="replace")
        self._file.close()
        kept = filter_startup_output(text, _min_level(), os.path.exists("/dev/nvidiactl"))
        if kept:
            os.write(2, kept.encode("utf-8"))
        return False


class _QuietLoader(importlib.abc.Loader):
    """Wraps TensorFlow's own loader: its module code runs inside :class:`_CapturedFd2`."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        with _CapturedFd2():
            self._loader.exec_module(module)
            try:  # CUDA initialises (and logs) at the first device look-up
                module.config.list_physical_devices()
            except Exception:
                pass

    def __getattr__(self, name):
        return getattr(self._loader, name)


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` with the other finders, then wraps its loader (once)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        uninstall()
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _QuietLoader(spec.loader)
        return spec


_FINDER = _QuietTensorFlowFinder()


def install() -> None:
    """Capture TensorFlow's start-up lines at its first import (no-op once it is imported)."""
    if "tensorflow" not in sys.modules and _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    """Remove the import hook (it removes itself when TensorFlow is first found)."""
    while _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
