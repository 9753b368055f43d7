"""Import live torch modules: ``nn.RNN``, ``nn.GRU``, ``nn.LSTM``, tnrnn's RACModule, MIRNN and CircuitModule,
and mambapy's ``Mamba``.

A *wrapper* -- any module holding exactly one of these, as ordinary training
code does (``Embedding -> LSTM -> Linear``) -- is imported without arguments:
the recurrent module is found among its submodules and its type gives the
architecture; a single ``nn.Embedding`` whose width is the recurrent
module's input size is folded into the first layer's input weights (the
imported network then reads one-hot tokens: ``M`` is the vocabulary; see
:mod:`tnrnn.bridge.mapping`); a single ``nn.Linear`` reading the hidden
state is the readout, applied to the last top-layer state.  Any other
parameter is refused by name (its effect on the output would be lost); skip
it with ``ignore=`` when it does not act on the sequence (a second head).
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError, MissingDependencyError
from ._keys import _Text
from .mapping import Imported, canonical_arch, from_state_dict

__all__ = ["from_module", "from_scornn_state", "ModReLUModel"]


def _torch():
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("torch", "importing torch modules", extra="torch") from None
    return torch


def _readout_arrays(readout, torch):
    """``(weight, bias)`` from an ``nn.Linear``, an array or a ``(weight, bias)`` pair."""
    if isinstance(readout, torch.nn.Linear):
        bias = None if readout.bias is None else readout.bias
        return readout.weight, bias
    if isinstance(readout, tuple) and len(readout) == 2:
        return readout
    if hasattr(readout, "shape"):
        return readout, None
    raise InvalidParameterError("readout", type(readout).__name__,
                                "an nn.Linear, a (C, H) array or a (weight, bias) pair")


def _recurrent_submodules(module, nn, tnrnn_torch):
    from .mamba import is_mamba, other_mamba

    kinds = (nn.RNNBase, tnrnn_torch.RACModule, tnrnn_torch.MIRNN, tnrnn_torch.CircuitModule)
    found = []
    for name, m in module.named_modules():
        if not name:
            continue
        why = other_mamba(m)
        if why is not None:
            raise InvalidParameterError("module", _Text(f"{name}: {why}"), "a mambapy.mamba.Mamba")
        if isinstance(m, kinds) or is_mamba(m):
            if not any(name.startswith(outer + ".") for outer, _ in found):
                found.append((name, m))
    return found


def _own_arch(rec, nn, tnrnn_torch):
    """``(arch, input size, width the readout reads, nonlinearity)`` of a recurrent module."""
    if isinstance(rec, nn.RNNBase):
        _check_rnn(rec)
        return _MODES[rec.mode], rec.input_size, rec.hidden_size, None
    if isinstance(rec, tnrnn_torch.CircuitModule):
        return rec.kind, rec.inputs, rec.hidden, None
    if isinstance(rec, (tnrnn_torch.RACModule, tnrnn_torch.MIRNN)):
        own = "rac" if isinstance(rec, tnrnn_torch.RACModule) else "mirnn"
        return own, rec.inputs, rec.hidden, rec.nonlinearity if own == "mirnn" else None
    return "mamba", rec.config.d_model, rec.config.d_model, None


def _own_phi(rec, own: str, phi):
    """The nonlinearity a recurrent module carries (``None``: none to choose)."""
    return own[4:] if own.startswith("rnn_") else phi


def _refuse_other_nonlinearity(nonlinearity, own: str, phi, what: str) -> None:
    """A ``nonlinearity`` keyword that the module's own does not match would be silently ignored: refused."""
    if nonlinearity is None or nonlinearity == phi or (phi is None and own == "rac" and nonlinearity == "identity"):
        return
    allowed = f"None or {phi!r}" if phi is not None else "None"
    raise InvalidParameterError("nonlinearity", nonlinearity, f"{allowed}: the {what} carries its own")


