"""Import live torch modules: ``nn.RNN``, ``nn.GRU``, ``nn.LSTM``, tnrnn's RACModule and MIRNN.

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
from .mapping import Imported, _Text, canonical_arch, from_state_dict

__all__ = ["from_module"]


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
    kinds = (nn.RNNBase, tnrnn_torch.RACModule, tnrnn_torch.MIRNN)
    return [(name, m) for name, m in module.named_modules() if name and isinstance(m, kinds)]


def _single(found, what, option):
    if len(found) > 1:
        names = ", ".join(repr(n) for n, _ in found)
        raise InvalidParameterError(option, None, f"the name of one {what} (this module holds {names})")
    return found[0] if found else None


def _from_wrapper(module, arch, readout, nonlinearity, prefix, ignore, embedding, torch, tnrnn_torch, source):
    """Import a module holding one recurrent module (see the module docstring)."""
    nn = torch.nn
    subs = _recurrent_submodules(module, nn, tnrnn_torch)
    if prefix is not None:
        wanted = prefix.rstrip(".")
        subs = [(n, m) for n, m in subs if n == wanted]
    if not subs:
        if arch is None:
            raise InvalidParameterError(
                "arch", None, f"the architecture inside this {type(module).__name__} (it holds no nn.RNN, nn.GRU, "
                "nn.LSTM, RACModule or MIRNN): one of rac, mirnn, rnn, gru, lstm")
        return from_state_dict(dict(module.state_dict()), arch, nonlinearity=nonlinearity, prefix=prefix,
                               readout=readout, ignore=ignore, embedding=embedding, source=source)
    name, rec = _single(subs, "recurrent module", "prefix")
    if isinstance(rec, nn.RNNBase):
        _check_rnn(rec)
        own = _MODES[rec.mode]
        size_in, hidden = rec.input_size, rec.hidden_size
        phi = None
    else:
        own = "rac" if isinstance(rec, tnrnn_torch.RACModule) else "mirnn"
        size_in, hidden = rec.inputs, rec.hidden
        phi = rec.nonlinearity if own == "mirnn" else None
    if arch is not None and canonical_arch(arch, nonlinearity or (own[4:] if own.startswith("rnn") else None)) != own:
        raise InvalidParameterError("arch", arch, f"{own!r} for the {type(rec).__name__} {name!r}")
    skip = (ignore,) if isinstance(ignore, str) else tuple(ignore)
    kept = [(n, m) for n, m in module.named_modules() if n and not any(n.startswith(p.rstrip(".")) for p in skip)]
    if embedding is None:
        tables = [(n, m) for n, m in kept if isinstance(m, nn.Embedding) and m.embedding_dim == size_in]
        hit = _single(tables, "embedding", "embedding")
        embedding = False if hit is None else hit[0]
        if hit is not None and hit[1].max_norm is not None:
            raise InvalidParameterError("embedding", hit[0], "an nn.Embedding without max_norm (it renormalises "
                                        "rows at lookup time, which folding cannot reproduce)")
    if readout is None and own not in ("rac", "mirnn"):
        heads = [(n, m) for n, m in kept if isinstance(m, nn.Linear) and m.in_features == hidden]
        hit = _single(heads, "readout nn.Linear", "readout")
        readout = False if hit is None else hit[0]
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
    if isinstance(module, (tnrnn_torch.RACModule, tnrnn_torch.MIRNN)):
        state = {k: v.detach() for k, v in module.state_dict().items()}
        own = "rac" if isinstance(module, tnrnn_torch.RACModule) else "mirnn"
        if arch is not None and canonical_arch(arch) != own:
            raise InvalidParameterError("arch", arch, f"{own!r} for a {type(module).__name__}")
        if readout is not None:
            raise InvalidParameterError("readout", readout, f"None: a {type(module).__name__} has its own output_weights")
        phi = module.nonlinearity if own == "mirnn" else None
        return from_state_dict(state, own, nonlinearity=phi, prefix="", embedding=False, source=source)
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
