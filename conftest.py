"""Doctest collection: skip the modules whose examples need an optional package that is not installed.

Tests get their own cache of contraction paths (``TNRNN_CACHE_DIR``), so they never read or write the user's.
"""

import importlib.util
import os
import tempfile

_NEED_TORCH = ["tnrnn/bridge/nn.py", "tnrnn/bridge/modules.py", "tnrnn/tasks/models.py", "tnrnn/tasks/training.py",
               "tnrnn/memory/nn.py", "tnrnn/memory/training.py", "tnrnn/measures/horizon.py", "tnrnn/measures/lyapunov.py",
               "tnrnn/measures/compare.py", "tnrnn/tasks/batched.py", "tnrnn/tasks/teacher_train.py"]
_missing = [p for p in _NEED_TORCH if not os.path.exists(os.path.join(os.path.dirname(__file__), p))]
assert not _missing, f"conftest lists modules that do not exist: {_missing}"   # a moved module must move here too

collect_ignore = [] if importlib.util.find_spec("torch") else [*_NEED_TORCH, "docs/modern.rst"]
if importlib.util.find_spec("pandas") is None:
    collect_ignore.append("tnrnn/results.py")

os.environ.setdefault("TNRNN_CACHE_DIR", tempfile.mkdtemp(prefix="tnrnn-test-paths-"))
if importlib.util.find_spec("sklearn") is None:
    collect_ignore.append("tnrnn/tasks/data.py")  # the Digits example reads scikit-learn's bundled digits
if importlib.util.find_spec("numba") is None:  # the compiled engine kernels import numba at module level
    collect_ignore.append("tnrnn/ranks/_numba_kernels.py")
