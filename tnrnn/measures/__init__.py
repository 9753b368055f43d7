"""Memory-ability measures of trained units (Zhang, Li, Hua, Song, 2020, and established ones).

The other track, memory functions, Hankel spectra and the curse of memory of
linear RNNs, is :mod:`tnrnn.memory`.  One module per concern::

    registry.py   named memory measures (register, list_measures, measure): new measures plug in here
    drive.py      any model as a driven system: state, step map, readout; EchoStateNetwork
    quality.py    degenerate states (n/a with the reason), jackknife errors, censored values
    capacity.py   short-term memory capacity MC_k, MC (Jaeger 2001): bias-corrected, standard errors, closed form
    retention.py  lag retention and semantic recoverability, linear and kernel probes, areas (tnrnn's own)
    horizon.py    gradient memory horizon ||dy_T/dx_(T-k)|| (torch autograd)                 torch
    lyapunov.py   Lyapunov spectrum of the driven state map (QR method)                     torch
    compare.py    trained units x training lengths x 10 seeds: intervals, tests, flags        torch

The names below are imported from their modules when first used (PEP 562),
so ``import tnrnn.measures`` imports neither torch nor the memory track, and
:mod:`tnrnn.memory` can register its measures in :mod:`.registry` without an
import cycle.

>>> from tnrnn.measures import EchoStateNetwork, memory_capacity
>>> esn = EchoStateNetwork.random(20, spectral_radius=0.5, seed=0)
>>> round(memory_capacity(esn, lags=10, seed=0).total, 1) > 1
True
"""

from __future__ import annotations

import importlib

#: public name -> module of this package that defines it
_NAMES = {
    "Measure": "registry", "MEASURES": "registry", "register": "registry", "list_measures": "registry",
    "get_measure": "registry", "measure": "registry",
    "EchoStateNetwork": "drive", "Stepper": "drive", "stepper": "drive", "hidden_states": "drive",
    "MemoryCapacity": "capacity", "memory_capacity": "capacity", "capacity_from_states": "capacity",
    "ridge_fit": "capacity", "linear_capacity": "capacity", "state_degeneracy": "quality", "Censored": "quality",
    "Retention": "retention", "lag_retention": "retention", "memory_length": "retention",
    "GradientHorizon": "horizon", "gradient_horizon": "horizon",
    "LyapunovSpectrum": "lyapunov", "lyapunov_spectrum": "lyapunov", "state_jacobians": "lyapunov",
}

__all__ = list(_NAMES)


def __getattr__(name: str):
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_NAMES))
