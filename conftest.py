"""Doctest collection: skip the modules whose examples need torch when it is not installed."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("torch") else ["tnrnn/bridge/nn.py", "tnrnn/bridge/modules.py"]
if importlib.util.find_spec("numba") is None:  # the compiled engine kernels import numba at module level
    collect_ignore.append("tnrnn/ranks/_numba_kernels.py")
