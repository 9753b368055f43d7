"""Singular values of grid matricizations, by contraction.

Three routes (``method=``):

``"dense"``
    Contract the grid matricization ``M^{|S|} x M^{|E|}`` and take its SVD.
``"factors"``
    Split the network along its min-cut (:func:`tnrnn.network.mincut.mincut_bound`)
    into a start side ``A`` (``M^{|S|} x D``) and an end side ``B``
    (``D x M^{|E|}``), ``D`` the product of the crossing dimensions, contract
    each to its cut bonds, and take the singular values of ``R_A R_B^T`` from
    the QR factorizations ``A = Q_A R_A``, ``B^T = Q_B R_B`` (the ``Q``s are
    orthonormal, so ``AB`` and ``R_A R_B^T`` share their singular values).
    Nothing of size ``M^{|S|} x M^{|E|}`` is formed.
``"gram"``
    Contract the Gram matrices ``G_A = A^T A`` and ``G_B = B B^T`` (``D x D``)
    directly, as doubled networks (a matrix product state's environments for a
    shallow RAC and a prefix cut), never forming ``A`` or ``B``; the singular
    values of ``AB`` are those of ``G_A^{1/2} G_B^{1/2}`` (since
    ``(AB)^T AB = B^T G_A B`` is similar to ``G_A^{1/2} G_B G_A^{1/2}``).  The
    cost is polynomial in ``T``, but squaring the matrices squares their
    condition number: values below about ``sqrt(eps) s_max`` are not resolved,
    and the default tolerance says so.
``"auto"``
    ``dense`` if the cut bonds are no narrower than the smaller side
    (``D >= min(M^{|S|}, M^{|E|})``), else ``factors`` while the two side
    matrices have at most 2^22 entries, else ``gram``.

The default tolerance of the numerical rank is ``max(shape) * eps * s_max``
(numpy's ``matrix_rank``) for ``dense`` and ``factors``, ``shape`` being that
of the grid matricization, and ``sqrt(D * eps) * s_max`` for ``gram``, ``D``
the size of the Gram matrices.  Float spectra of deep RACs spread over many orders of
magnitude: a numerical rank is a statement about a tolerance, not the exact
rank (see :mod:`tnrnn.ranks.engines`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..backends import resolve
from ..cuts import as_cut
from ..errors import InvalidParameterError
from ..limits import check_memory, resolve_memory
from ..records import Record
from ..typing import BackendLike, CutLike, MemoryLike, OptimizeLike
from .contract import _contract_problem, matricize
from .core import CircuitNetwork, compile
from .mincut import mincut_bound
from .optimizers import DEFAULT_OPTIMIZER

__all__ = ["METHODS", "Spectrum", "spectrum"]

#: Values of ``method=``.
METHODS = ("auto", "dense", "factors", "gram")

#: ``auto`` uses ``factors`` while both side matrices have at most this many entries.
FACTORS_MAX_ENTRIES = 2**22


@dataclass(frozen=True, eq=False)
class Spectrum(Record):
    """Singular values of a grid matricization and its numerical rank.

    Attributes
    ----------
    singular_values : numpy.ndarray
        Sorted in descending order (read-only); at most
        ``min(shape + (bond_dimension,))`` values, the rest being zero.
    numerical_rank : int
        How many singular values exceed ``tolerance``.
    tolerance : float
        The absolute threshold used.
    tolerance_rule : str
        How ``tolerance`` was chosen.
    method : str
        ``"dense"``, ``"factors"`` or ``"gram"`` (the route taken).
    backend, device : str
    shape : tuple of int
        ``(M^{|S|}, M^{|E|})``.
    bond_dimension : int or None
        ``D``, the product of the cut bonds, for ``factors`` and ``gram``.
    cut : str
    seconds : float
        Wall-clock time of the contraction and decomposition.

    Examples
    --------
    >>> from tnrnn import RAC
    >>> s = spectrum(RAC.random(1, 3, 2, seed=0), "start-end", length=6)
    >>> s.numerical_rank, s.method, s.shape      # min(R, M^{T/2}) = 3
    (3, 'factors', (8, 8))
    """

    KIND = "spectrum"

    singular_values: np.ndarray
    numerical_rank: int
    tolerance: float
    tolerance_rule: str
    method: str
    backend: str
    device: str
    shape: tuple[int, int]
    bond_dimension: int | None
    cut: str
    seconds: float
    certified: dict | None = None

    def to_dict(self) -> dict:
        """A JSON-safe dict (singular values as a list of floats)."""
        return {
            "singular_values": [float(v) for v in self.singular_values],
            "numerical_rank": int(self.numerical_rank),
            "tolerance": float(self.tolerance),
            "tolerance_rule": self.tolerance_rule,
            "method": self.method,
            "backend": self.backend,
            "device": self.device,
            "shape": list(self.shape),
            "bond_dimension": self.bond_dimension,
            "cut": self.cut,
            "seconds": float(self.seconds),
            "certified": self.certified,
        }

    @property
    def certified_note(self) -> str | None:
        """The float rank set beside the certified one (:func:`tnrnn.ranks.float_vs_certified`), if known."""
        from ..ranks.certify import float_vs_certified

        return float_vs_certified(self.numerical_rank, self.certified)

    def __repr__(self) -> str:
        known = "" if not self.certified or "lower" not in self.certified else f", certified={self.certified['lower']}"
        return (f"Spectrum(shape={self.shape}, numerical_rank={self.numerical_rank}{known}, "
                f"tolerance={self.tolerance:.3g}, method={self.method!r})")

    def __str__(self) -> str:
        sv = self.singular_values
        shown = " ".join(f"{v:.4g}" for v in sv[:10]) + (f" ... ({len(sv)} values)" if len(sv) > 10 else "")
        bond = f", cut bonds D={self.bond_dimension}" if self.bond_dimension is not None else ""
        return (f"spectrum across {self.cut}: {self.shape[0]} x {self.shape[1]} matricization{bond}\n"
                f"  numerical rank {self.numerical_rank} at tolerance {self.tolerance:.3g} ({self.tolerance_rule})\n"
                f"  singular values: {shown}\n"
                f"  method {self.method}, backend {self.backend} ({self.device}), {self.seconds:.3g} s"
                + ("" if self.certified_note is None else f"\n  {self.certified_note}"))


# -- the two sides of a cut -----------------------------------------------------------------------
def _sides(network, cut, mincut):
    """Tensors of each side, with the crossing indices made into bonds.

    Returns ``(a_specs, a_arrays, b_specs, b_arrays, bonds)`` where ``specs``
    are index tuples.  A crossing *input* index ``x_t`` is both a row (or
    column) and a bond: the other side gets it renamed ``x_t~`` and this side
    an identity tensor joining ``x_t`` and ``x_t~``.
    """
    problem = network.problem()
    start_names = set(mincut.start_tensors)
    start_inputs = {f"x{t}" for t in cut.start}
    end_inputs = {f"x{t}" for t in cut.end}
    M = network.circuit.inputs
    rename_in_b = {k: k + "~" for k in mincut.bonds if k in start_inputs}
    rename_in_a = {k: k + "~" for k in mincut.bonds if k in end_inputs}
    a_inds, a_data, b_inds, b_data = [], [], [], []
    for s, data in zip(problem.specs, problem.arrays):
        if s.name in start_names:
            a_inds.append(tuple(rename_in_a.get(i, i) for i in s.inds))
            a_data.append(data)
        else:
            b_inds.append(tuple(rename_in_b.get(i, i) for i in s.inds))
            b_data.append(data)
    for k, new in rename_in_b.items():
        a_inds.append((k, new))
        a_data.append(np.eye(M))
    for k, new in rename_in_a.items():
        b_inds.append((new, k))
        b_data.append(np.eye(M))
    bonds = tuple(rename_in_b.get(k, rename_in_a.get(k, k)) for k in mincut.bonds)
    return a_inds, a_data, b_inds, b_data, bonds


def _contract(inds, data, output, optimize, backend, device, max_memory, what, slicing):
    size_dict = {i: int(d) for ii, a in zip(inds, data) for i, d in zip(ii, np.shape(a))}
    return _contract_problem(inds, data, output, size_dict, optimize, backend, device, max_memory, *slicing, what)


def _doubled(inds, data, shared):
    """Ket and bra copies of a side, interleaved, joined on the ``shared`` indices."""
    out_inds, out_data = [], []
    for ii, a in zip(inds, data):
        out_inds.append(ii)
        out_data.append(a)
        out_inds.append(tuple(i if i in shared else i + "'" for i in ii))
        out_data.append(a)
    return out_inds, out_data


def spectrum(rac_or_network, cut: CutLike = "start-end", *, length: int | None = None, method: str = "auto",
             backend: BackendLike = "numpy", device: str | None = None, tol: float | None = None,
             rtol: float | None = None, optimize: OptimizeLike = DEFAULT_OPTIMIZER,
             max_memory: MemoryLike = None, slice_to: int | None = None, slicing: bool = False,
             client=None, certify: bool = False) -> Spectrum:
    """Singular values and numerical rank of a grid matricization, by contraction.

    Parameters
    ----------
    rac_or_network : Circuit or CircuitNetwork
        A circuit (a RAC or any registered kind: ``ssm``, ``gla``) is
        compiled (output channel 0) for ``length`` steps.
    cut : Cut or str
        ``"start-end"`` (the default, as for :func:`tnrnn.cut_rank`), ``"interleaved"``, ``"prefix:S"``,
        ``"0,1|2,3"`` or a :class:`~tnrnn.cuts.Cut`.
    length : int, optional
        ``T``; required for a circuit, and must match a network's length.
    method : {"auto", "dense", "factors", "gram"}
        See the module docstring.
    backend : {"numpy", "torch", "cupy"}
    device : str, optional
        For torch, ``"cpu"`` or ``"cuda"`` (default: CUDA when available).
    tol : float, optional
        Absolute tolerance of the numerical rank.
    rtol : float, optional
        Tolerance relative to the largest singular value (instead of ``tol``).
    optimize : str, optimizer object or path
        Path optimizer for every contraction (see :mod:`tnrnn.network.optimizers`).
    max_memory : int, str or None
        Memory limit of the network, the min-cut and each contraction
        (default 4 GiB).  The results' sizes (``M^{|S|} x M^{|E|}`` for
        ``dense``, ``(M^{|S|} + M^{|E|}) D`` for ``factors``, ``2 D^2`` for
        ``gram``) are checked before any path search.
    slice_to, slicing
        cotengra slicing of each contraction; see
        :func:`tnrnn.network.contract.plan_contraction`.
    client : distributed.Client, optional
        Slice each contraction above ``max_memory`` and contract its slices
        on this Dask cluster (see :mod:`tnrnn.network.sliced`); the
        decomposition runs here.
    certify : bool
        Also compute the certified rank of the same weights
        (:func:`tnrnn.ranks.certified_rank`, refused beyond
        :data:`tnrnn.ranks.certify.CERTIFY_SECONDS` of estimated exact work)
        and keep it in :attr:`Spectrum.certified`, so that the float rank is
        shown beside it (``tnrnn spectrum`` does by default).

    Returns
    -------
    Spectrum

    Examples
    --------
    >>> from tnrnn import RAC, compile
    >>> net = compile(RAC.random(1, 4, 2, seed=3), 12)
    >>> s = spectrum(net, "start-end", method="gram")
    >>> s.numerical_rank, s.bond_dimension, s.shape
    (4, 4, (64, 64))
    >>> spectrum(net, "start-end", method="dense").numerical_rank
    4
    >>> from tnrnn.circuits import GatedCircuit
    >>> s = spectrum(GatedCircuit.random("ssm", 1, 3, 2, seed=0), "start-end", length=8)
    >>> s.numerical_rank, s.bond_dimension      # min(R + 1, M^4) = 4, through the MPS bond R + 1
    (4, 4)

    Beside the certified rank (the float SVD can undercount a spread spectrum):

    >>> s = spectrum(RAC.random(2, 2, 2, seed=0), length=6, certify=True)
    >>> s.certified["lower"], s.certified_note.startswith("certified rank 8")
    (8, True)
    """
    if isinstance(rac_or_network, CircuitNetwork):
        network = rac_or_network
        if length is not None and length != network.length:
            raise InvalidParameterError("length", length, f"{network.length}, the network's length, or None")
    else:
        if length is None:
            raise InvalidParameterError("length", None, "the number of time steps T when a circuit is given")
        network = compile(rac_or_network, length, max_memory=max_memory)
    if network.output is None:
        raise InvalidParameterError("output", None, "a network compiled with one output channel")
    if not isinstance(method, str) or method not in METHODS:
        raise InvalidParameterError("method", method, "one of " + ", ".join(METHODS))
    if not isinstance(slicing, bool):
        raise InvalidParameterError("slicing", slicing, "True or False")
    if not isinstance(certify, bool):
        raise InvalidParameterError("certify", certify, "True or False")
    for name, value in (("tol", tol), ("rtol", rtol)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not math.isfinite(value) or value < 0):
            raise InvalidParameterError(name, value, "a finite number >= 0")
    if tol is not None and rtol is not None:
        raise InvalidParameterError("rtol", rtol, "None when tol is given")
    target = resolve(backend, device)
    backend, device = target.name, target.device
    cut = as_cut(cut, network.length)
    M = network.circuit.inputs
    rows, cols = M ** len(cut.start), M ** len(cut.end)

    start = time.perf_counter()
    mc = mincut_bound(network, cut, max_memory=max_memory) if method != "dense" else None
    if method == "auto":
        D = mc.bound
        if D >= min(rows, cols):
            method = "dense"
        elif (rows + cols) * D <= FACTORS_MAX_ENTRIES:
            method = "factors"
        else:
            method = "gram"
    # the results alone, before any path search (which can take minutes on a big network)
    results = {"dense": (rows * cols, "the grid matricization"),
               "factors": (None if mc is None else (rows + cols) * mc.bound, "the two side matrices"),
               "gram": (None if mc is None else 2 * mc.bound**2, "the two Gram matrices")}
    entries, what = results[method]
    gram = results["gram"][0]
    hint = "use a smaller --length or --inputs, or raise --max-memory"
    if method != "gram" and gram is not None and 8 * gram <= resolve_memory(max_memory):
        hint = "the gram method's results fit (--method gram); or " + hint
    check_memory(f"{what} of the {method} method ({entries} entries)", 8 * entries, max_memory, hint)
    D = None
    sliced = (slice_to, slicing, client)
    if method == "dense":
        matrix = matricize(network, cut, optimize, backend, device=device, max_memory=max_memory,
                           slice_to=slice_to, slicing=slicing, client=client)
        values = target.svdvals(matrix)
    else:
        a_inds, a_data, b_inds, b_data, bonds = _sides(network, cut, mc)
        S = tuple(f"x{t}" for t in cut.start)
        E = tuple(f"x{t}" for t in cut.end)
        D = mc.bound
        if method == "factors":
            A = _contract(a_inds, a_data, S + bonds, optimize, backend, device, max_memory, "the start side", sliced)
            B = _contract(b_inds, b_data, bonds + E, optimize, backend, device, max_memory, "the end side", sliced)
            ra = target.qr_r(A.reshape(rows, D))
            rb = target.qr_r(B.reshape(D, cols).T)
            values = target.svdvals(ra @ rb.T)
        else:
            primed = tuple(b + "'" for b in bonds)
            gi, gd = _doubled(a_inds, a_data, set(S))
            GA = _contract(gi, gd, bonds + primed, optimize, backend, device, max_memory, "the start Gram matrix", sliced)
            gi, gd = _doubled(b_inds, b_data, set(E))
            GB = _contract(gi, gd, bonds + primed, optimize, backend, device, max_memory, "the end Gram matrix", sliced)
            values = target.svdvals(target.psd_sqrt(GA.reshape(D, D)) @ target.psd_sqrt(GB.reshape(D, D)))
    from autoray import to_numpy

    sv = np.sort(np.asarray(to_numpy(values), dtype=np.float64))[::-1].copy()
    seconds = time.perf_counter() - start
    sv.setflags(write=False)
    s_max = float(sv[0]) if sv.size else 0.0
    eps = float(np.finfo(np.float64).eps)
    if tol is not None:
        tolerance, rule = float(tol), "given (absolute)"
    elif rtol is not None:
        tolerance, rule = float(rtol) * s_max, f"rtol * s_max with rtol={rtol:g}"
    elif method == "gram":
        # the D x D Gram matrices are accurate to about eps relative (their contraction sums
        # over the rows in T/2 steps, not M^{|S|} at once), and squaring halves the digits
        tolerance, rule = math.sqrt(D * eps) * s_max, "sqrt(D * eps) * s_max (Gram route)"
    else:
        from ..validation import rank_tolerance

        tolerance, rule = rank_tolerance((rows, cols), s_max), "max(shape) * eps * s_max"
    return Spectrum(
        singular_values=sv, numerical_rank=int(np.sum(sv > tolerance)), tolerance=tolerance,
        tolerance_rule=rule, method=method, backend=backend, device=str(device), shape=(rows, cols),
        bond_dimension=D, cut=str(cut), seconds=seconds,
        certified=_certified(network, cut, max_memory) if certify else None,
    )


def _certified(network, cut, max_memory) -> dict:
    """The certified rank of the network's circuit (its float weights over GF(p)), or why it is not known."""
    from ..ranks.certify import certified_rank

    rac = network.rac
    if getattr(rac, "modulus", None) is not None:
        return {"reason": "the circuit is over GF(p): its rank is the exact tools' (tnrnn bounds)"}
    return certified_rank(rac, cut, network.length, output=network.output, max_memory=max_memory)
