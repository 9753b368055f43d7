"""Teachers with certified error floors: the teacher's grid, its Start-End spectrum, and the Eckart-Young floors.

A *teacher* is a circuit of any registered kind (:mod:`tnrnn.circuits`) with
one output.  On inputs ``M`` and length ``T`` (even) its *grid* is the vector
of its outputs on all ``M^T`` one-hot sequences, in lexicographic order with
``x_0`` the most significant symbol; reshaped to ``M^(T/2) x M^(T/2)`` it is
the Start-End matricization ``A``.  A student whose Start-End rank is at most
``r`` has a matricization ``B`` of rank at most ``r``, so by Eckart-Young

    ||A - B||_F^2 / ||A||_F^2  >=  floor(r) = sum_{k > r} sigma_k^2 / sum_k sigma_k^2,

whatever its weights: a floor no training can beat.  For a RAC student the
rank bound ``r`` is :func:`tnrnn.ranks.bounds.closed_form_upper` (depth 1:
``R``, Theorem 1 of Levine et al.).

Teacher construction (``init``)
-------------------------------
``"spread"`` (default)
    Every square parameter (``rac``'s ``W^H``) and every parameter of the
    layers above the first is a Haar-random orthogonal ``R x R`` matrix; the
    first layer's input parameters have entries ``+-1`` (Rademacher); the
    readout ``W^O`` is ``N(0, 1/R)``.  The factors a one-hot input selects then
    all have modulus 1, so no few sequences dominate the grid: random
    Gaussian deep RACs have Start-End spectra so concentrated that the floor
    at small widths is often below ``1e-6`` (measured: docs/teacher.rst).
``"gaussian"``
    :func:`tnrnn.circuits.random_circuit` (entries ``N(0, 1/fan_in)``).

The rule (:func:`choose_teacher`): draw the teacher with seed ``seed``,
``seed + 1``, ... and keep the first whose floor at ``width`` (the depth-1
student's width) is at least ``min_floor`` (0.05 by default) at every length
of the run; refuse after ``max_tries`` draws, naming the best floor seen.
Every draw tried is recorded.

Examples
--------
>>> from tnrnn.circuits import RAC
>>> import numpy as np
>>> rac = RAC([np.eye(2)], [np.array([[1.0, 2.0], [3.0, 4.0]])], np.array([[1.0, 1.0]]))
>>> grid_values(rac, 2)          # f(a, b) = sum_i W^I[i, a] W^I[i, b]
array([10., 14., 14., 20.])
>>> sigma2 = start_end_spectrum(grid_values(rac, 2), 2, 2)   # A = [[10, 14], [14, 20]]: eigenvalues 15 +- sqrt(221)
>>> round(floor_at(sigma2, 1), 6), floor_at(sigma2, 2)       # (15 - sqrt(221))^2 / ((15 - ..)^2 + (15 + ..)^2)
(2e-05, 0.0)
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InvalidParameterError
from ..limits import check_memory
from ..validation import check_positive_int

__all__ = ["TEACHER_INITS", "DEFAULT_MIN_FLOOR", "MAX_TRIES", "grid_values", "grid_memory", "start_end_spectrum",
           "floor_at", "draw_teacher", "choose_teacher", "save_teacher", "load_teacher", "teacher_arrays",
           "circuit_from_layers"]

#: Teacher constructions (module docstring).
TEACHER_INITS = ("spread", "gaussian")

#: The least floor at the depth-1 student's width a teacher must have (``--min-floor``).
DEFAULT_MIN_FLOOR = 0.05

#: Teacher draws tried before :func:`choose_teacher` gives up.
MAX_TRIES = 200


def _check_length(length) -> int:
    T = check_positive_int(length, "length", 2)
    if T % 2:
        raise InvalidParameterError("length", length, "an even integer >= 2 (the Start-End cut halves it)")
    return T


def grid_memory(circuit, length: int) -> int:
    """Bytes :func:`grid_values` and :func:`start_end_spectrum` need for ``circuit`` at ``length``.

    The states of all ``M^T`` sequences (every layer, float64), the copies
    made when extending the prefixes, the step's temporaries, and the SVD's
    workspace.

    Examples
    --------
    >>> from tnrnn.circuits import RAC
    >>> grid_memory(RAC.random(2, 3, 3), 10) == 8 * 3**10 * (4 * 2 * 3 + 3 + 1 + 4)
    True
    """
    T = _check_length(length)
    n = circuit.inputs ** T
    state = circuit.layer_kind.state_size(circuit.hidden)
    return 8 * n * (4 * circuit.depth * state + circuit.inputs + circuit.outputs + 4)


def grid_values(circuit, length: int, *, outputs: str = "first", max_memory=None) -> np.ndarray:
    """The first output (``outputs="all"``: every output, (M^T, C)) of ``circuit`` on all ``M^T`` one-hot
    sequences (float64, ``x_0`` most significant).

    Prefixes are extended one step at a time (all ``M^t`` prefixes of
    length ``t`` share their states), through the circuit's own registered
    step (:meth:`tnrnn.circuits.Circuit.advance`), so the cost is about
    ``M^T * M / (M - 1)`` steps rather than ``T * M^T``.

    Raises
    ------
    MemoryLimitError
        When :func:`grid_memory` is above ``max_memory``.
    """
    T = _check_length(length)
    if circuit.modulus is not None:
        raise InvalidParameterError("circuit", repr(circuit), "a float circuit")
    M = circuit.inputs
    check_memory(f"the grid of {M}^{T} sequences", grid_memory(circuit, T), max_memory,
                 "lower --length or --inputs")
    eye = np.eye(M)
    states = circuit.start_states()
    top, n = None, 1
    for _ in range(T):
        states = [None if s is None else np.repeat(s, M, axis=0) for s in states]
        top = circuit.advance(states, np.tile(eye, (n, 1)))
        n *= M
    wo = np.asarray(circuit.output_weights, dtype=np.float64)
    if outputs == "all":
        return np.ascontiguousarray(top @ wo.T)
    if outputs != "first":
        raise InvalidParameterError("outputs", outputs, "'first' or 'all'")
    return np.ascontiguousarray((top @ wo[:1].T)[:, 0])


def start_end_spectrum(values, inputs: int, length: int) -> np.ndarray:
    """``sigma_k^2 / sum sigma^2`` of the Start-End matricization of a grid, descending (float64 SVD)."""
    T = _check_length(length)
    M = check_positive_int(inputs, "inputs")
    v = np.asarray(values, dtype=np.float64)
    if v.shape != (M ** T,):
        raise InvalidParameterError("values", v.shape, f"a grid of {M}^{T} values")
    s = np.linalg.svd(v.reshape(M ** (T // 2), -1), compute_uv=False)
    s2 = s.astype(np.float64) ** 2
    total = s2.sum()
    if not total > 0:
        raise InvalidParameterError("values", "a zero grid", "a teacher whose grid is not identically zero")
    return s2 / total


def floor_at(sigma2, rank: int) -> float:
    """The Eckart-Young floor ``sum_{k > rank} sigma_k^2 / sum_k sigma_k^2`` of a normalised spectrum.

    Examples
    --------
    >>> floor_at([0.5, 0.3, 0.2], 1), floor_at([0.5, 0.3, 0.2], 3)
    (0.5, 0.0)
    """
    s = np.asarray(sigma2, dtype=np.float64)
    r = int(rank)
    if r < 0:
        raise InvalidParameterError("rank", rank, "an integer >= 0")
    if r >= s.size:
        return 0.0
    return float(np.sort(s[r:]).sum() / s.sum())   # the tail summed from its smallest terms


def _haar(rng, R):
    q, r = np.linalg.qr(rng.standard_normal((R, R)))
    return q * np.sign(np.diag(r))[None, :]


def circuit_from_layers(kind: str, layers, output_weights):
    """A float circuit of ``kind`` from per-layer dicts named as the kind's ``params`` and ``W^O``.

    Examples
    --------
    >>> t = draw_teacher("gla", 2, 2, 3, seed=0)
    >>> same = circuit_from_layers("gla", t.layer_params(), t.output_weights)
    >>> bool(np.array_equal(grid_values(same, 4), grid_values(t, 4)))
    True
    """
    from ..circuits import RAC, circuit_class, layer_kind

    k = layer_kind(kind)
    if circuit_class(k.name) is RAC:
        return RAC([lp["WH"] for lp in layers], [lp["WI"] for lp in layers], output_weights)
    from ..circuits import GatedCircuit

    return GatedCircuit(k.name, tuple({name: lp[name] for name in k.params} for lp in layers), output_weights)


def draw_teacher(kind: str, depth: int, hidden: int, inputs: int, seed: int = 0, init: str = "spread"):
    """One teacher circuit (one output) drawn with ``seed`` by the construction ``init`` (module docstring).

    Examples
    --------
    >>> t = draw_teacher("rac", 2, 3, 3, seed=0)
    >>> sorted(set(np.abs(t.input_weights[0]).ravel().tolist()))
    [1.0]
    >>> bool(np.allclose(t.hidden_weights[1] @ t.hidden_weights[1].T, np.eye(3)))
    True
    """
    from ..circuits import layer_kind, random_circuit
    from ..validation import check_choice, check_seed

    k = layer_kind(kind)
    L, R, M = (check_positive_int(v, n) for v, n in ((depth, "depth"), (hidden, "hidden"), (inputs, "inputs")))
    check_seed(seed)
    init = check_choice(init, "init", TEACHER_INITS)
    if init == "gaussian":
        return random_circuit(k.name, L, R, M, 1, seed=seed)
    rng = np.random.default_rng(seed)
    layers = []
    for layer in range(L):
        lp = {}
        for name in k.params:
            if name in k.square or layer > 0:
                lp[name] = _haar(rng, R)
            else:
                lp[name] = rng.choice(np.array([-1.0, 1.0]), size=(R, M))
        layers.append(lp)
    return circuit_from_layers(k.name, layers, rng.standard_normal((1, R)) / np.sqrt(R))


def choose_teacher(kind: str, depth: int, hidden: int, inputs: int, lengths, width: int, *, seed: int = 0,
                   init: str = "spread", min_floor: float = DEFAULT_MIN_FLOOR, max_tries: int = MAX_TRIES,
                   max_memory=None):
    """The first teacher from ``seed`` on whose floor at ``width`` is at least ``min_floor`` at every length.

    Returns
    -------
    teacher : Circuit
    info : dict
        ``seed`` (the one kept), ``tries`` (``[seed, least floor over the
        lengths]`` of every draw, the kept one last), ``rule`` (in words),
        ``spectra`` (length -> normalised ``sigma^2``) and ``grids`` (length
        -> grid values) of the kept teacher.

    Raises
    ------
    InvalidParameterError
        When no draw qualifies within ``max_tries`` (the best floor seen is named).

    Examples
    --------
    >>> t, info = choose_teacher("rac", 2, 4, 3, [6], width=2, seed=0)
    >>> info["tries"][-1][1] >= 0.05
    True
    """
    from ..validation import check_finite

    lengths = [_check_length(T) for T in lengths]
    width = check_positive_int(width, "width")
    min_floor = check_finite(min_floor, "min_floor", low=0.0, high=1.0)
    max_tries = check_positive_int(max_tries, "max_tries")
    for T in lengths:
        check_memory(f"the grid of {inputs}^{T} sequences", grid_memory(draw_teacher(kind, depth, hidden, inputs, seed,
                                                                                       init), T), max_memory,
                     "lower --length or --inputs")
    tries = []
    for s in range(seed, seed + max_tries):
        teacher = draw_teacher(kind, depth, hidden, inputs, s, init)
        grids = {T: grid_values(teacher, T, max_memory=max_memory) for T in lengths}
        spectra = {T: start_end_spectrum(grids[T], inputs, T) for T in lengths}
        least = min(floor_at(spectra[T], width) for T in lengths)
        tries.append([s, least])
        if least >= min_floor:
            rule = (f"{init} teacher; the first seed from {seed} whose Eckart-Young floor at rank {width} is "
                    f">= {min_floor:g} at every T in {lengths}")
            return teacher, {"seed": s, "tries": tries, "rule": rule, "spectra": spectra, "grids": grids}
    best = max(tries, key=lambda t: t[1])
    raise InvalidParameterError(
        "--min-floor", min_floor,
        f"a floor some teacher reaches: the best of {max_tries} {init} {kind} teachers (L={depth}, R={hidden}, "
        f"M={inputs}) has {best[1]:.3g} at rank {width} (seed {best[0]}); lower --min-floor, raise "
        "--teacher-hidden, or use --teacher-init spread")


def teacher_arrays(teacher) -> dict:
    """The arrays of ``teacher.npz``: ``{param}{layer}`` (1-based, e.g. ``WH1``, ``WI1``; ``A1``, ``B1``) and ``WO``."""
    out = {}
    for layer, lp in enumerate(teacher.layer_params(), 1):
        for name in teacher.layer_kind.params:
            out[f"{name}{layer}"] = np.asarray(lp[name], dtype=np.float64)
    out["WO"] = np.asarray(teacher.output_weights, dtype=np.float64)
    return out


def save_teacher(path, teacher, meta: dict) -> str:
    """Write ``teacher`` to ``path`` (``.npz``, no pickles): :func:`teacher_arrays` plus ``meta`` as 0-d arrays.

    ``meta`` values are strings and numbers (``kind``, ``depth``, ``seed``, ``init``, ...).
    """
    arrays = teacher_arrays(teacher)
    for key, value in meta.items():
        arrays[f"meta_{key}"] = np.asarray(value)
    tmp = os.fspath(path) + ".tmp.npz"
    np.savez(tmp, **arrays)
    os.replace(tmp, path)
    return os.fspath(path)


def load_teacher(path):
    """``(teacher, meta)`` from a file of :func:`save_teacher` (read with ``allow_pickle=False``)."""
    from ..circuits import layer_kind

    with np.load(path, allow_pickle=False) as f:
        data = {k: f[k] for k in f.files}
    meta = {k[5:]: data[k].item() for k in data if k.startswith("meta_")}
    if "kind" not in meta or "depth" not in meta:
        raise InvalidParameterError("teacher", os.fspath(path), "a teacher.npz written by tnrnn train teacher")
    k = layer_kind(str(meta["kind"]))
    layers = [{name: data[f"{name}{layer}"] for name in k.params} for layer in range(1, int(meta["depth"]) + 1)]
    return circuit_from_layers(k.name, layers, data["WO"]), meta
