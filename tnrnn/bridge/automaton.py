r"""Exact Start-End ranks of one trained layer on tokens, without the ``M^T`` grid.

One layer of ``ssm``, ``gla``, Mamba or a diagonal linear recurrence (LRU,
S4D) reading one-hot tokens is a *weighted automaton*: a state ``s`` (a row
vector), one transition matrix per token and a final vector per token,

.. math:: f(x_0 \dots x_{T-1}) = \alpha\, A_{x_0} A_{x_1} \cdots A_{x_{T-2}}\; \Omega_{x_{T-1}}.

Its states are *blocks* of width ``k``: one block for ``ssm``, ``gla`` and
LRU (``k = R + 1``: the affine state ``(h, 1)``; a ``gla`` layer read out by
``w`` only needs ``g_t = S_t w``, see :mod:`tnrnn.circuits.kinds`), and for
Mamba one block per window of the last ``d_conv - 1`` tokens
(``k = E N + 1``), since its conv window and per-token gates are finite tables
indexed by the window and the token.  ``A_v`` maps block ``b`` to block
``next[v, b]`` through the ``k x k`` matrix ``steps[v, b]``.

**The rank without the grid.**  Write ``F`` for the matrix whose rows are the
states ``alpha A_{s_0} ... A_{s_{S-1}}`` after every start assignment and
``B`` for the matrix whose rows are the vectors
``A_{e_0} ... A_{e_{E-2}} Omega_{e_{E-1}}`` of every end assignment; the
Start-End matrix is ``F B^T``.  With ``P`` a basis of the row space of ``F``
(``F = X P``, ``X`` of full column rank) and ``Q`` one of ``B``,
``rank(F B^T) = rank(P Q^T)`` over any field.  The row spaces are the
*reachable* and *observable* spans, computed one step at a time
(``V_{t+1} = sum_v V_t A_v``: a subspace determines the next, so a repeated
subspace is a fixed point), each of dimension at most the number of states.
Cost: ``O(T |states|^2 M k)``, not ``M^T``.

**What the number is the rank of.**  The automaton's tables are computed in
float64 by the model's own equations (tnrnn's numpy evaluation, which
reproduces the torch module to rounding: for Mamba ``exp(delta A)``,
``(delta B) u``, ``C``, ``D u``, ``silu(z)`` per window and token, and the
layer's weights), then mapped *exactly* into GF(p) as dyadic rationals
(:func:`tnrnn.field.to_field`, as :meth:`tnrnn.RAC.to_field` does); every
product and sum after that is exact in GF(p).  So :attr:`AutomatonRank.rank`
is the rank over GF(p) of the Start-End matrix of the *rational* function
those float64 tables define, reduced mod p: a lower bound on that matrix's
rank over the rationals (equal to it unless ``p`` divides a minor; the
states count bounds it above, :attr:`AutomatonRank.states`).  It is not the
rank of the float outputs (rounded at every step) and, for a network with a
final nonlinear norm or a nonlinear head, it is the rank before that norm.
The float spectrum of the same layer (:func:`tnrnn.bridge.empirical_spectrum`)
is reported beside it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..field import DEFAULT_PRIME, check_prime, matmul_mod, rank_mod, to_field
from ..ranks.automaton import TokenAutomaton, row_basis_mod
from ..records import Record
from ..validation import check_positive_int

__all__ = ["TokenAutomaton", "AutomatonRank", "token_automaton", "automaton_rank", "row_basis_mod", "mamba_windows",
           "mamba_tables"]


# -- automata of the models -------------------------------------------------------------------------------------
def _single_block(initial, steps, last, modulus):
    """A one-block automaton from a kind's ``(initial, steps, last)``: ``Omega_v = steps[v] @ last[v]``."""
    M = steps.shape[0]
    if modulus is None:
        final = np.einsum("vij,vj->vi", steps, last)
    else:
        final = np.stack([matmul_mod(steps[v], last[v][:, None], modulus)[:, 0] for v in range(M)])
    return TokenAutomaton(initial[None], np.zeros((M, 1), dtype=np.int64), steps[:, None], final[:, None], modulus)


