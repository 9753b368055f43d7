"""Doctest collection: skip the modules whose examples need an optional package that is not installed."""

import importlib.util

_NEED_TORCH = ["tnrnn/bridge/nn.py", "tnrnn/bridge/modules.py", "tnrnn/tasks/models.py", "tnrnn/tasks/training.py",
               "tnrnn/memory/nn.py", "tnrnn/memory/training.py", "tnrnn/memory/horizon.py", "tnrnn/memory/lyapunov.py",
               "tnrnn/memory/compare.py"]

collect_ignore = [] if importlib.util.find_spec("torch") else list(_NEED_TORCH)
if importlib.util.find_spec("sklearn") is None:
    collect_ignore.append("tnrnn/tasks/data.py")  # the Digits example reads scikit-learn's bundled digits
