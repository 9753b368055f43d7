r"""Diagonal linear recurrences (LRU, S4D-style): closed forms, exact minimal width, the memory track applied.

A diagonal linear recurrence of ``n`` modes, ``M`` inputs and ``P`` outputs is

.. math:: h_t = \lambda \odot h_{t-1} + B u_t, \qquad y_t = \mathrm{Re}(C h_t) + D u_t, \qquad h_{-1} = 0,

with :math:`\lambda \in \mathbb{C}^n` (or :math:`\mathbb{R}^n`), :math:`B \in \mathbb{C}^{n\times M}`,
:math:`C \in \mathbb{C}^{P\times n}`, :math:`D \in \mathbb{R}^{P\times M}`: the Linear Recurrent Unit
(Orvieto et al. 2023, :math:`\lambda_j = e^{-e^{\nu_j} + i e^{\theta_j}}`, inputs scaled by
:math:`\gamma_j = e^{\gamma^{\log}_j}`) and the discretised S4D/S5 layers.  Its memory function is, in
closed form,

.. math:: \rho_0 = \mathrm{Re}(C B) + D, \qquad \rho_k = \mathrm{Re}(C\, \mathrm{diag}(\lambda^k) B) \quad (k \ge 1).

Its **real form** (:meth:`DiagonalRecurrence.to_linear`) is the :class:`~tnrnn.memory.LinearRNN` whose
state is ``(Re h, Im h)`` mode by mode: a complex mode is the rotation-scaling block
``[[a, -b], [b, a]]`` (``lambda = a + i b``) with input rows ``(Re B_j, Im B_j)`` and output columns
``(Re C_j, -Im C_j)``; a real mode (``Im lambda_j = 0`` and ``B_j``, ``C_j`` real) is one state.  ``D`` is a
feedthrough, outside the state; the Hankel analysis (:mod:`tnrnn.memory.hankel`) reads the kernel without it.

**Exact minimal width.**  The McMillan degree of the layer is the rank of its (block) Hankel matrix
``H[i, j] = c W^{i+j} U`` of the real form.  With the real form's float64 entries mapped exactly into GF(p)
as dyadic rationals (:func:`tnrnn.field.to_field`), :func:`mcmillan_degree` computes ``c W^k U`` exactly in
GF(p) for ``k < 2 m`` (``m`` the real state size) and the rank of the ``m x m`` block Hankel section: the
rank over GF(p) is at most the rational rank, which is at most ``m``; a generic layer reaches ``m``
(certifying that no narrower system has this kernel), a layer with a redundant mode (two equal modes,
a mode no input reaches or no output reads) shows its true minimal width.  It is the degree of the system
with the float64 real-form entries (``cos``/``sin`` of the LRU's angles rounded to float64), exactly.

**State-dict layouts** (:func:`from_state_dict`; ``.npz``, ``.safetensors`` or ``.pt``):

``lru`` (the LRU paper's parametrisation)
    ``nu_log`` (n,), ``theta_log`` (n,), optional ``gamma_log`` (n,), ``B_re``, ``B_im`` (n, M),
    ``C_re``, ``C_im`` (P, n), optional ``D`` (P,) (elementwise, ``P = M``) or (P, M).
``diagonal`` (any discretised diagonal layer, S4D/S5 after discretisation; real or complex)
    ``lambda_re`` (n,), optional ``lambda_im`` (n,), ``B_re`` and optional ``B_im`` (n, M), ``C_re`` and
    optional ``C_im`` (P, n), optional ``D``.

Both take an optional prefix and an optional linear readout ``W^O`` (``readout.weight`` (C, P) and
``readout.bias``), read on the last step.

**From a maintained package:** :func:`from_s5` imports the S5 layer of ``s5-pytorch`` (pure PyTorch, runs on
the CPU): its own discretisation (``zoh`` or ``bilinear``) is applied by its own code, and the discretised
``Lambda_bar``, ``B_bar``, ``C_tilde``, ``D`` become a :class:`DiagonalRecurrence`.  The packages that did not
qualify are listed in docs/modern.rst.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..field import DEFAULT_PRIME, check_prime, matmul_mod, rank_mod, to_field
from ..records import Record

__all__ = ["DiagonalRecurrence", "McMillanDegree", "mcmillan_degree", "from_state_dict", "from_s5", "LAYOUTS"]

#: The state-dict layouts :func:`from_state_dict` reads.
LAYOUTS = ("lru", "diagonal")


def _array(a, name, shape=None, dtype=np.complex128):
    arr = np.asarray(a)
    if arr.dtype.kind not in "iufc":
        raise InvalidParameterError(name, f"an array of dtype {arr.dtype}", "a numeric array")
    arr = np.array(arr, dtype=dtype)
    if shape is not None and arr.shape != shape:
        raise InvalidParameterError(name, arr.shape, f"shape {shape}")
    if not np.all(np.isfinite(arr)):
        raise InvalidParameterError(name, "non-finite values", "finite numbers")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class DiagonalRecurrence:
    """A diagonal linear recurrence (see the module docstring), with an optional linear readout.

    Parameters
    ----------
    lam : array (n,), complex or real
    B : array (n, M)
    C : array (P, n)
    D : array (P, M) or (P,) (elementwise, ``P = M``), optional
    readout_weight : array (C, P), optional
    readout_bias : array (C,), optional
    arch : {"lru", "s4d"}
        The name the layer goes by (records, plots).

    Examples
    --------
    >>> lru = DiagonalRecurrence.random(3, inputs=2, outputs=1, seed=0)
    >>> lru.state_size, lru.inputs, lru.outputs
    (6, 2, 1)
    >>> X = np.random.default_rng(0).normal(size=(4, 7, 2))
    >>> bool(np.allclose(lru(X), lru.to_linear()(X)))     # no feedthrough: D = 0
    True
    """

    lam: np.ndarray
    B: np.ndarray
    C: np.ndarray
    D: np.ndarray | None = None
    readout_weight: np.ndarray | None = None
    readout_bias: np.ndarray | None = None
    arch: str = "lru"

    def __post_init__(self):
        lam = _array(self.lam, "lam").ravel()
        n = lam.size
        B = _array(self.B, "B")
        if B.ndim != 2 or B.shape[0] != n:
            raise InvalidParameterError("B", B.shape, f"an ({n}, M) matrix")
        C = _array(self.C, "C")
        if C.ndim != 2 or C.shape[1] != n:
            raise InvalidParameterError("C", C.shape, f"a (P, {n}) matrix")
        P, M = C.shape[0], B.shape[1]
        D = None
        if self.D is not None:
            D = _array(self.D, "D", dtype=np.float64)
            if D.ndim == 1:
                if D.shape != (P,) or P != M:
                    raise InvalidParameterError("D", D.shape, f"({P},) elementwise (needs P = M) or ({P}, {M})")
                D = np.diag(D)
            if D.shape != (P, M):
                raise InvalidParameterError("D", D.shape, f"({P}, {M})")
        wo = bo = None
        if self.readout_weight is not None:
            wo = np.atleast_2d(_array(self.readout_weight, "readout_weight", dtype=np.float64))
            if wo.shape[1] != P:
                raise InvalidParameterError("readout_weight", wo.shape, f"a (C, {P}) matrix")
            if self.readout_bias is not None:
                bo = _array(self.readout_bias, "readout_bias", (wo.shape[0],), np.float64)
        elif self.readout_bias is not None:
            raise InvalidParameterError("readout_bias", "an array", "None without readout_weight")
        if self.arch not in ("lru", "s4d"):
            raise InvalidParameterError("arch", self.arch, "'lru' or 's4d'")
        for name, v in (("lam", lam), ("B", B), ("C", C), ("D", D), ("readout_weight", wo), ("readout_bias", bo)):
            object.__setattr__(self, name, v)

    @classmethod
    def random(cls, modes: int, inputs: int = 1, outputs: int = 1, *, r_min: float = 0.4, r_max: float = 0.9,
               seed=0, real: bool = False) -> DiagonalRecurrence:
        """The LRU's initialisation: ``|lambda|`` uniform on the ring ``[r_min, r_max]``, angle uniform, Gaussian
        ``B`` and ``C`` scaled by ``1/sqrt(2 fan_in)`` (``real``: real ``lambda``, ``B``, ``C``: an S4D-real layer)."""
        from ..validation import check_positive_int

        n = check_positive_int(modes, "modes")
        M = check_positive_int(inputs, "inputs")
        P = check_positive_int(outputs, "outputs")
        if not 0 <= r_min < r_max <= 1:
            raise InvalidParameterError("r_max", r_max, f"a number in ({r_min}, 1]")
        rng = np.random.default_rng(seed)
        r = np.sqrt(rng.uniform(r_min**2, r_max**2, n))
        if real:
            lam = r * rng.choice([-1.0, 1.0], n)
            return cls(lam, rng.normal(size=(n, M)) / np.sqrt(M), rng.normal(size=(P, n)) / np.sqrt(n), arch="s4d")
        lam = r * np.exp(1j * rng.uniform(0, 2 * np.pi, n))
        B = (rng.normal(size=(n, M)) + 1j * rng.normal(size=(n, M))) / np.sqrt(2 * M)
        C = (rng.normal(size=(P, n)) + 1j * rng.normal(size=(P, n))) / np.sqrt(n)
        return cls(lam, B, C)

    # -- shape ------------------------------------------------------------------------------
    modes = property(lambda self: self.lam.size)
    inputs = property(lambda self: self.B.shape[1])
    depth = 1

    @property
    def outputs(self) -> int:
        """``C`` of the readout, else ``P``."""
        return self.C.shape[0] if self.readout_weight is None else self.readout_weight.shape[0]

    @property
    def real_modes(self) -> np.ndarray:
        """Which modes are real (one real state each): ``Im lambda = 0`` and ``B``, ``C`` real there."""
        return (self.lam.imag == 0) & np.all(self.B.imag == 0, axis=1) & np.all(self.C.imag == 0, axis=0)

    @property
    def state_size(self) -> int:
        """The real state size of :meth:`to_linear`: 1 per real mode, 2 per complex mode."""
        return int(2 * self.modes - self.real_modes.sum())

    hidden = state_size

    def __repr__(self) -> str:
        return (f"DiagonalRecurrence({self.arch!r}, modes={self.modes}, state={self.state_size}, inputs={self.inputs}, "
                f"outputs={self.outputs})")

    # -- the real form ------------------------------------------------------------------------
    def to_linear(self):
        """The real form ``(W, U, c)`` as a :class:`~tnrnn.memory.LinearRNN` (``c`` is the readout composed with
        ``Re C``; the feedthrough ``D`` and the readout bias are left out)."""
        from .linear import LinearRNN

        W, U, c = self._real_form()
        if self.readout_weight is not None:
            c = self.readout_weight @ c
        return LinearRNN(W, U, c)

    def _real_form(self):
        m, M, P = self.state_size, self.inputs, self.C.shape[0]
        W, U, c = np.zeros((m, m)), np.zeros((m, M)), np.zeros((P, m))
        i = 0
        for j, real in enumerate(self.real_modes):
            a, b = self.lam[j].real, self.lam[j].imag
            if real:
                W[i, i], U[i], c[:, i] = a, self.B[j].real, self.C[:, j].real
                i += 1
                continue
            W[i:i + 2, i:i + 2] = [[a, -b], [b, a]]
            U[i], U[i + 1] = self.B[j].real, self.B[j].imag
            c[:, i], c[:, i + 1] = self.C[:, j].real, -self.C[:, j].imag
            i += 2
        return W, U, c

    # -- closed forms and evaluation --------------------------------------------------------------
    def kernel(self, lags) -> np.ndarray:
        """The memory function in closed form, ``rho_k`` (K, C, M): ``Re(C diag(lambda^k) B)`` (+ ``D`` at 0), through
        the readout ``W^O`` when there is one."""
        k = np.asarray(lags)
        if k.ndim != 1 or k.dtype.kind not in "iu" or np.any(k < 0):
            raise InvalidParameterError("lags", lags, "a 1-d array of integers >= 0")
        powers = self.lam[None, :] ** k[:, None]                                   # (K, n)
        rho = np.einsum("pn,kn,nm->kpm", self.C, powers, self.B).real
        if self.D is not None:
            rho[k == 0] += self.D
        if self.readout_weight is not None:
            rho = np.einsum("cp,kpm->kcm", self.readout_weight, rho)
        return rho

    def run(self, X) -> np.ndarray:
        """Outputs ``y_t`` (N, T, P) before the readout, numpy (float64 real inputs) or torch (complex128 inside)."""
        if hasattr(X, "detach"):
            import torch

            Xc = X.to(torch.complex128)

            def like(a):
                return torch.as_tensor(np.asarray(a), device=X.device).to(torch.complex128)

            def stack(xs):
                return torch.stack(xs, 1)
        else:
            Xc = np.asarray(X, dtype=np.float64).astype(np.complex128)

            def like(a):
                return np.asarray(a, dtype=np.complex128)

            def stack(xs):
                return np.stack(xs, 1)
        if len(tuple(X.shape)) != 3 or X.shape[2] != self.inputs:
            raise InvalidParameterError("X", tuple(X.shape), f"an array of shape (N, T, {self.inputs})")
        lam, Bt, Ct = like(self.lam), like(self.B).T, like(self.C).T
        drive = Xc @ Bt
        h, ys = None, []
        for t in range(X.shape[1]):
            h = drive[:, t] if h is None else lam * h + drive[:, t]
            ys.append((h @ Ct).real)
        y = stack(ys)
        if self.D is not None:
            y = y + (X @ (like(self.D).real.T if hasattr(X, "detach") else self.D.T))
        return y

    def __call__(self, X):
        """The readout of the last step, (N, C)."""
        y = self.run(X)[:, -1]
        if self.readout_weight is None:
            return y
        if hasattr(y, "detach"):
            import torch

            wo = torch.as_tensor(self.readout_weight, dtype=y.dtype, device=y.device)
            out = y @ wo.T
            return out if self.readout_bias is None else out + torch.as_tensor(self.readout_bias, dtype=y.dtype)
        out = y @ self.readout_weight.T
        return out if self.readout_bias is None else out + self.readout_bias

    # -- tokens: a weighted automaton (tnrnn.bridge.automaton) -------------------------------------
    def token_automaton(self, channel: int, prime):
        """The layer on one-hot tokens read out at ``channel``: one block, state ``(real form, 1)`` of size m + 1."""
        from ..circuits.kinds import FLOAT_OPS, FieldOps
        from ..ranks.automaton import TokenAutomaton

        W, U, c = self._real_form()
        wo = np.eye(c.shape[0]) if self.readout_weight is None else self.readout_weight
        D = np.zeros((c.shape[0], self.inputs)) if self.D is None else self.D
        bo = 0.0 if self.readout_bias is None else self.readout_bias[channel]
        m, M = self.state_size, self.inputs
        if prime is None:
            ops = FLOAT_OPS

            def conv(a, name):
                return np.asarray(a, dtype=np.float64)
        else:
            ops = FieldOps(prime)

            def conv(a, name):
                return to_field(np.asarray(a, dtype=np.float64), prime, name)
        Wf, Uf, cf, wof, Df = conv(W, "W"), conv(U, "U"), conv(c, "c"), conv(wo[channel], "readout"), conv(D, "D")
        read = ops.dot(cf, wof[:, None], 0)                                         # (m,): W^O_ch c
        direct = ops.add(ops.dot(Df, wof[:, None], 0), conv(np.full(M, bo), "readout_bias"))   # (M,)
        steps = np.zeros((M, m + 1, m + 1), dtype=Wf.dtype)
        steps[:, :m, :m] = Wf.T                                                    # rows: s' = s W^T
        steps[:, m, :m] = Uf.T
        steps[:, m, m] = 1
        last = np.zeros((M, m + 1), dtype=Wf.dtype)
        last[:, :m] = read
        last[:, m] = direct
        initial = np.zeros((1, m + 1), dtype=Wf.dtype)
        initial[0, m] = 1
        if prime is None:
            final = np.einsum("vij,vj->vi", steps, last)
            return TokenAutomaton(initial, np.zeros((M, 1), np.int64), steps[:, None], final[:, None], None)
        final = np.stack([matmul_mod(steps[v], last[v][:, None], prime)[:, 0] for v in range(M)])

        def res(a):
            return np.remainder(np.asarray(a).astype(np.int64), prime)

        return TokenAutomaton(res(initial), np.zeros((M, 1), np.int64), res(steps)[:, None], res(final)[:, None],
                              prime)


@dataclass(frozen=True)
class McMillanDegree(Record):
    """The exact minimal state size of a linear system (see the module docstring).

    Attributes
    ----------
    degree : int
        The rank over GF(prime) of the block Hankel section (a certified lower bound on the rational rank).
    state_size : int
        The system's real state size (an upper bound).
    exact : bool
        ``degree == state_size``: both bounds meet.
    prime : int
    shape : tuple
    """

    degree: int
    state_size: int
    exact: bool
    prime: int
    shape: tuple

    def to_dict(self) -> dict:
        """JSON-safe (``kind = "mcmillan-degree"``)."""
        return {"kind": "mcmillan-degree", "degree": int(self.degree), "state_size": int(self.state_size),
                "exact": bool(self.exact), "prime": int(self.prime), "shape": list(self.shape)}

    def __str__(self) -> str:
        status = "= the state size: minimal" if self.exact else f"< the state size {self.state_size}: redundant states"
        return (f"McMillan degree {self.degree} {status} (block Hankel {self.shape[0]}x{self.shape[1]} over "
                f"GF({self.prime}))")


def mcmillan_degree(system, *, prime: int = DEFAULT_PRIME) -> McMillanDegree:
    """The McMillan degree (exact minimal state size) of a discrete linear system, over GF(prime).

    Parameters
    ----------
    system : DiagonalRecurrence or LinearRNN
        Discrete time; its real-form float64 entries map exactly to GF(p).

    Examples
    --------
    >>> lru = DiagonalRecurrence.random(3, seed=1)
    >>> mcmillan_degree(lru).degree                 # 3 complex modes: 6 real states, all needed
    6
    >>> twin = DiagonalRecurrence(np.r_[lru.lam, lru.lam[0]], np.r_[lru.B, lru.B[:1]], np.c_[lru.C, lru.C[:, :1]])
    >>> mcmillan_degree(twin).degree                # a repeated mode adds no memory
    6
    """
    from .linear import LinearRNN

    p = check_prime(prime, "prime")
    if isinstance(system, DiagonalRecurrence):
        system = system.to_linear()
    if not isinstance(system, LinearRNN) or system.time != "discrete":
        raise InvalidParameterError("system", type(system).__name__, "a DiagonalRecurrence or a discrete LinearRNN")
    W, U, c = (np.remainder(to_field(a, p, name).astype(np.int64), p) for a, name in
               ((system.W, "W"), (system.U, "U"), (system.c, "c")))
    m, M, P = system.width, system.inputs, system.outputs
    blocks = []                      # c W^k U for k = 0 .. 2m - 2
    v = U
    for _ in range(2 * m - 1):
        blocks.append(matmul_mod(c, v, p))
        v = matmul_mod(W, v, p)
    H = np.block([[blocks[i + j] for j in range(m)] for i in range(m)])
    degree = int(rank_mod(H, p))
    return McMillanDegree(degree, m, degree == m, p, (m * P, m * M))


# -- import ------------------------------------------------------------------------------------------
def from_state_dict(state, layout: str | None = None, *, prefix: str = "", source: str = "state dict"):
    """A :class:`DiagonalRecurrence` from a state dict in one of :data:`LAYOUTS` (module docstring).

    ``layout`` is detected from the keys (``nu_log``: ``lru``; ``lambda_re``: ``diagonal``) when not given.
    Every key is checked; an unexpected key is refused by name.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> state = {"nu_log": rng.normal(size=3), "theta_log": rng.normal(size=3), "B_re": rng.normal(size=(3, 2)),
    ...          "B_im": rng.normal(size=(3, 2)), "C_re": rng.normal(size=(2, 3)), "C_im": rng.normal(size=(2, 3)),
    ...          "D": rng.normal(size=2)}
    >>> from_state_dict(state)
    DiagonalRecurrence('lru', modes=3, state=6, inputs=2, outputs=2)
    """
    from ..bridge._keys import _error, _Keys, _read_readout, _reject_extras

    keys = _Keys({k: v for k, v in state.items()})
    p = prefix if not prefix or prefix.endswith(".") else prefix + "."
    if layout is None:
        layout = "lru" if keys.has(p + "nu_log") else "diagonal" if keys.has(p + "lambda_re") else None
        if layout is None:
            raise _error(p + "nu_log", "missing", "the keys of an LRU (nu_log, theta_log, B_re, ...) or of a diagonal "
                         "layer (lambda_re, B_re, C_re, ...)")
    if layout not in LAYOUTS:
        raise InvalidParameterError("layout", layout, "one of " + ", ".join(LAYOUTS))
    anchor = p + ("nu_log" if layout == "lru" else "lambda_re")
    n = keys.shape(anchor, 1, "an (n,) vector")[0]
    M = keys.shape(p + "B_re", 2, f"an ({n}, M) matrix")[1]
    P = keys.shape(p + "C_re", 2, f"a (P, {n}) matrix")[0]

    def opt(name, shape):
        return keys.get(p + name, shape) if keys.has(p + name) else None

    if layout == "lru":
        nu, theta = keys.get(p + "nu_log", (n,)), keys.get(p + "theta_log", (n,))
        lam = np.exp(-np.exp(nu) + 1j * np.exp(theta))
        gamma = opt("gamma_log", (n,))
        scale = 1.0 if gamma is None else np.exp(gamma)[:, None]
        B = (keys.get(p + "B_re", (n, M)) + 1j * keys.get(p + "B_im", (n, M))) * scale
        C = keys.get(p + "C_re", (P, n)) + 1j * keys.get(p + "C_im", (P, n))
    else:
        im = opt("lambda_im", (n,))
        lam = keys.get(p + "lambda_re", (n,)) + (0 if im is None else 1j * im)
        B_im, C_im = opt("B_im", (n, M)), opt("C_im", (P, n))
        B = keys.get(p + "B_re", (n, M)) + (0 if B_im is None else 1j * B_im)
        C = keys.get(p + "C_re", (P, n)) + (0 if C_im is None else 1j * C_im)
    D = None
    if keys.has(p + "D"):
        D = keys.get(p + "D", keys.shape(p + "D", len(np.shape(keys.arrays[p + "D"])), "(P,) or (P, M)"))
    wo, bo = _read_readout(keys, "readout" if keys.has("readout.weight") else False, P, f"a layer with P={P}")
    _reject_extras(keys, f"an {layout} layer" + ("" if wo is None else " and its readout"))
    return DiagonalRecurrence(lam, B, C, D, wo, bo, arch="lru" if layout == "lru" else "s4d")


def from_s5(module) -> DiagonalRecurrence:
    """An ``s5-pytorch`` ``S5`` (or its ``S5SSM``) as the :class:`DiagonalRecurrence` it computes.

    The discretisation is the module's own (``module.discretize`` on ``Lambda``, ``B_tilde`` and
    ``exp(log_step)``), evaluated in the module's precision (complex64 by default) and then held in
    complex128; ``y_t = Re(C_tilde x_t) + D * u_t`` (``D`` elementwise).  Refused, named: ``liquid=True``
    (the input enters ``Lambda``: not linear), ``degree != 1`` and ``bidir=True`` (reads the sequence both ways).
    """
    ssm = getattr(module, "seq", module)
    if type(ssm).__name__ != "S5SSM" or not type(ssm).__module__.startswith("s5"):
        raise InvalidParameterError("module", type(module).__name__, "an s5-pytorch S5 or S5SSM")
    for flag, bad, why in (("liquid", True, "liquid S5 (the input enters Lambda: not a linear recurrence)"),
                           ("bidir", True, "bidirectional S5 (the Start-End measure reads left to right)")):
        if getattr(ssm, flag, not bad) == bad:
            raise InvalidParameterError("module", why, "a unidirectional, non-liquid S5")
    if getattr(ssm, "degree", 1) != 1:
        raise InvalidParameterError("module", f"an S5 with degree={ssm.degree} (B_bar ** degree)", "degree=1")
    import torch

    with torch.no_grad():
        B_tilde, C_tilde = ssm.get_BC_tilde()
        lam, B_bar = ssm.discretize(ssm.Lambda, B_tilde, torch.exp(ssm.log_step))
        lam, B_bar, C, D = (t.detach().cpu().numpy() for t in (lam, B_bar, C_tilde, ssm.D))
    return DiagonalRecurrence(lam.astype(np.complex128), B_bar.astype(np.complex128), C.astype(np.complex128),
                              np.asarray(D, dtype=np.float64), arch="s4d")
