"""Empirical Start-End spectra of any recurrent network, nonlinear included.

For a network ``f`` on sequences of length ``T``, a cut of the time steps into
a start side ``S`` and an end side ``E``, and a set of template inputs (the
one-hot vectors, or given input vectors such as embedding rows), the matrix

    A[a, b] = f(x_a on S, x_b on E)[channel]

has one row per assignment ``a`` of templates to the start positions and one
column per assignment ``b`` to the end positions.  For a RAC on one-hot
templates ``A`` is the grid matricization of the Start-End cut, whose rank is
the separation rank bounded in Levine et al. (2020); for any network its
singular values show how strongly the output couples the two halves.  When
there are more assignments than ``samples``, distinct assignments are drawn
at random (seeded), giving a submatrix whose rank is a lower bound on the
full matrix's.

Ranks of a float spectrum (tnrnn's definitions).  A trained network's matrix
is numerically full rank -- every singular value sits above machine
precision -- so the count above ``max(shape) * eps * s_max`` (the
*numerical rank*, kept as a secondary figure) says little.  The headline is
the *energy rank*: the smallest ``k`` with

    s_1^2 + ... + s_k^2 >= energy * (s_1^2 + ... + s_n^2)

(``energy = 0.9999`` by default: the best rank-``k`` approximation leaves at
most 1% of the Frobenius norm, ``sqrt(1 - energy)``, by Eckart-Young).  Beside
it, the *gap rank* is the ``k`` with the largest drop ``s_k / s_{k+1}``
among the singular values above the tolerance (and the drop to the first
one below it), with that ratio: a clear gap is a clear rank.

Centring (``centre=True``; the headline of every ``tnrnn train`` record).  A trained classifier's outputs have a large mean,
so the raw matrix is dominated by the constant matrix ``mean(A) * J``
(``J`` all ones): its first singular value is the mean output, and the
energy rank of almost every trained network reads 1.  With
``centre=True`` the headline spectrum is that of ``A - mean(A) J``; the
constant part is reported apart (:attr:`EmpiricalSpectrum.constant`, and
its share of the energy :attr:`EmpiricalSpectrum.constant_share`: since the
centred matrix sums to zero it is orthogonal to ``J``, so
``||A||_F^2 = ||A - mean J||_F^2 + mean^2 * rows * cols`` exactly).  Removing
a rank-one term changes the rank by at most one, so the centred rank is
within one of the raw rank.  The raw spectrum is kept beside it
(:attr:`~EmpiricalSpectrum.raw_singular_values`, :attr:`~EmpiricalSpectrum.raw_rank`),
and the numerical rank and its tolerance are always the raw matrix's (the
count that compares with exact ranks of a RAC).  The headline -- one rank
notion -- is :attr:`~EmpiricalSpectrum.rank`, the energy rank of the
centred spectrum; the gap rank and the effective rank are of the same
(centred) spectrum and labelled as such.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..backends import resolve
from ..circuits import RAC  # noqa: F401  (the examples use it)
from ..cuts import as_cut
from ..errors import InvalidParameterError
from ..limits import check_memory
from ..records import Record
from ..validation import check_positive_int
from .mapping import Imported
from .models import RecurrentModel

__all__ = ["DEFAULT_ENERGY", "EmpiricalSpectrum", "empirical_spectrum", "effective_rank", "spectral_ranks"]

#: The share of ``sum s_i^2`` the energy rank keeps by default.
DEFAULT_ENERGY = 0.9999


def effective_rank(singular_values) -> float:
    """``exp`` of the entropy of the normalised squared singular values.

    It is 1 for a rank-one matrix and ``k`` for ``k`` equal singular values;
    0 for the zero matrix.

    Examples
    --------
    >>> round(effective_rank([2.0, 2.0, 2.0]), 12)
    3.0
    >>> round(effective_rank([1.0, 0.1]), 4)
    1.0571
    """
    s = np.asarray(singular_values, dtype=np.float64)
    p = s**2
    total = p.sum()
    if total == 0:
        return 0.0
    p = p[p > 0] / total
    return float(np.exp(-np.sum(p * np.log(p))))


def spectral_ranks(singular_values, energy: float = DEFAULT_ENERGY, tol: float | None = None,
                   shape: tuple | None = None) -> tuple[int, int, float, int, float]:
    """The energy rank, the gap rank and its ratio, and the numerical rank of a spectrum.

    Parameters
    ----------
    singular_values : array
        Descending, non-negative.
    energy : float
        In (0, 1]: the share of ``sum s_i**2`` the energy rank keeps.
    tol : float, optional
        The numerical rank's tolerance; default ``max(shape) * eps * s_max``.
    shape : tuple of int, optional
        The matrix's shape, for the default tolerance (default ``(n, n)``).

    Returns
    -------
    (energy_rank, gap_rank, gap, numerical_rank, tolerance)
        ``gap`` is ``s_{k+1} / s_k`` at the gap rank ``k`` (0 when the next
        value is exactly 0; 1 for a single value).

    Examples
    --------
    Three dominant values, then a tail 200 times smaller:

    >>> s = [3.0, 2.0, 1.0] + [0.005] * 6
    >>> energy_rank, gap_rank, gap, numerical, tol = spectral_ranks(s)
    >>> energy_rank, gap_rank, round(gap, 4), numerical
    (3, 3, 0.005, 9)
    """
    s = np.asarray(singular_values, dtype=np.float64)
    if s.ndim != 1 or s.size == 0:
        raise InvalidParameterError("singular_values", s.shape, "a non-empty 1-d array")
    if not (isinstance(energy, (int, float)) and 0 < energy <= 1):
        raise InvalidParameterError("energy", energy, "a number in (0, 1]")
    n = s.size
    s_max = float(s[0])
    if tol is None:
        from ..validation import rank_tolerance

        tol = rank_tolerance(shape if shape is not None else (n, n), s_max)
    numerical = int(np.count_nonzero(s > tol))
    power = np.cumsum(s**2)
    total = float(power[-1])
    energy_rank = 0 if total == 0 else int(np.searchsorted(power, energy * total * (1 - 1e-12)) + 1)
    energy_rank = min(energy_rank, n)
    last = min(numerical, n - 1)  # drops s_k -> s_{k+1} for k = 1..last (the cliff below tol included)
    if numerical == 0:
        return energy_rank, 0, 0.0, 0, float(tol)
    if last == 0:
        return energy_rank, 1, 1.0, numerical, float(tol)
    with np.errstate(divide="ignore"):
        ratios = s[1:last + 1] / s[:last]
    k = int(np.argmin(ratios))
    return energy_rank, k + 1, float(ratios[k]), numerical, float(tol)


@dataclass(frozen=True, eq=False)
class EmpiricalSpectrum(Record):
    """The singular values of a sampled Start-End matrix of a network's outputs.

    Attributes
    ----------
    singular_values : numpy.ndarray
        Descending, float64, read-only; ``min(shape)`` of them.
    numerical_rank : int
        The number of singular values above ``tolerance`` (secondary: see
        the module docstring).
    tolerance : float
        The threshold used (by default ``max(shape) * eps * s_max``, ``eps``
        the float64 machine epsilon).
    effective_rank : float
        ``exp`` of the entropy of ``s**2 / sum(s**2)``.
    shape : tuple of int
        (rows, columns) = (start assignments, end assignments).
    exhaustive : bool
        Whether all assignments were used (else distinct random samples).
    samples : int
        The cap on assignments per side.
    seed : int or None
        Seed of the sampling.
    length, cut, channel, templates
        ``T``, the cut's name, the output channel, the number of templates.
    backend, device : str
        Where the network was evaluated.
    seconds : float
        Wall-clock time of the evaluation and the SVD.
    rank : int
        The headline rank: the energy rank at :attr:`energy`.
    energy : float
        The share of ``sum s_i**2`` that :attr:`rank` keeps.
    gap_rank : int
        Where the largest drop between consecutive singular values is.
    gap : float
        ``s_{k+1} / s_k`` at :attr:`gap_rank` ``k``.
    centred : bool
        Whether :attr:`singular_values` (and the ranks but the numerical one) are of the centred matrix.
    constant : float
        ``mean(A)``, the constant part removed by centring (reported whether or not it was removed).
    constant_share : float
        ``mean(A)^2 rows cols / ||A||_F^2``: the share of the energy in the constant part.
    raw_singular_values : numpy.ndarray or None
        The raw matrix's singular values (``None`` when not centred: then they are :attr:`singular_values`).
    raw_rank : int
        The energy rank of the raw spectrum.
    """

    singular_values: np.ndarray
    numerical_rank: int
    tolerance: float
    effective_rank: float
    shape: tuple
    exhaustive: bool
    samples: int
    seed: int | None
    length: int
    cut: str
    channel: int
    templates: int
    backend: str
    device: str
    seconds: float
    rank: int = 0
    energy: float = DEFAULT_ENERGY
    gap_rank: int = 0
    gap: float = 1.0
    centred: bool = False
    constant: float = 0.0
    constant_share: float = 0.0
    raw_singular_values: np.ndarray | None = None
    raw_rank: int = 0
    certified: dict | None = None

    @property
    def certified_note(self) -> str | None:
        """The numerical rank set beside the certified one (:func:`tnrnn.ranks.float_vs_certified`), if known."""
        from ..ranks.certify import float_vs_certified

        return float_vs_certified(self.numerical_rank, self.certified)

    @property
    def max_rank(self) -> int:
        """``min(shape)``: the largest rank the sampled matrix can have."""
        return int(min(self.shape))

    def to_dict(self) -> dict:
        """A JSON-safe dict of every field (singular values as a list of floats)."""
        return {
            "singular_values": [float(s) for s in self.singular_values],
            "numerical_rank": int(self.numerical_rank), "tolerance": float(self.tolerance),
            "effective_rank": float(self.effective_rank), "shape": [int(n) for n in self.shape],
            "max_rank": self.max_rank, "exhaustive": bool(self.exhaustive), "samples": int(self.samples),
            "seed": self.seed, "length": int(self.length), "cut": self.cut, "channel": int(self.channel),
            "templates": int(self.templates), "backend": self.backend, "device": self.device,
            "seconds": float(self.seconds), "rank": int(self.rank), "energy": float(self.energy),
            "gap_rank": int(self.gap_rank), "gap": float(self.gap), "centred": bool(self.centred),
            "constant": float(self.constant), "constant_share": float(self.constant_share),
            "raw_singular_values": None if self.raw_singular_values is None else [
                float(v) for v in self.raw_singular_values],
            "raw_rank": int(self.raw_rank), "certified": self.certified,
        }

    @classmethod
    def from_dict(cls, record: dict) -> EmpiricalSpectrum:
        """The spectrum a :meth:`to_dict` record describes (what ``tnrnn plot`` reads back)."""
        s = np.asarray(record["singular_values"], dtype=np.float64)
        s.setflags(write=False)
        fields = {k: record[k] for k in cls.__dataclass_fields__ if k in record and k != "singular_values"}
        fields["shape"] = tuple(fields.get("shape", (len(s), len(s))))
        if fields.get("raw_singular_values") is not None:
            raw = np.asarray(fields["raw_singular_values"], dtype=np.float64)
            raw.setflags(write=False)
            fields["raw_singular_values"] = raw
        return cls(singular_values=s, **fields)

    def __str__(self) -> str:
        sv = self.singular_values
        shown = ", ".join(f"{s:.3e}" for s in sv[:8]) + (", ..." if len(sv) > 8 else "")
        how = "all assignments" if self.exhaustive else f"{self.samples} sampled per side, seed {self.seed}"
        rows = [
            ("cut", f"{self.cut} (T={self.length})"),
            ("matrix", f"{self.shape[0]} x {self.shape[1]} ({how}; {self.templates} templates, channel {self.channel})"),
            ("rank", f"{self.rank} (energy rank{' of the centred matrix' if self.centred else ''}, "
                     f"{100 * self.energy:g}% of sum s^2)"),
            ("constant part", f"mean {self.constant:.4g}, {100 * self.constant_share:.2f}% of the energy"
                              + ("" if self.centred else " (not removed)")),
            ("gap rank", f"{self.gap_rank}{' (centred)' if self.centred else ''}: "
                         f"s{self.gap_rank + 1}/s{self.gap_rank} = {self.gap:.2e}"),
            ("raw energy rank", f"{self.raw_rank if self.centred else self.rank}"),
            ("numerical rank", f"{self.numerical_rank} of at most {self.max_rank} (raw matrix, tol {self.tolerance:.2e})"),
            ("effective rank", f"{self.effective_rank:.4f}{' (centred)' if self.centred else ''}"),
            ("singular values", shown),
            ("time", f"{self.seconds:.3f} s on {self.backend}:{self.device}"),
        ]
        if self.certified_note is not None:
            rows.insert(7, ("certified", self.certified_note))
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)

    def __repr__(self) -> str:
        return (f"EmpiricalSpectrum(shape={self.shape}, rank={self.rank}, centred={self.centred}, "
                f"numerical_rank={self.numerical_rank}, effective_rank={self.effective_rank:.4g})")


def _model_of(network):
    if isinstance(network, Imported):
        return network.model
    from ..circuits import Circuit
    from .mamba import MambaModel

    if isinstance(network, (Circuit, RecurrentModel, MambaModel)):
        if isinstance(network, Circuit) and network.modulus is not None:
            raise InvalidParameterError("network", network, "a float circuit (use the exact rank tools over GF(p))")
        return network
    if getattr(network, "arch", None) in ("lru", "s4d") and callable(network):   # tnrnn.memory.diagonal models
        return network
    if type(network).__module__.startswith("torch") or hasattr(network, "state_dict"):
        from .modules import from_module

        return from_module(network).model
    raise InvalidParameterError("network", type(network).__name__,
                                "a tnrnn.RAC or circuit, a RecurrentModel, a MambaModel, an Imported or a torch module")


def _assignments(K: int, n: int, samples: int, rng):
    """All ``K**n`` template assignments to ``n`` positions, or ``samples`` distinct random ones."""
    total = K**n
    if total <= samples:
        idx = np.arange(total)
        digits = (idx[:, None] // K ** np.arange(n - 1, -1, -1)[None, :]) % K
        return digits.astype(np.int64), True
    chosen: dict = {}
    while len(chosen) < samples:
        for row in rng.integers(0, K, size=(2 * (samples - len(chosen)), n)):
            chosen.setdefault(row.tobytes(), row)
            if len(chosen) == samples:
                break
    return np.stack(list(chosen.values())).astype(np.int64), False


def _backend_array(array, backend, device):
    target = resolve(backend, device, allowed=("numpy", "torch"))
    return target.asarray(array), target.device


def empirical_spectrum(network, length: int, *, cut="start-end", templates=None, samples: int = 256, seed=0,
                       channel: int = 0, tol: float | None = None, backend: str = "numpy", device=None,
                       batch_size: int | None = None, max_memory=None, energy: float = DEFAULT_ENERGY,
                       progress=None, centre: bool = False, certify: bool = False) -> EmpiricalSpectrum:
    """The empirical Start-End spectrum of a network.

    Parameters
    ----------
    network : RAC, GatedCircuit, RecurrentModel, MambaModel, DiagonalRecurrence, Imported or torch module
        Anything imported by :mod:`tnrnn.bridge` (a torch module is imported
        with :func:`from_module` first).
    length : int
        ``T``, the sequence length (even for the Start-End cut).
    cut : str or Cut
        The partition of the time steps (``"start-end"`` by default).
    templates : array, shape (K, M), optional
        The input vectors placed at each time step: one-hot vectors
        (``K = M``) by default, or e.g. the rows of an embedding matrix.
    samples : int
        At most this many assignments per side: all ``K**|S|`` (and
        ``K**|E|``) when they fit, else that many distinct ones drawn at
        random.
    seed : int or None
        Seed of the sampling.
    channel : int
        The output channel whose values form the matrix.
    tol : float, optional
        Singular values above ``tol`` count towards the numerical rank;
        default ``max(shape) * eps * s_max``.
    backend : {"numpy", "torch"}
        Where the network is evaluated (float64).
    device : str, optional
        A torch device with ``backend="torch"`` (default: CUDA when torch sees it, else the CPU; see :mod:`tnrnn.backends`).
    batch_size : int, optional
        Sequences evaluated per call; by default about 2**22 input entries.
    max_memory : int or str, optional
        Cap on the matrix's memory (default 4 GiB).
    energy : float
        The share of ``sum s**2`` the headline :attr:`~EmpiricalSpectrum.rank` keeps.
    progress : callable, optional
        Wraps the iterable of batches for a progress bar (e.g. ``tqdm.tqdm``).
    centre : bool
        Headline spectrum of ``A - mean(A)`` (the constant part reported
        apart, the raw spectrum beside it) or of ``A`` itself (default here,
        for the exact-rank comparisons of RACs; ``tnrnn train``'s records
        centre); see the module docstring.
    certify : bool
        When the network has an exact RAC form and the matrix is the whole
        grid matricization (one-hot templates, every assignment): also its
        certified rank (:func:`tnrnn.ranks.certified_rank`), kept in
        :attr:`~EmpiricalSpectrum.certified` and shown beside the numerical
        rank; otherwise the reason it does not apply.

    Returns
    -------
    EmpiricalSpectrum

    Examples
    --------
    A shallow RAC of width 3 on 2 inputs, T = 4: the 4 x 4 Start-End grid
    matrix has rank min(R, M**(T/2)) = 3 (Levine et al., 2020, Theorem 1).

    >>> rac = RAC.random(depth=1, hidden=3, inputs=2, seed=0)
    >>> spec = empirical_spectrum(rac, length=4)
    >>> spec.shape, spec.rank, spec.numerical_rank, spec.exhaustive
    ((4, 4), 3, 3, True)

    Centred, the rank moves by at most one; the raw numbers stay beside it:

    >>> spec = empirical_spectrum(rac, length=4, centre=True)
    >>> abs(spec.rank - spec.raw_rank) <= 1, spec.numerical_rank, spec.centred
    (True, 3, True)
    >>> empirical_spectrum(rac, length=4, certify=True).certified_note
    'certified rank 3 (GF(1048573) rank, grid engine, seed 0); the float rank agrees'
    """
    t0 = time.perf_counter()
    model = _model_of(network)
    c = as_cut(cut, length)
    samples = check_positive_int(samples, "samples")
    M = model.inputs
    default_templates = templates is None
    if templates is None:
        templates = np.eye(M)
    else:
        if hasattr(templates, "detach"):
            templates = templates.detach().cpu().double().numpy()
        templates = np.asarray(templates, dtype=np.float64)
        if templates.ndim != 2 or templates.shape[1] != M or templates.shape[0] < 1:
            raise InvalidParameterError("templates", templates.shape, f"an array of shape (K, {M})")
        if not np.all(np.isfinite(templates)):
            raise InvalidParameterError("templates", "non-finite values", "finite numbers")
    K = templates.shape[0]
    outputs = model.outputs
    if isinstance(channel, bool) or not isinstance(channel, (int, np.integer)) or not 0 <= channel < outputs:
        raise InvalidParameterError("channel", channel, f"an integer in 0..{outputs - 1}")
    if tol is not None and not (isinstance(tol, (int, float)) and math.isfinite(tol) and tol >= 0):
        raise InvalidParameterError("tol", tol, "a finite number >= 0")
    if not (isinstance(energy, (int, float)) and not isinstance(energy, bool) and 0 < energy <= 1):
        raise InvalidParameterError("energy", energy, "a number in (0, 1]")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise InvalidParameterError("seed", seed, "an integer or None")
    # every array below, estimated from the shapes first: the sampled assignments (drawn twice over), the
    # rows x cols sequences of T template indices, the matrix and its SVD, one batch of inputs
    def side(n):
        whole = n * math.log(K) <= math.log(samples) + 1e-9
        return (K**n if whole else samples), (0 if whole else 16 * samples * n) + 8 * samples * n

    (rows, assign_r), (cols, assign_c) = side(len(c.start)), side(len(c.end))
    check_memory(f"the {rows} x {cols} empirical matrix of length-{c.length} sequences",
                 assign_r + assign_c + 8.0 * rows * cols * (c.length + 2) + 2**25, max_memory,
                 "lower --samples (samples=) or --length")
    rng = np.random.default_rng(seed)
    starts, all_starts = _assignments(K, len(c.start), samples, rng)
    ends, all_ends = _assignments(K, len(c.end), samples, rng)
    rows, cols = len(starts), len(ends)
    check_memory(f"the {rows} x {cols} empirical matrix", 8.0 * rows * cols * 2, max_memory,
                 "lower samples=")
    T = c.length
    if batch_size is None:
        batch_size = max(1, 2**22 // (T * max(M, model.hidden)))
    batch_size = check_positive_int(batch_size, "batch_size")
    # A sequence is a row of template indices; rows of A run over starts, columns over ends.
    seq = np.empty((rows * cols, T), dtype=np.int64)
    seq[:, list(c.start)] = np.repeat(starts, cols, axis=0)
    seq[:, list(c.end)] = np.tile(ends, (rows, 1))
    table, dev = _backend_array(templates, backend, device)
    values = []
    batches = range(0, rows * cols, batch_size)
    for lo in (progress(batches) if progress is not None else batches):
        idx = seq[lo:lo + batch_size]
        if backend == "torch":
            import torch

            idx = torch.as_tensor(idx, device=table.device)
        X = table[idx]
        values.append(model(X)[:, channel])
    if backend == "torch":
        import torch

        A = torch.cat(values).reshape(rows, cols)
        finite = bool(torch.isfinite(A).all())
        s = torch.linalg.svdvals(A).cpu().numpy() if finite else None
        mean = float(A.mean()) if finite else 0.0
        total = float((A * A).sum()) if finite else 0.0
        s_c = torch.linalg.svdvals(A - A.mean()).cpu().numpy() if finite and centre else None
    else:
        A = np.concatenate(values).reshape(rows, cols)
        finite = bool(np.all(np.isfinite(A)))
        s = np.linalg.svd(A, compute_uv=False) if finite else None
        mean = float(A.mean()) if finite else 0.0
        total = float(np.sum(A * A)) if finite else 0.0
        s_c = np.linalg.svd(A - A.mean(), compute_uv=False) if finite and centre else None
    if not finite:
        raise InvalidParameterError("network", "non-finite outputs on the templates", "finite outputs")
    s = np.sort(np.asarray(s, dtype=np.float64))[::-1].copy()
    raw_rank, gap_rank, gap, numerical, tolerance = spectral_ranks(s, energy, tol, (rows, cols))
    share = 0.0 if total == 0 else min(1.0, mean * mean * rows * cols / total)
    headline, rank = s, raw_rank
    if centre:
        headline = np.sort(np.asarray(s_c, dtype=np.float64))[::-1].copy()
        # the raw tolerance (the noise floor of the evaluation), applied to the centred values
        rank, gap_rank, gap, _, _ = spectral_ranks(headline, energy, tolerance, (rows, cols))
    s.setflags(write=False)
    headline.setflags(write=False)
    certified = None
    if certify:
        certified = _certified(network, c, channel, default_templates, bool(all_starts and all_ends), max_memory)
    return EmpiricalSpectrum(
        singular_values=headline, numerical_rank=numerical, tolerance=float(tolerance),
        effective_rank=effective_rank(headline), shape=(rows, cols), exhaustive=bool(all_starts and all_ends),
        samples=samples, seed=None if seed is None else int(seed), length=T, cut=str(c), channel=int(channel),
        templates=K, backend=backend, device=dev, seconds=time.perf_counter() - t0, rank=rank,
        energy=float(energy), gap_rank=gap_rank, gap=gap, centred=bool(centre), constant=mean,
        constant_share=float(share), raw_singular_values=s if centre else None, raw_rank=raw_rank,
        certified=certified,
    )


def _certified(network, cut, channel, one_hot, exhaustive, max_memory) -> dict | None:
    """The certified rank of ``network``'s RAC form across ``cut`` when it is this matrix's rank, else why not."""
    rac = network if isinstance(network, RAC) else getattr(network, "rac", None)
    if rac is None:
        return None   # no multiplicative form: no certified rank to show
    if isinstance(network, Imported) and not network.exact:
        return {"reason": "the RAC form of this network is not exact (dropped: " + ", ".join(network.dropped) + ")"}
    if not (one_hot and exhaustive):
        return {"reason": "the matrix is sampled or uses other templates, so it is not the grid matricization"}
    from ..ranks.certify import certified_rank

    return certified_rank(rac, cut, cut.length, output=int(channel), max_memory=max_memory)