def _from_mamba(module, prefix, readout, ignore, embedding, source, extra=None):
    """A module holding a mambapy Mamba at ``prefix`` (``""``: the Mamba itself), through its checked config."""
    from ._keys import _Keys
    from .mamba import check_mamba_module
    from .mapping import _mamba

    rec = module.get_submodule(prefix.rstrip(".")) if prefix else module
    options = check_mamba_module(rec)
    skip = (ignore,) if isinstance(ignore, str) else tuple(ignore)
    state = {k: v.detach() for k, v in module.state_dict().items() if not any(k.startswith(q) for q in skip)}
    state.update(extra or {})
    dims = {"inputs": None, "hidden": None, "layers": None}
    return _mamba(_Keys(state), dims, prefix, readout, embedding, source, **options)


def _single(found, what, option):
    if len(found) > 1:
        names = ", ".join(repr(n) for n, _ in found)
        raise InvalidParameterError(option, None, f"the name of one {what} (this module holds {names})")
    return found[0] if found else None


def _from_wrapper(module, arch, readout, nonlinearity, prefix, ignore, embedding, torch, tnrnn_torch, source):
    """Import a module holding one recurrent module (see the module docstring)."""
    nn = torch.nn
    subs = every = _recurrent_submodules(module, nn, tnrnn_torch)
    if prefix is not None:
        wanted = prefix.rstrip(".")
        subs = [(n, m) for n, m in subs if n == wanted]
        if not subs and every and arch is None:   # a prefix naming nothing would otherwise be ignored
            raise InvalidParameterError("prefix", prefix, "the name of a recurrent submodule of this "
                                        f"{type(module).__name__}: " + ", ".join(repr(n) for n, _ in every))
    if not subs:
        if arch is None:
            raise InvalidParameterError(
                "arch", None, f"the architecture inside this {type(module).__name__} (it holds no nn.RNN, nn.GRU, "
                "nn.LSTM, RACModule, MIRNN, CircuitModule or mambapy Mamba): one of rac, mirnn, rnn, gru, lstm, "
                "ssm, gla, mamba")
        return from_state_dict(dict(module.state_dict()), arch, nonlinearity=nonlinearity, prefix=prefix,
                               readout=readout, ignore=ignore, embedding=embedding, source=source)
    name, rec = _single(subs, "recurrent module", "prefix")
    own, size_in, hidden, phi = _own_arch(rec, nn, tnrnn_torch)
    _refuse_other_nonlinearity(nonlinearity, own, _own_phi(rec, own, phi), f"{type(rec).__name__} {name!r}")
    if arch is not None and canonical_arch(arch, nonlinearity or (own[4:] if own.startswith("rnn") else None)) != own:
        raise InvalidParameterError("arch", arch, f"{own!r} for the {type(rec).__name__} {name!r}")
    skip = (ignore,) if isinstance(ignore, str) else tuple(ignore)
    kept = [(n, m) for n, m in module.named_modules() if n and not any(n.startswith(p.rstrip(".")) for p in skip)
            and not n.startswith(name + ".")]   # the recurrent module's own layers are not the wrapper's readout
    if embedding is None:
        tables = [(n, m) for n, m in kept if isinstance(m, nn.Embedding) and m.embedding_dim == size_in]
        hit = _single(tables, "embedding", "embedding")
        embedding = False if hit is None else hit[0]
        if hit is not None and hit[1].max_norm is not None:
            raise InvalidParameterError("embedding", hit[0], "an nn.Embedding without max_norm (it renormalises "
                                        "rows at lookup time, which folding cannot reproduce)")
    if readout is None and own not in ("rac", "mirnn", "ssm", "gla"):
        heads = [(n, m) for n, m in kept if isinstance(m, nn.Linear) and m.in_features == hidden]
        hit = _single(heads, "readout nn.Linear", "readout")
        readout = False if hit is None else hit[0]
    if own == "mamba":
        return _from_mamba(module, name + ".", readout, ignore, embedding, source)
    return from_state_dict(dict(module.state_dict()), own, nonlinearity=phi, prefix=name + ".", readout=readout,
                           ignore=ignore, embedding=embedding, source=source)


