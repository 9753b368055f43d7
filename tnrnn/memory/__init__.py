"""Memory functions, Hankel analysis and the curse of memory of linear RNNs (Li, Han, E, Li, ICLR 2021).

The memory-ability measures of trained units (capacity, retention, horizon,
Lyapunov spectra, the comparison) are the other track, :mod:`tnrnn.measures`.

One module per concern::

    linear.py     LinearRNN (W, U, c), closed-form kernels c e^{Ws} U and c W^k U   numpy/scipy
    functions.py  memory_function (step-response estimator for any model), decay, horizon
    targets.py    the paper's targets (exp, pol, shift, twoparts, airy, sin), data generation
    hankel.py     Hankel matrices and spectra, exact GF(p) rank, minimal widths,
                  balanced truncation with the AAK lower / truncation upper bounds
    nn.py         LinearRNNModule (torch)                                            torch
    training.py   fit_linear_rnn (Adam / gradient descent), plateau_length           torch
    curse.py      the approximation and plateau experiments, streamed as JSON records

Importing this package imports numpy only; scipy is imported by the functions
that use it, torch only by the training and export functions.

>>> from tnrnn.memory import LinearRNN, hankel_rank_exact
>>> rnn = LinearRNN([[1, 1], [1, 0]], [1, 0], [1, 0])        # Fibonacci
>>> [int(v) for v in rnn.kernel(range(8))]
[1, 1, 2, 3, 5, 8, 13, 21]
>>> hankel_rank_exact([1, 1, 2, 3, 5, 8, 13, 21, 34]).rank
2
"""

from .functions import DECAY_KINDS, DecayFit, MemoryFunction, classify_decay, memory_function, memory_horizon
from .hankel import (
    ExactHankelRank,
    HankelSpectrum,
    Truncation,
    at_noise_floor,
    balanced_truncation,
    fir_realization,
    gramian_factors,
    gramians,
    hankel_matrix,
    hankel_rank_exact,
    hankel_singular_values,
    hankel_spectrum,
    noise_floor,
    realize_section,
    truncate_kernel,
)
from .linear import LinearRNN, continuous_kernel, discrete_kernel
from .targets import INPUT_KINDS, TARGETS, Target, generate_data, sample_kernel, target
from .widths import KernelError, MinimalWidth, kernel_error, minimal_width, section_bound

__all__ = [
    "LinearRNN", "continuous_kernel", "discrete_kernel",
    "MemoryFunction", "memory_function", "DecayFit", "classify_decay", "memory_horizon", "DECAY_KINDS",
    "Target", "TARGETS", "target", "sample_kernel", "generate_data", "INPUT_KINDS",
    "hankel_matrix", "HankelSpectrum", "hankel_spectrum", "ExactHankelRank", "hankel_rank_exact",
    "fir_realization", "gramians", "gramian_factors", "hankel_singular_values", "Truncation", "balanced_truncation",
    "truncate_kernel", "KernelError", "kernel_error", "MinimalWidth", "minimal_width", "section_bound", "realize_section",
    "noise_floor", "at_noise_floor",
]
