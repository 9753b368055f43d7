"""Doctest collection: skip the modules whose examples need torch when it is not installed."""

import importlib.util

_NEED_TORCH = ["tnrnn/bridge/nn.py", "tnrnn/bridge/modules.py", "tnrnn/memory/nn.py", "tnrnn/memory/training.py"]

collect_ignore = [] if importlib.util.find_spec("torch") else _NEED_TORCH