_MODES = {"RNN_TANH": "rnn_tanh", "RNN_RELU": "rnn_relu", "GRU": "gru", "LSTM": "lstm"}


def _check_rnn(module):
    if module.bidirectional:
        raise InvalidParameterError(
            "module", _Text(f"a bidirectional {module.mode.split('_')[0]}"),
            "a unidirectional network: the Start-End measure reads the sequence left to right",
        )
    if getattr(module, "proj_size", 0):
        raise InvalidParameterError("module", _Text(f"an LSTM with proj_size={module.proj_size}"),
                                    "an LSTM without proj_size")
    if module.mode not in _MODES:
        raise InvalidParameterError("module", module.mode, "an nn.RNN, nn.GRU or nn.LSTM")


def from_module(module, arch=None, *, readout=None, nonlinearity=None, prefix=None, ignore=(),
                embedding=None) -> Imported:
    """Import a torch module's current weights.

    Parameters
    ----------
    module : torch.nn.Module
        A :class:`tnrnn.bridge.nn.RACModule` (imported exactly as a
        :class:`tnrnn.RAC`), a :class:`tnrnn.bridge.nn.MIRNN` (imported exactly
        as a :class:`RecurrentModel`, and as the RAC without its nonlinearity
        and biases, listed in ``dropped``), an ``nn.RNN`` (tanh or relu),
        ``nn.GRU`` or ``nn.LSTM`` (any number of layers, ``batch_first``
        either way, unidirectional, no ``proj_size``), or any module holding
        exactly one of these (see the module docstring: its embedding and
        readout are found too).
    arch : str, optional
        Checked against the recurrent module's type; needed only for a
        module that holds none of the types above (its state dict is then
        mapped by :func:`from_state_dict`).
    readout : optional
        For ``nn.RNN``/``GRU``/``LSTM``: an ``nn.Linear``, a (C, H) array or a
        ``(weight, bias)`` pair applied to the last top-layer state.  For a
        wrapper, the name of its readout submodule (found automatically:
        the one ``nn.Linear`` reading ``H`` features), or ``False``.
    nonlinearity, prefix, ignore, embedding
        As in :func:`from_state_dict`; for a wrapper, ``prefix`` names the
        recurrent submodule when it holds several, ``embedding`` its
        ``nn.Embedding`` (``False``: do not fold).

    Returns
    -------
    Imported
        Its ``model`` reproduces the module in evaluation mode (dropout off)
        with zero initial states, taking inputs batch first (N, T, M)
        whatever the module's ``batch_first``.

    Raises
    ------
    InvalidParameterError
        For a bidirectional module, an LSTM with ``proj_size``, an ``arch``
        that does not match the module, or a wrapper with several candidate
        recurrent modules, embeddings or readouts.
    WeightsError
        For non-finite weights, or a parameter of a wrapper that is neither
        the recurrent module, its embedding nor its readout, naming it.

    Examples
    --------
    >>> import torch
    >>> lstm = torch.nn.LSTM(3, 5, num_layers=2, batch_first=True)
    >>> imported = from_module(lstm, readout=torch.nn.Linear(5, 2))
    >>> imported.model
    RecurrentModel('lstm', depth=2, hidden=5, inputs=3, readout=2)
    >>> X = torch.randn(4, 7, 3, dtype=torch.float64)
    >>> out, _ = lstm.double()(X)
    >>> bool(torch.allclose(imported.model.run(X).output, out))
    True

    A wrapper, as training code writes it: the embedding is folded in, so
    the network reads one-hot tokens of the vocabulary (``M = 10``).

    >>> class Model(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.emb, self.rnn = torch.nn.Embedding(10, 3), torch.nn.GRU(3, 4, batch_first=True)
    ...         self.head = torch.nn.Linear(4, 1)
    >>> imported = from_module(Model())
    >>> imported.arch, imported.inputs, imported.embedding
    ('gru', 10, 'emb.weight')
    >>> from_module(torch.nn.GRU(3, 4, bidirectional=True))
    Traceback (most recent call last):
    ...
    tnrnn.errors.InvalidParameterError: invalid module=a bidirectional GRU: expected a unidirectional network: the Start-End measure reads the sequence left to right
    """
    torch = _torch()
    nn = torch.nn
    if not isinstance(module, nn.Module):
        raise InvalidParameterError("module", type(module).__name__, "a torch.nn.Module")
    from . import nn as tnrnn_torch

    source = f"torch module {type(module).__name__}"
    meta = sorted(k for k, v in module.state_dict().items() if getattr(v, "is_meta", False))
    if meta:
        raise InvalidParameterError("module", f"a module with weights on the meta device (key {meta[0]!r})",
                                    "a module whose weights hold data (move it with module.to_empty(device='cpu') "
                                    "and load its weights first)")
    from .mamba import is_mamba, other_mamba

    if isinstance(module, (nn.RNNBase, tnrnn_torch.RACModule, tnrnn_torch.MIRNN, tnrnn_torch.CircuitModule)) \
            or is_mamba(module):   # a recurrent module itself: nothing inside it to name, its own nonlinearity
        for keyword, value in (("prefix", prefix), ("embedding", embedding), ("ignore", ignore)):
            if value not in (None, False, "", ()):
                raise InvalidParameterError(keyword, value, f"None for a {type(module).__name__} (it is the "
                                            "recurrent module: there is no submodule to name)")
        own, _, _, phi = _own_arch(module, nn, tnrnn_torch)
        _refuse_other_nonlinearity(nonlinearity, own, _own_phi(module, own, phi), type(module).__name__)
    if isinstance(module, (tnrnn_torch.RACModule, tnrnn_torch.MIRNN)):
        state = {k: v.detach() for k, v in module.state_dict().items()}
        own = "rac" if isinstance(module, tnrnn_torch.RACModule) else "mirnn"
        if arch is not None and canonical_arch(arch) != own:
            raise InvalidParameterError("arch", arch, f"{own!r} for a {type(module).__name__}")
        if readout is not None:
            raise InvalidParameterError("readout", readout, f"None: a {type(module).__name__} has its own output_weights")
        phi = module.nonlinearity if own == "mirnn" else None
        return from_state_dict(state, own, nonlinearity=phi, prefix="", embedding=False, source=source)
    if other_mamba(module) is not None:
        raise InvalidParameterError("module", _Text(other_mamba(module)), "a mambapy.mamba.Mamba")
    if isinstance(module, tnrnn_torch.CircuitModule) or is_mamba(module):
        own = module.kind if isinstance(module, tnrnn_torch.CircuitModule) else "mamba"
        if arch is not None and canonical_arch(arch) != own:
            raise InvalidParameterError("arch", arch, f"{own!r} for a {type(module).__name__}")
        if own == "mamba":
            extra = {}
            if readout is not None:
                weight, bias = _readout_arrays(readout, torch)
                extra["readout.weight"] = weight.detach() if hasattr(weight, "detach") else np.asarray(weight)
                if bias is not None:
                    extra["readout.bias"] = bias.detach() if hasattr(bias, "detach") else np.asarray(bias)
            return _from_mamba(module, "", "readout" if readout is not None else False, (), False, source, extra)
        if readout is not None:
            raise InvalidParameterError("readout", readout, f"None: a {type(module).__name__} has its own output_weights")
        state = {k: v.detach() for k, v in module.state_dict().items()}
        return from_state_dict(state, own, prefix="", embedding=False, source=source)
    if isinstance(module, nn.RNNBase):
        _check_rnn(module)
        state = {k: v.detach() for k, v in module.state_dict().items()}
        own = _MODES[module.mode]
        if arch is not None and canonical_arch(arch, nonlinearity or (own[4:] if own.startswith("rnn") else None)) != own:
            raise InvalidParameterError("arch", arch, f"{own!r} for this {type(module).__name__}")
        if readout is not None:
            weight, bias = _readout_arrays(readout, torch)
            state["readout.weight"] = weight.detach() if hasattr(weight, "detach") else np.asarray(weight)
            if bias is not None:
                state["readout.bias"] = bias.detach() if hasattr(bias, "detach") else np.asarray(bias)
        return from_state_dict(state, own, prefix="", readout="readout" if readout is not None else False,
                               embedding=False, source=source)
    return _from_wrapper(module, arch, readout, nonlinearity, prefix, ignore, embedding, torch, tnrnn_torch, source)


