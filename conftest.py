"""Doctest collection: skip the modules whose examples need an optional package that is not installed."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("torch") else [
    "tnrnn/bridge/nn.py", "tnrnn/bridge/modules.py", "tnrnn/tasks/models.py", "tnrnn/tasks/training.py",
]
if importlib.util.find_spec("sklearn") is None:
    collect_ignore.append("tnrnn/tasks/data.py")  # the Digits example reads scikit-learn's bundled digits
