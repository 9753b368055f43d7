"""Mamba (mambapy's ``mambapy.mamba.Mamba``) on tnrnn's side: weights in numpy, forward on numpy or torch.

:class:`MambaModel` reproduces ``Embedding -> Mamba (L layers) -> Linear(last
step)`` exactly as mambapy computes it (its PyTorch path; ``pscan`` and the
sequential scan compute the same function).  Per layer ``l`` and step ``t``,
with ``x_t`` the layer's input (the residual stream, width ``D``)::

    n_t       = x_t / sqrt(mean(x_t**2) + eps) * g             (RMSNorm, weight g)
    (a_t, z_t) = W_in n_t (+ b_in)                             (in_proj, two halves of width E)
    c_t       = sum_k w_k * a_{t-d+1+k} (+ b_conv)             (causal depthwise conv, a_{<0} = 0)
    u_t       = silu(c_t)
    (r_t, B_t, C_t) = W_x u_t                                  (x_proj; optional RMSNorms on each part)
    delta_t   = softplus(W_dt r_t + b_dt)                      (dt_proj; softplus threshold 20, as torch)
    h_t       = exp(delta_t A) * h_{t-1} + (delta_t B_t) * u_t  (h_{-1} = 0, shape E x N)
    y_t       = h_t C_t + D * u_t
    x'_t      = W_out (y_t * silu(z_t)) (+ b_out) + x_t          (out_proj, residual)

and the network's output is ``W^O x^L_{T-1} + b^O``.  ``A = -exp(A_log)``
and ``D`` are rounded to float32 first, as mambapy's ``ssm`` does
(``-torch.exp(self.A_log.float())``, ``self.D.float()``: ``A`` is computed in
float32 with torch's ``exp`` when torch is installed); everything else is
float64.

An embedding table ``E`` (V, D) becomes the input map ``x^0_t = E^T e_v``: the
model then reads one-hot tokens (``M = V``), as :mod:`tnrnn.bridge.mapping`
folds embeddings into recurrent layers.

The state that carries a layer from one step to the next is ``h_t`` (``E x N``)
and the last ``d - 1`` conv inputs ``a`` (``E x (d - 1)``); on one-hot tokens
the latter is a function of the last ``d - 1`` tokens, which is why one Mamba
layer on tokens is a finite weighted automaton
(:mod:`tnrnn.ranks.automaton`).

What a mambapy config can hold that tnrnn reproduces: ``bias``,
``conv_bias``, ``inner_layernorms``, ``mup`` (RMSNorms without weights),
any ``d_state``, ``d_conv``, ``expand_factor``, ``dt_rank`` and
``rms_norm_eps``; initialisation options (``dt_min`` ...) and the scan
(``pscan``) do not change the function.  Refused, naming the feature
(:func:`check_mamba_module`): a block or norm whose class is not mambapy's
(a replaced or subclassed submodule), and mambapy's other networks (Mamba2,
Jamba, Vision Mamba), whose layers are different recurrences.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["MambaLayer", "MambaModel", "mamba_from_keys", "check_mamba_module"]

#: Layer parameters and their roles (keys under ``layers.{l}.``).
_OPTIONAL_KEYS = ("mixer.in_proj.bias", "mixer.conv1d.bias", "mixer.out_proj.bias", "norm.weight",
                  "mixer.dt_layernorm.weight", "mixer.B_layernorm.weight", "mixer.C_layernorm.weight")


@dataclass(frozen=True, eq=False)
class MambaLayer:
    """The weights of one Mamba residual block (names as in mambapy; shapes in the module docstring)."""

    norm: np.ndarray          # (D,)
    in_proj: np.ndarray       # (2E, D)
    in_bias: np.ndarray | None
    conv: np.ndarray          # (E, d_conv), oldest tap first
    conv_bias: np.ndarray | None
    x_proj: np.ndarray        # (dt_rank + 2N, E)
    dt_proj: np.ndarray       # (E, dt_rank)
    dt_bias: np.ndarray       # (E,)
    A: np.ndarray             # (E, N), -exp(float32(A_log))
    D: np.ndarray             # (E,), float32(D)
    out_proj: np.ndarray      # (D, E)
    out_bias: np.ndarray | None
    inner_norms: tuple | None = None   # (dt, B, C) RMSNorm weights when inner_layernorms

    @property
    def d_inner(self) -> int:
        return self.conv.shape[0]

    @property
    def d_state(self) -> int:
        return self.A.shape[1]

    @property
    def d_conv(self) -> int:
        return self.conv.shape[1]

    @property
    def dt_rank(self) -> int:
        return self.dt_proj.shape[1]


def _xp(X):
    """The array functions the Mamba step needs, for numpy arrays or torch tensors."""
    if isinstance(X, np.ndarray):
        def like(w):
            return None if w is None else np.asarray(w, dtype=X.dtype)

        return SimpleNamespace(
            like=like, exp=np.exp, log1p=np.log1p, where=np.where, sqrt=np.sqrt,
            sigmoid=lambda v: 0.5 * (1.0 + np.tanh(0.5 * v)), cat=lambda xs, axis: np.concatenate(xs, axis=axis),
            zeros=lambda shape: np.zeros(shape, dtype=X.dtype), minimum=np.minimum)
    import torch

    def like_t(w):
        return None if w is None else torch.as_tensor(np.asarray(w), dtype=X.dtype, device=X.device)

    return SimpleNamespace(
        like=like_t, exp=torch.exp, log1p=torch.log1p, where=torch.where, sqrt=torch.sqrt, sigmoid=torch.sigmoid,
        cat=lambda xs, axis: torch.cat(xs, dim=axis),
        zeros=lambda shape: torch.zeros(shape, dtype=X.dtype, device=X.device),
        minimum=lambda a, b: torch.clamp(a, max=b))


def _rms(xp, v, weight, eps):
    out = v / xp.sqrt((v * v).mean(-1, keepdims=True) + eps) if isinstance(v, np.ndarray) else \
        v / xp.sqrt((v * v).mean(-1, keepdim=True) + eps)
    return out if weight is None else out * weight


def _softplus(xp, v):
    # torch's softplus (beta 1, threshold 20): x above 20, log1p(exp(x)) below
    return xp.where(v > 20, v, xp.log1p(xp.exp(xp.minimum(v, 20.0))))


def _silu(xp, v):
    return v * xp.sigmoid(v)


def conv_input(xp, w: dict, eps: float, x):
    """``(a, z)``: the conv input and the gate input of one layer for its input ``x`` (N, D)."""
    xz = _rms(xp, x, w["norm"], eps) @ w["in_proj"].T
    if w["in_bias"] is not None:
        xz = xz + w["in_bias"]
    E = w["conv"].shape[0]
    return xz[..., :E], xz[..., E:]


def step_tables(xp, w: dict, eps: float, x, window):
    """What one step of one layer computes before it touches the state ``h``, for the input ``x`` (N, D) and the
    previous conv inputs ``window`` (N, E, d_conv - 1), oldest first.

    Returns a dict of ``decay = exp(delta A)`` and ``drive = (delta B) u`` (N, E, N_s), ``C`` (N, N_s), ``skip = D u``
    and ``gate = silu(z)`` (N, E), and ``window``, the next window: the step is ``h_t = decay * h_{t-1} + drive``,
    ``y_t = h_t C + skip``, ``x'_t = W_out (y_t * gate) (+ b_out) + x_t``.
    """
    a, z = conv_input(xp, w, eps, x)
    full = xp.cat([window, a[:, :, None]], 2)
    c = (full * w["conv"]).sum(-1)
    if w["conv_bias"] is not None:
        c = c + w["conv_bias"]
    u = _silu(xp, c)
    dbc = u @ w["x_proj"].T
    r, Ns = w["dt_proj"].shape[1], w["A"].shape[1]
    delta, B, C = dbc[..., :r], dbc[..., r:r + Ns], dbc[..., r + Ns:]
    if w["inner_norms"] is not None:
        g_dt, g_B, g_C = w["inner_norms"]
        delta, B, C = _rms(xp, delta, g_dt, eps), _rms(xp, B, g_B, eps), _rms(xp, C, g_C, eps)
    delta = _softplus(xp, delta @ w["dt_proj"].T + w["dt_bias"])
    return {"decay": xp.exp(delta[:, :, None] * w["A"]), "drive": (delta[:, :, None] * B[:, None, :]) * u[:, :, None],
            "C": C, "skip": w["D"] * u, "gate": _silu(xp, z), "window": full[:, :, 1:]}


def layer_step(xp, w: dict, eps: float, x, h, window):
    """One step of one layer: ``(x'_t, h_t, window_t)`` from the layer input ``x`` (N, D), ``h`` (N, E, N_s) and
    ``window`` (N, E, d_conv - 1), the last conv inputs oldest first; ``w`` holds the layer's arrays on ``xp``."""
    g = step_tables(xp, w, eps, x, window)
    h = g["decay"] * h + g["drive"]
    y = (h * g["C"][:, None, :]).sum(-1) + g["skip"]
    out = (y * g["gate"]) @ w["out_proj"].T
    if w["out_bias"] is not None:
        out = out + w["out_bias"]
    return out + x, h, g["window"]


@dataclass(frozen=True, eq=False)
class MambaModel:
    """``input map -> L Mamba residual blocks -> linear readout of the last step`` (see the module docstring).

    Parameters
    ----------
    layers : sequence of MambaLayer
    input_weights : array, shape (D, M)
        ``x^0_t = input_weights @ u_t``: an embedding table's transpose, or the identity.
    readout_weight : array, shape (C, D), optional
        Without it the output is the last step's residual stream (``C = D``).
    readout_bias : array, shape (C,), optional
    eps : float
        The RMSNorms' epsilon (mambapy's ``rms_norm_eps``).

    Examples
    --------
    >>> model = MambaModel.random(depth=2, d_model=3, inputs=4, seed=0)
    >>> model
    MambaModel(depth=2, d_model=3, d_inner=6, d_state=2, d_conv=2, inputs=4, outputs=1)
    >>> model(np.eye(4)[[[0, 1, 2], [3, 3, 0]]]).shape
    (2, 1)
    """

    layers: tuple
    input_weights: np.ndarray
    readout_weight: np.ndarray | None = None
    readout_bias: np.ndarray | None = None
    eps: float = 1e-5

    arch = "mamba"

    def __post_init__(self):
        layers = tuple(self.layers)
        if not layers or not all(isinstance(layer, MambaLayer) for layer in layers):
            raise InvalidParameterError("layers", type(self.layers).__name__, "a non-empty sequence of MambaLayer")
        object.__setattr__(self, "layers", layers)
        D = layers[0].in_proj.shape[1]
        Win = np.asarray(self.input_weights, dtype=np.float64)
        if Win.ndim != 2 or Win.shape[0] != D:
            raise InvalidParameterError("input_weights", Win.shape, f"a ({D}, M) matrix")
        object.__setattr__(self, "input_weights", Win)
        if self.readout_weight is not None:
            wo = np.atleast_2d(np.asarray(self.readout_weight, dtype=np.float64))
            if wo.shape[1] != D:
                raise InvalidParameterError("readout_weight", wo.shape, f"a (C, {D}) matrix")
            object.__setattr__(self, "readout_weight", wo)
        if not (isinstance(self.eps, (int, float)) and self.eps > 0):
            raise InvalidParameterError("eps", self.eps, "a number > 0")

    # -- shape ------------------------------------------------------------------------
    depth = property(lambda self: len(self.layers))
    d_model = property(lambda self: self.layers[0].in_proj.shape[1])
    hidden = d_model
    inputs = property(lambda self: self.input_weights.shape[1])
    outputs = property(lambda self: self.d_model if self.readout_weight is None else self.readout_weight.shape[0])

    def __repr__(self) -> str:
        first = self.layers[0]
        return (f"MambaModel(depth={self.depth}, d_model={self.d_model}, d_inner={first.d_inner}, "
                f"d_state={first.d_state}, d_conv={first.d_conv}, inputs={self.inputs}, outputs={self.outputs})")

    # -- evaluation -------------------------------------------------------------------
    def arrays(self, xp) -> list:
        """Each layer's weights as arrays of ``xp`` (a namespace of :func:`_xp`)."""
        out = []
        for layer in self.layers:
            w = {k: xp.like(getattr(layer, k)) for k in ("norm", "in_proj", "in_bias", "conv", "conv_bias", "x_proj",
                                                       "dt_proj", "dt_bias", "A", "D", "out_proj", "out_bias")}
            w["inner_norms"] = None if layer.inner_norms is None else tuple(xp.like(g) for g in layer.inner_norms)
            out.append(w)
        return out

    def start_states(self, n: int, xp) -> list:
        """``(h, window)`` of every layer before the first step: zeros."""
        return [(xp.zeros((n, layer.d_inner, layer.d_state)), xp.zeros((n, layer.d_inner, layer.d_conv - 1)))
                for layer in self.layers]

    def advance(self, states: list, u, weights, xp):
        """Advance every layer by one step on the input vectors ``u`` (N, M), in place; returns the top stream."""
        x = u @ xp.like(self.input_weights).T
        for k, w in enumerate(weights):
            x, h, window = layer_step(xp, w, self.eps, x, *states[k])
            states[k] = (h, window)
        return x

    def readout(self, x, xp):
        """``W^O x + b^O`` (the stream itself without a readout)."""
        if self.readout_weight is None:
            return x
        y = x @ xp.like(self.readout_weight).T
        return y if self.readout_bias is None else y + xp.like(self.readout_bias)

    def __call__(self, X):
        """Outputs (N, C) for input sequences ``X`` (N, T, M), numpy or torch (kept on its device and dtype)."""
        if not hasattr(X, "shape"):
            X = np.asarray(X, dtype=np.float64)
        squeeze = len(tuple(X.shape)) == 2
        if squeeze:
            X = X[None]
        if len(tuple(X.shape)) != 3 or X.shape[2] != self.inputs or X.shape[1] < 1:
            raise InvalidParameterError("X", tuple(X.shape), f"an array of shape (N, T, {self.inputs}) with T >= 1")
        if isinstance(X, np.ndarray) and X.dtype.kind != "f":
            X = X.astype(np.float64)
        xp = _xp(X)
        weights = self.arrays(xp)
        states = self.start_states(X.shape[0], xp)
        x = None
        for t in range(X.shape[1]):
            x = self.advance(states, X[:, t], weights, xp)
        y = self.readout(x, xp)
        return y[0] if squeeze else y

    @classmethod
    def random(cls, depth: int, d_model: int, inputs: int, outputs: int = 1, *, d_state: int = 2, d_conv: int = 2,
               expand: int = 2, dt_rank: int = 1, seed=0) -> MambaModel:
        """A model with seeded Gaussian weights (for tests and examples; mambapy's own init is not reproduced)."""
        from ..validation import check_positive_int

        L, Dm, M, C = (check_positive_int(v, n) for v, n in ((depth, "depth"), (d_model, "d_model"),
                                                              (inputs, "inputs"), (outputs, "outputs")))
        rng = np.random.default_rng(seed)
        E = expand * Dm

        def g(*shape, scale=1.0):
            return rng.standard_normal(shape) * scale

        layers = tuple(MambaLayer(
            norm=1 + 0.1 * g(Dm), in_proj=g(2 * E, Dm, scale=Dm ** -0.5), in_bias=None,
            conv=g(E, d_conv, scale=0.5), conv_bias=g(E, scale=0.1), x_proj=g(dt_rank + 2 * d_state, E, scale=E ** -0.5),
            dt_proj=g(E, dt_rank), dt_bias=g(E, scale=0.5) - 1.0,
            A=-np.exp(np.log(np.tile(np.arange(1, d_state + 1, dtype=np.float32), (E, 1)))).astype(np.float64),
            D=np.ones(E), out_proj=g(Dm, E, scale=E ** -0.5), out_bias=None) for _ in range(L))
        return cls(layers, g(Dm, M), g(C, Dm, scale=Dm ** -0.5), None)


# -- import ------------------------------------------------------------------------------------
def _float32_A(A_log):
    """``-exp(A_log)`` in float32, as mambapy computes it (with torch's float32 exp when torch is there: numpy's
    may differ from it in the last bit), returned as float64."""
    try:
        import torch
    except ImportError:
        return -np.exp(np.asarray(A_log).astype(np.float32)).astype(np.float64)
    return -torch.exp(torch.as_tensor(np.asarray(A_log)).float()).double().numpy()


def mamba_from_keys(keys, dims, prefix, readout, embedding, *, eps: float = 1e-5, inner_norms=None):
    """A mambapy ``Mamba``'s state dict (consumed through :class:`tnrnn.bridge._keys._Keys`) as
    ``(MambaModel, embedding key or None)``.

    ``inner_norms``: whether the blocks apply RMSNorms to ``delta``, ``B`` and ``C``; ``None`` reads it from
    the keys (a ``mup`` config's weightless inner norms cannot be seen in a state dict: pass ``True``).
    """
    from ._keys import _count_layers, _error, _find_embedding, _find_prefix, _read_readout, _reject_extras

    p = _find_prefix(keys.arrays, "layers.0.mixer.A_log", prefix, "mamba")
    L = dims["layers"] or _count_layers(keys.arrays, p + "layers.{}.mixer.A_log")
    two_E, Dm = keys.shape(p + "layers.0.mixer.in_proj.weight", 2, "a (2 E, D) matrix")
    Dm = dims["hidden"] or Dm
    if dims["inputs"] is not None and dims["inputs"] != Dm:
        raise _error(p + "layers.0.mixer.in_proj.weight", f"{Dm} input features", f"{dims['inputs']} (inputs=)")
    E = two_E // 2
    E_, Ns = keys.shape(p + "layers.0.mixer.A_log", 2, f"an ({E}, N) matrix")
    _, _, dc = keys.shape(p + "layers.0.mixer.conv1d.weight", 3, f"an ({E}, 1, d_conv) tensor")
    r = keys.shape(p + "layers.0.mixer.dt_proj.weight", 2, f"an ({E}, dt_rank) matrix")[1]
    what = f" for a mamba layer with d_model={Dm}, d_inner={E}, d_state={Ns}, d_conv={dc}, dt_rank={r}"
    layers = []
    for k in range(L):
        q = f"{p}layers.{k}."

        def get(name, shape, optional=False, q=q):
            if optional and q + name not in keys.arrays:
                return None
            return keys.get(q + name, shape, what)

        A_log = get("mixer.A_log", (E, Ns))
        D = get("mixer.D", (E,))
        norm = get("norm.weight", (Dm,), optional=True)
        has_inner = (q + "mixer.dt_layernorm.weight" in keys.arrays) if inner_norms is None else bool(inner_norms)
        inner = None
        if has_inner:
            inner = tuple(get(f"mixer.{n}_layernorm.weight", (size,), optional=True) for n, size in
                          (("dt", r), ("B", Ns), ("C", Ns)))
        layers.append(MambaLayer(
            norm=norm, in_proj=get("mixer.in_proj.weight", (2 * E, Dm)),
            in_bias=get("mixer.in_proj.bias", (2 * E,), optional=True),
            conv=get("mixer.conv1d.weight", (E, 1, dc))[:, 0, :], conv_bias=get("mixer.conv1d.bias", (E,), optional=True),
            x_proj=get("mixer.x_proj.weight", (r + 2 * Ns, E)), dt_proj=get("mixer.dt_proj.weight", (E, r)),
            dt_bias=get("mixer.dt_proj.bias", (E,)),
            A=_float32_A(A_log), D=D.astype(np.float32).astype(np.float64),
            out_proj=get("mixer.out_proj.weight", (Dm, E)), out_bias=get("mixer.out_proj.bias", (Dm,), optional=True),
            inner_norms=inner))
    extra = sorted(k for k in keys.left() if k.startswith(p + "layers."))
    if extra:
        raise _error(extra[0], "unexpected key", f"only the keys of a {L}-layer mambapy Mamba (its "
                     "mixer's in_proj, conv1d, x_proj, dt_proj, A_log, D, out_proj and its norm)")
    emb = _find_embedding(keys, embedding, Dm, p + "layers.0.mixer.A_log")
    Win = np.eye(Dm)
    if emb is not None:
        V = keys.shape(emb, 2, f"a (V, {Dm}) embedding table")[0]
        Win = keys.get(emb, (V, Dm), " (an embedding table)").T
    wo, bo = _read_readout(keys, readout, Dm, f"a mamba with d_model={Dm}")
    _reject_extras(keys, f"a {L}-layer mamba" + ("" if emb is None else ", its embedding")
                   + ("" if wo is None else " and its readout"))
    return MambaModel(tuple(layers), Win, wo, bo, eps), emb


#: mambapy's networks that are not ``mambapy.mamba.Mamba``, and why tnrnn does not import them.
_OTHER_MAMBAS = {
    "Mamba2": "mambapy's Mamba2 (multi-head SSD layers with scalar decays per head): not a mambapy.mamba.Mamba",
    "Jamba": "mambapy's Jamba (attention and mixture-of-experts layers between the Mamba layers)",
    "JambaLM": "mambapy's Jamba (attention and mixture-of-experts layers between the Mamba layers)",
    "VMamba": "mambapy's Vision Mamba (a bidirectional scan: the Start-End measure reads left to right)",
}


def is_mamba(module) -> bool:
    """Whether ``module`` is a ``mambapy.mamba.Mamba`` (mambapy is not imported to tell)."""
    return type(module).__name__ == "Mamba" and type(module).__module__ == "mambapy.mamba"


def other_mamba(module) -> str | None:
    """Why ``module`` (one of mambapy's other networks) is refused, else ``None``."""
    if type(module).__module__.startswith("mambapy."):
        return _OTHER_MAMBAS.get(type(module).__name__)
    return None


def check_mamba_module(module) -> dict:
    """Refuse a ``mambapy.mamba.Mamba`` that tnrnn cannot reproduce exactly, naming the feature.

    Returns the options its state dict does not show: ``{"eps": rms_norm_eps, "inner_norms": bool}``.
    """
    config = getattr(module, "config", None)
    if config is None:
        raise InvalidParameterError("module", "a mambapy Mamba without a config", "a mambapy.mamba.Mamba")
    expected = {"ResidualBlock": "mambapy.mamba", "MambaBlock": "mambapy.mamba", "RMSNorm": "mambapy.mamba"}
    for name, sub in module.named_modules():
        if not name:
            continue
        cls = type(sub)
        leaf = name.rpartition(".")[2]
        if cls.__name__ in expected and cls.__module__ != expected[cls.__name__]:
            raise InvalidParameterError("module", f"{name} is a {cls.__module__}.{cls.__name__}",
                                        f"mambapy.mamba's own {cls.__name__} (tnrnn reproduces mambapy's equations)")
        if leaf in ("mixer", "norm") or leaf.endswith("_layernorm"):
            want = "MambaBlock" if leaf == "mixer" else "RMSNorm"
            if cls.__name__ != want or cls.__module__ != "mambapy.mamba":
                raise InvalidParameterError(
                    "module", f"{name} is a {cls.__module__}.{cls.__name__}",
                    f"mambapy.mamba.{want} (a replaced {leaf} is a feature tnrnn does not model)")
        elif cls.__module__.startswith("torch.nn") and cls.__name__ not in ("Linear", "Conv1d", "ModuleList"):
            raise InvalidParameterError("module", f"{name} is a torch.nn.{cls.__name__}",
                                        "only the Linear and Conv1d layers of mambapy's MambaBlock")
    for sub in module.modules():
        if type(sub).__name__ == "RMSNorm" and getattr(sub, "eps", config.rms_norm_eps) != config.rms_norm_eps:
            raise InvalidParameterError("module", f"an RMSNorm with eps={sub.eps}",
                                        f"every norm with the config's rms_norm_eps={config.rms_norm_eps}")
        conv = getattr(sub, "conv1d", None)
        if conv is not None and (conv.padding != (conv.kernel_size[0] - 1,) or conv.groups != conv.in_channels
                                 or conv.stride != (1,) or conv.dilation != (1,)):
            raise InvalidParameterError("module", f"a conv1d with padding={conv.padding}, groups={conv.groups}, "
                                        f"stride={conv.stride}, dilation={conv.dilation}",
                                        "mambapy's causal depthwise conv (padding d_conv - 1, groups d_inner)")
    return {"eps": float(config.rms_norm_eps), "inner_norms": bool(getattr(config, "inner_layernorms", False))}