# -- scoRNN (modReLU): no RAC form ----------------------------------------------------------------
class ModReLUModel:
    """A stack of modReLU recurrent layers with a linear readout of the last top-layer state (scoRNN's network).

    Per layer ``h_t = modReLU(W_ih x_t + W_hh h_{t-1})``, ``modReLU(z) = sign(z) relu(|z| + b)``,
    from the initial state ``h0`` (not zero: scoRNN starts from a fixed random state).
    Weights in float64; evaluates numpy arrays, or torch tensors on their device.

    modReLU is not a polynomial and has no multiplicative form, so a scoRNN
    imports as this model only (``Imported.rac is None``): the empirical
    Start-End spectrum applies to it, the exact rank tools do not.
    """

    arch = "scornn"

    def __init__(self, weight_ih, weight_hh, bias, h0, readout_weight, readout_bias):
        def f64(a):
            return tuple(np.array(w.detach().cpu().double().numpy() if hasattr(w, "detach") else w, dtype=np.float64)
                         for w in a)
        self.weight_ih, self.weight_hh, self.bias, self.h0 = (f64(weight_ih), f64(weight_hh), f64(bias), f64(h0))
        self.readout_weight, self.readout_bias = f64((readout_weight, readout_bias))
        H = self.weight_hh[0].shape[0]
        for k, (wi, wh, b, h) in enumerate(zip(self.weight_ih, self.weight_hh, self.bias, self.h0)):
            want_in = self.weight_ih[0].shape[1] if k == 0 else H
            if wi.shape != (H, want_in) or wh.shape != (H, H) or b.shape != (H,) or h.shape != (H,):
                raise InvalidParameterError(f"layer {k}", (wi.shape, wh.shape, b.shape, h.shape),
                                            f"weight_ih (H, in), weight_hh (H, H), bias and h0 (H,) with H = {H}")

    depth = property(lambda self: len(self.weight_hh))
    hidden = property(lambda self: self.weight_hh[0].shape[0])
    inputs = property(lambda self: self.weight_ih[0].shape[1])
    outputs = property(lambda self: self.readout_weight.shape[0])

    def __repr__(self) -> str:
        return f"ModReLUModel(depth={self.depth}, hidden={self.hidden}, inputs={self.inputs}, readout={self.outputs})"

    def __call__(self, X):
        """Outputs (N, C) of sequences ``X`` (N, T, M), numpy or torch."""
        if hasattr(X, "detach"):
            torch = _torch()

            def like(w):
                return torch.as_tensor(w, dtype=X.dtype, device=X.device)
            sign, relu, abs_, stack = torch.sign, torch.relu, torch.abs, (lambda xs: torch.stack(xs, 1))
        else:
            X = np.asarray(X, dtype=np.float64)

            def like(w):
                return w
            sign, relu, abs_, stack = np.sign, (lambda z: np.maximum(z, 0.0)), np.abs, (lambda xs: np.stack(xs, 1))
        if len(tuple(X.shape)) != 3 or X.shape[2] != self.inputs:
            raise InvalidParameterError("X", tuple(X.shape), f"an array of shape (N, T, {self.inputs})")
        seq = X
        for k in range(self.depth):
            gx = seq @ like(self.weight_ih[k]).T
            W_t, b = like(self.weight_hh[k]).T, like(self.bias[k])
            h = like(self.h0[k])
            states = []
            for t in range(X.shape[1]):
                z = gx[:, t, :] + h @ W_t
                h = sign(z) * relu(abs_(z) + b)
                states.append(h)
            seq = stack(states)
        return h @ like(self.readout_weight).T + like(self.readout_bias)