def token_automaton(model, channel: int = 0, prime: int | None = DEFAULT_PRIME) -> TokenAutomaton:
    """The weighted automaton of a one-layer model on one-hot tokens, read out at ``channel``.

    Parameters
    ----------
    model : GatedCircuit, MambaModel, DiagonalRecurrence or Imported
        One layer (``depth == 1``) of a kind with an automaton: the registered
        kinds with :attr:`~tnrnn.circuits.LayerKind.automaton` (``ssm``,
        ``gla``), a :class:`~tnrnn.bridge.mamba.MambaModel`, a
        :class:`~tnrnn.memory.diagonal.DiagonalRecurrence`.
    channel : int
        The output read out.
    prime : int or None
        Build over GF(prime) (the tables mapped exactly); ``None``: in float64.

    Examples
    --------
    >>> from tnrnn.circuits import GatedCircuit
    >>> c = GatedCircuit.random("ssm", 1, 3, 2, seed=0)
    >>> a = token_automaton(c, prime=None)
    >>> X = np.array([[0, 1, 1], [1, 0, 1]])
    >>> bool(np.allclose(a(X), c(np.eye(2)[X])[:, 0]))
    True
    """
    from ..circuits import GatedCircuit
    from ..circuits.kinds import FLOAT_OPS, FieldOps
    model = getattr(model, "model", model)   # an Imported: its model (duck-typed: no import of the mapping)
    if getattr(model, "depth", 1) != 1:
        raise InvalidParameterError("model", f"a {model.depth}-layer model", "one layer (depth 1): the exact rank "
                                    "without the grid is offered for single layers on tokens")
    outputs = model.outputs
    if isinstance(channel, bool) or not isinstance(channel, (int, np.integer)) or not 0 <= channel < outputs:
        raise InvalidParameterError("channel", channel, f"an integer in 0..{outputs - 1}")
    p = None if prime is None else check_prime(prime, "prime")
    if isinstance(model, GatedCircuit):
        kind = model.layer_kind
        if kind.automaton is None:
            raise InvalidParameterError("model", f"a {kind.name} circuit", "a kind with an automaton (ssm, gla)")
        if model.modulus is not None and p is not None and model.modulus != p:
            raise InvalidParameterError("prime", prime, f"{model.modulus}, the circuit's modulus")
        c = model if p is None or model.modulus is not None else model.to_field(p)
        if c.modulus is None:
            params, wo, ops = c.layers[0], c.output_weights, FLOAT_OPS
        else:
            layers, wo = c.field_params()
            params, ops = layers[0], FieldOps(c.modulus)
        parts = kind.automaton(ops, params, wo[channel])
        if c.modulus is None:
            return _single_block(*(np.asarray(a, dtype=np.float64) for a in parts), None)
        q = c.modulus
        return _single_block(*(np.remainder(np.asarray(a).astype(np.int64), q) for a in parts), q)
    from .mamba import MambaModel

    if isinstance(model, MambaModel):
        return _mamba_automaton(model, channel, p)
    if hasattr(model, "token_automaton"):
        return model.token_automaton(channel, p)
    raise InvalidParameterError("model", type(model).__name__,
                                "a one-layer GatedCircuit (ssm, gla), MambaModel or DiagonalRecurrence")


def mamba_windows(tokens: int, width: int) -> list:
    """The windows of the last ``width`` tokens a Mamba layer can hold: tuples over ``-1`` (the conv's zero
    padding, leading only) and ``0..tokens-1``, the all-padding window first.

    Examples
    --------
    >>> mamba_windows(2, 2)
    [(-1, -1), (-1, 0), (-1, 1), (0, 0), (0, 1), (1, 0), (1, 1)]
    """
    out = []
    for pads in range(width, -1, -1):
        for rest in np.ndindex(*([tokens] * (width - pads))):
            out.append((-1,) * pads + tuple(int(v) for v in rest))
    return out


def mamba_tables(model, windows: list) -> dict:
    """The float64 tables of a one-layer :class:`~tnrnn.bridge.mamba.MambaModel` on one-hot tokens, per
    ``(token, window)``: ``decay``, ``drive`` (M, W, E, N), ``C`` (M, W, N), ``skip``, ``gate`` (M, W, E), computed
    by the model's own step (:func:`tnrnn.bridge.mamba.step_tables`) on the window's conv inputs (zero for padding).
    """
    from .mamba import _xp, conv_input, step_tables

    M, W = model.inputs, len(windows)
    xp = _xp(np.zeros(1))
    w = model.arrays(xp)[0]
    X = model.input_weights.T                                   # (M, D): the layer input of each token
    a = conv_input(xp, w, model.eps, X)[0]                      # (M, E)
    E = a.shape[1]
    width = model.layers[0].d_conv - 1
    win = np.zeros((W, E, width))
    for j, window in enumerate(windows):
        for i, v in enumerate(window):
            if v >= 0:
                win[j, :, i] = a[v]
    g = step_tables(xp, w, model.eps, np.repeat(X, W, axis=0), np.tile(win, (M, 1, 1)))
    return {k: v.reshape(M, W, *v.shape[1:]) for k, v in g.items() if k != "window"}


