"""Bring trained recurrent networks into tnrnn.

Import from torch modules (:func:`from_module`) or weight files
(:func:`load_weights`; ``.pt``/``.pth`` read with ``weights_only=True``,
``.safetensors``, ``.npz``), with every key's name and shape validated.
Networks that are recurrent arithmetic circuits (:class:`tnrnn.bridge.nn.RACModule`)
import exactly as a :class:`tnrnn.RAC`, so all exact rank tools apply; a
multiplicative-integration RNN imports as its RAC with the nonlinearity and
biases dropped (and says so); ``nn.RNN``, ``nn.GRU`` and ``nn.LSTM`` import as
a :class:`RecurrentModel` that reproduces them in numpy or torch.  Training
code's usual model (``Embedding -> LSTM -> Linear``) imports whole, with no
arguments: the architecture is detected and the embedding folded into the
input weights (:mod:`tnrnn.bridge.mapping`).  Any
imported network's Start-End coupling is then measured by
:func:`empirical_spectrum`.

Examples
--------
>>> import numpy as np
>>> from tnrnn import RAC
>>> from tnrnn.bridge import empirical_spectrum
>>> rac = RAC.random(depth=1, hidden=2, inputs=3, seed=0)
>>> empirical_spectrum(rac, length=4).numerical_rank
2
"""

from .empirical import DEFAULT_ENERGY, EmpiricalSpectrum, effective_rank, empirical_spectrum, spectral_ranks
from .files import WEIGHT_FORMATS, load_weights, read_state_dict
from .mapping import ARCHS, Imported, canonical_arch, detect_arch, from_state_dict
from .models import GATES, RECURRENT_ARCHS, RecurrentLayer, RecurrentModel, RecurrentOutputs
from .modules import from_module
from .sidecar import resolve_arch, sidecar_arch

__all__ = [
    "ARCHS",
    "DEFAULT_ENERGY",
    "GATES",
    "RECURRENT_ARCHS",
    "WEIGHT_FORMATS",
    "Imported",
    "RecurrentLayer",
    "RecurrentModel",
    "RecurrentOutputs",
    "EmpiricalSpectrum",
    "from_module",
    "from_state_dict",
    "load_weights",
    "read_state_dict",
    "canonical_arch",
    "detect_arch",
    "empirical_spectrum",
    "effective_rank",
    "spectral_ranks",
    "resolve_arch",
    "sidecar_arch",
]
