"""Memory functions and the curse of memory of linear RNNs (Li, Han, E, Li, ICLR 2021).

One module per concern::

    linear.py     LinearRNN (W, U, c), closed-form kernels c e^{Ws} U and c W^k U   numpy/scipy
    functions.py  memory_function (step-response estimator for any model), decay, horizon
    targets.py    the paper's targets (exp, pol, shift, twoparts, airy, sin), data generation
    hankel.py     Hankel matrices and spectra, exact GF(p) rank, minimal widths,
                  balanced truncation with the AAK lower / truncation upper bounds
    nn.py         LinearRNNModule (torch)                                            torch
    training.py   fit_linear_rnn (Adam / gradient descent), plateau_length           torch
    curse.py      the approximation and plateau experiments, streamed as JSON records
    registry.py   named memory measures (register, list_measures, measure): new measures plug in here
    drive.py      any model as a driven system: state, step map, readout; EchoStateNetwork
    capacity.py   short-term memory capacity MC_k, MC (Jaeger 2001), ridge readouts
    retention.py  lag retention and semantic recoverability of linear probes, memory length (tnrnn's own)
    horizon.py    gradient memory horizon ||dy_T/dx_(T-k)|| (torch autograd)                 torch
    lyapunov.py   Lyapunov spectrum of the driven state map (QR method)                     torch
    compare.py    the unit x training-length comparison (tasks' SES data and models)        torch

Importing this package imports numpy only; scipy is imported by the functions
that use it, torch only by the training and export functions.

>>> from tnrnn.memory import LinearRNN, hankel_rank_exact
>>> rnn = LinearRNN([[1, 1], [1, 0]], [1, 0], [1, 0])        # Fibonacci
>>> [int(v) for v in rnn.kernel(range(8))]
[1, 1, 2, 3, 5, 8, 13, 21]
>>> hankel_rank_exact([1, 1, 2, 3, 5, 8, 13, 21, 34]).rank
2
"""

from .capacity import MemoryCapacity, capacity_from_states, memory_capacity, ridge_fit
from .drive import EchoStateNetwork, Stepper, hidden_states, stepper
from .functions import DECAY_KINDS, DecayFit, MemoryFunction, classify_decay, memory_function, memory_horizon
from .hankel import (
    ExactHankelRank,
    HankelSpectrum,
    KernelError,
    MinimalWidth,
    Truncation,
    balanced_truncation,
    fir_realization,
    gramian_factors,
    gramians,
    hankel_matrix,
    hankel_rank_exact,
    hankel_singular_values,
    hankel_spectrum,
    kernel_error,
    minimal_width,
    realize_section,
    section_bound,
    truncate_kernel,
)
from .horizon import GradientHorizon, gradient_horizon
from .linear import LinearRNN, continuous_kernel, discrete_kernel
from .lyapunov import LyapunovSpectrum, lyapunov_spectrum, state_jacobians
from .registry import MEASURES, Measure, get_measure, list_measures, measure, register
from .retention import Retention, lag_retention, memory_length
from .targets import INPUT_KINDS, TARGETS, Target, generate_data, sample_kernel, target

__all__ = [
    "LinearRNN", "continuous_kernel", "discrete_kernel",
    "MemoryFunction", "memory_function", "DecayFit", "classify_decay", "memory_horizon", "DECAY_KINDS",
    "Target", "TARGETS", "target", "sample_kernel", "generate_data", "INPUT_KINDS",
    "hankel_matrix", "HankelSpectrum", "hankel_spectrum", "ExactHankelRank", "hankel_rank_exact",
    "fir_realization", "gramians", "gramian_factors", "hankel_singular_values", "Truncation", "balanced_truncation",
    "truncate_kernel", "KernelError", "kernel_error", "MinimalWidth", "minimal_width", "section_bound", "realize_section",
    "Measure", "MEASURES", "register", "list_measures", "get_measure", "measure",
    "EchoStateNetwork", "Stepper", "stepper", "hidden_states", "MemoryCapacity", "memory_capacity",
    "capacity_from_states", "ridge_fit", "Retention", "lag_retention", "memory_length", "GradientHorizon",
    "gradient_horizon", "LyapunovSpectrum", "lyapunov_spectrum", "state_jacobians",
]