def _mamba_automaton(model, channel, p):
    """One Mamba layer on tokens: blocks are windows, ``k = E N + 1`` (see the module docstring)."""
    from ..circuits.kinds import FLOAT_OPS, FieldOps

    if model.depth != 1:
        raise InvalidParameterError("model", f"a {model.depth}-layer Mamba", "one layer")
    layer = model.layers[0]
    M, E, N = model.inputs, layer.d_inner, layer.d_state
    width = layer.d_conv - 1
    windows = mamba_windows(M, width)
    index = {w: j for j, w in enumerate(windows)}
    tables = mamba_tables(model, windows)
    Wo = np.eye(model.d_model) if model.readout_weight is None else model.readout_weight
    bo = None if model.readout_weight is None else model.readout_bias
    if p is None:
        ops, conv = FLOAT_OPS, (lambda a, name: np.asarray(a, dtype=np.float64))
    else:
        ops = FieldOps(p)

        def conv(a, name):
            return to_field(np.asarray(a, dtype=np.float64), p, name)
    t = {k: conv(v, k) for k, v in tables.items()}
    wo = conv(Wo[channel], "readout_weight")
    coef = ops.dot(conv(layer.out_proj, "out_proj"), wo[:, None], 0)           # (E,): (W^O W_out)_e
    x = conv(model.input_weights, "input_weights")                              # (D, M)
    const = ops.dot(x, wo[:, None], 0)                                           # (M,): W^O x_v
    if layer.out_bias is not None:
        const = ops.add(const, ops.dot(conv(layer.out_bias, "out_bias"), wo, 0))
    if bo is not None:
        const = ops.add(const, conv(bo[channel], "readout_bias"))
    W, k = len(windows), E * N + 1
    cg = ops.mul(t["gate"], coef)                                                # (M, W, E)
    dt = t["decay"].dtype
    steps = np.zeros((M, W, k, k), dtype=dt)
    idx = np.arange(E * N)
    steps[:, :, idx, idx] = t["decay"].reshape(M, W, E * N)
    steps[:, :, k - 1, :E * N] = t["drive"].reshape(M, W, E * N)
    steps[:, :, k - 1, k - 1] = 1
    last = np.zeros((M, W, k), dtype=dt)
    last[:, :, :E * N] = ops.mul(cg[..., :, None], t["C"][..., None, :]).reshape(M, W, E * N)
    last[:, :, k - 1] = ops.add(ops.dot(cg, t["skip"], 2), const[:, None])
    # Omega_v on block b = steps[v, b] @ last[v, b]: decay * last on h, drive . last_h + last_1 on the constant
    final = np.zeros_like(last)
    final[:, :, :E * N] = ops.mul(steps[:, :, idx, idx], last[:, :, :E * N])
    final[:, :, k - 1] = ops.add(ops.dot(steps[:, :, k - 1, :E * N], last[:, :, :E * N], 2), last[:, :, k - 1])
    nxt = np.array([[index[(w + (v,))[1:]] if width else 0 for w in windows] for v in range(M)], dtype=np.int64)
    initial = np.zeros((W, k), dtype=dt)
    initial[index[(-1,) * width], k - 1] = 1
    if p is None:
        return TokenAutomaton(initial, nxt, steps, final, None, width)

    def res(a):
        return np.remainder(np.asarray(a).astype(np.int64), p)

    return TokenAutomaton(res(initial), nxt, res(steps), res(final), p, width)