def from_scornn_state(state, *, source: str = "state dict") -> Imported:
    """Import a scoRNN state dict (:meth:`tnrnn.tasks.batched.SeedStack.export` names) as a :class:`ModReLUModel`.

    Keys ``rnn.weight_ih_l{k}``, ``rnn.weight_hh_l{k}`` (the Cayley matrix, materialised),
    ``rnn.modrelu_bias_l{k}``, ``rnn.h0_l{k}``, ``fc.weight``, ``fc.bias``; ``rnn.skew_l{k}``
    and ``rnn.diag_l{k}`` (the parametrisation) are read and checked against ``weight_hh``
    when present.  The result has no RAC (``rac=None``, ``exact=False``): modReLU has no
    multiplicative form.

    Examples
    --------
    >>> import numpy as np
    >>> H = 2
    >>> state = {"rnn.weight_ih_l0": np.ones((H, 3)), "rnn.weight_hh_l0": np.eye(H), "rnn.modrelu_bias_l0": np.zeros(H),
    ...          "rnn.h0_l0": np.zeros(H), "fc.weight": np.ones((1, H)), "fc.bias": np.zeros(1)}
    >>> imported = from_scornn_state(state)
    >>> imported.arch, imported.rac, imported.model
    ('scornn', None, ModReLUModel(depth=1, hidden=2, inputs=3, readout=1))
    >>> float(imported(np.ones((1, 2, 3)))[0, 0])   # b = 0: modReLU is the identity, h_1 = 2 * (3, 3)
    12.0
    """
    keys = dict(state)
    depth = 0
    while f"rnn.weight_hh_l{depth}" in keys:
        depth += 1
    if depth == 0:
        raise InvalidParameterError("state", sorted(keys)[:6], "a scoRNN state dict with rnn.weight_hh_l0 ...")

    def get(name):
        if name not in keys:
            raise InvalidParameterError("state", name, "present in a scoRNN state dict (missing)")
        v = keys[name]
        return np.array(v.detach().cpu().double().numpy() if hasattr(v, "detach") else v, dtype=np.float64)
    for k in range(depth):
        if f"rnn.skew_l{k}" in keys and f"rnn.diag_l{k}" in keys:
            A, d = get(f"rnn.skew_l{k}"), get(f"rnn.diag_l{k}")
            eye = np.eye(A.shape[0])
            W = np.linalg.solve(eye + A, eye - A) * d[None, :]
            if np.abs(W - get(f"rnn.weight_hh_l{k}")).max() > 1e-5:
                raise InvalidParameterError(f"rnn.weight_hh_l{k}", "not the Cayley matrix of rnn.skew/rnn.diag",
                                            "(I + A)^-1 (I - A) D")
    model = ModReLUModel([get(f"rnn.weight_ih_l{k}") for k in range(depth)],
                         [get(f"rnn.weight_hh_l{k}") for k in range(depth)],
                         [get(f"rnn.modrelu_bias_l{k}") for k in range(depth)],
                         [get(f"rnn.h0_l{k}") for k in range(depth)], get("fc.weight"), get("fc.bias"))
    return Imported(arch="scornn", model=model, rac=None, exact=False, dropped=(), source=source)