@dataclass(frozen=True)
class AutomatonRank(Record):
    """The exact Start-End rank of a one-layer model on tokens (see the module docstring for what it is of).

    Attributes
    ----------
    rank : int
        The GF(prime) rank of the Start-End matrix of the automaton.
    prime : int
    length : int
        ``T``.
    start : int
        Tokens on the start side (``T // 2`` for the Start-End cut).
    states : int
        The automaton's number of states (an upper bound on the rank over the rationals).
    start_dim, end_dim : int
        The two sides of the matrix whose rank is computed (:meth:`TokenAutomaton.cut_matrix`): the dimension
        of the reachable span, and of the observable spans over the words of the first ``window`` end tokens.
    arch : str
    channel : int
    seconds : float
    spectrum : dict or None
        The float Start-End spectrum of the same model (:meth:`EmpiricalSpectrum.to_dict`), when asked.
    of : str
        What the rank is the rank of, in words.
    """

    rank: int
    prime: int
    length: int
    start: int
    states: int
    start_dim: int
    end_dim: int
    arch: str
    channel: int
    seconds: float
    spectrum: dict | None = None
    of: str = ("the Start-End matrix of the automaton whose tables are the model's float64 values mapped exactly "
               "to GF(p) (before any final nonlinear norm)")

    def to_dict(self) -> dict:
        """A JSON-safe dict (``kind = "automaton-rank"``)."""
        return {"kind": "automaton-rank", "rank": int(self.rank), "prime": int(self.prime),
                "length": int(self.length), "start": int(self.start), "states": int(self.states),
                "start_dim": int(self.start_dim), "end_dim": int(self.end_dim), "arch": self.arch,
                "channel": int(self.channel), "seconds": float(self.seconds), "spectrum": self.spectrum,
                "of": self.of}

    @classmethod
    def from_dict(cls, record: dict) -> AutomatonRank:
        """The result a :meth:`to_dict` record describes."""
        return cls(**{k: record[k] for k in cls.__dataclass_fields__ if k in record})

    def __str__(self) -> str:
        rows = [("arch", f"{self.arch} (one layer, channel {self.channel})"),
                ("cut", f"first {self.start} of T={self.length} tokens"),
                ("exact rank", f"{self.rank} over GF({self.prime}) (reachable span {self.start_dim}, "
                               f"observable span {self.end_dim}, {self.states} states)"),
                ("of", self.of), ("time", f"{self.seconds:.3f} s")]
        if self.spectrum is not None:
            s = self.spectrum
            rows.insert(3, ("float spectrum", f"energy rank {s['rank']}, numerical rank {s['numerical_rank']} of "
                                              f"the {s['shape'][0]} x {s['shape'][1]} float matrix"))
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def automaton_rank(model, length: int, *, start: int | None = None, channel: int = 0, prime: int = DEFAULT_PRIME,
                   spectrum: bool = False, samples: int = 256, max_states: int = 20_000) -> AutomatonRank:
    """The exact Start-End rank of a one-layer model on tokens, from its reachable and observable spans.

    Parameters
    ----------
    model : GatedCircuit, MambaModel, DiagonalRecurrence or Imported
        One layer (see :func:`token_automaton`).
    length : int
        ``T`` (at least 2).
    start : int, optional
        Tokens on the start side (default ``T // 2``: the Start-End cut).
    channel : int
    prime : int
        The prime of GF(p) (default :data:`tnrnn.field.DEFAULT_PRIME`).
    spectrum : bool
        Also measure the float Start-End spectrum (:func:`~tnrnn.bridge.empirical_spectrum`, ``samples``
        assignments per side; its cut must be the Start-End cut).
    max_states : int
        Refuse automata with more states (the spans' bases are ``states x states``).

    Examples
    --------
    One ``ssm`` layer of width 3: the rank is at most ``R + 1 = 4`` (the automaton bound), and it equals the
    GF(p) rank of the full grid (checked in the tests):

    >>> from tnrnn.circuits import GatedCircuit
    >>> r = automaton_rank(GatedCircuit.random("ssm", 1, 3, 3, seed=0), length=8)
    >>> r.rank, r.states
    (4, 4)
    """
    t0 = time.perf_counter()
    T = check_positive_int(length, "length", 2)
    s = T // 2 if start is None else check_positive_int(start, "start")
    if not 1 <= s < T:
        raise InvalidParameterError("start", start, f"an integer in 1..{T - 1}")
    p = check_prime(prime, "prime")
    auto = token_automaton(model, channel, p)
    if auto.states > max_states:
        raise InvalidParameterError("model", f"an automaton with {auto.states} states",
                                    f"at most max_states={max_states} states (raise max_states=)")
    G = auto.cut_matrix(s, T - s)
    rank = rank_mod(G, p, threads=1) if G.size else 0
    start_dim, end_dim = G.shape
    spec = None
    if spectrum:
        if start is not None and 2 * s != T:
            raise InvalidParameterError("spectrum", True, "False for a cut other than Start-End (start = T / 2)")
        from .empirical import empirical_spectrum

        spec = empirical_spectrum(model, T, samples=samples, channel=channel).to_dict()
    inner = getattr(model, "model", model)
    arch = getattr(model, "arch", None) if inner is not model else getattr(model, "kind", getattr(model, "arch", "model"))
    return AutomatonRank(rank, p, T, s, auto.states, int(start_dim), int(end_dim), str(arch), int(channel),
                         time.perf_counter() - t0, spec)
