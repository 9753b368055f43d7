"""Import live torch modules: ``nn.RNN``, ``nn.GRU``, ``nn.LSTM``, tnrnn's RACModule and MIRNN."""

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


def from_module(module, arch=None, *, readout=None, nonlinearity=None, prefix=None, ignore=()) -> Imported:
    """Import a torch module's current weights.

    Parameters
    ----------
    module : torch.nn.Module
        A :class:`tnrnn.bridge.nn.RACModule` (imported exactly as a
        :class:`tnrnn.RAC`), a :class:`tnrnn.bridge.nn.MIRNN` (imported exactly
        as a :class:`RecurrentModel`, and as the RAC without its nonlinearity
        and biases, listed in ``dropped``), an ``nn.RNN`` (tanh or relu),
        ``nn.GRU`` or ``nn.LSTM`` (any number of layers, ``batch_first``
        either way, unidirectional, no ``proj_size``), or any other module
        whose state dict holds one of these, with ``arch`` naming it.
    arch : str, optional
        Checked against the module's type for the modules above; required
        for other modules (then mapped by :func:`from_state_dict`).
    readout : optional
        For ``nn.RNN``/``GRU``/``LSTM``: an ``nn.Linear``, a (C, H) array or a
        ``(weight, bias)`` pair applied to the last top-layer state.  For
        other modules, a key prefix as in :func:`from_state_dict`.
    nonlinearity, prefix, ignore
        As in :func:`from_state_dict`, for modules named by ``arch``.

    Returns
    -------
    Imported
        Its ``model`` reproduces the module in evaluation mode (dropout off)
        with zero initial states, taking inputs batch first (N, T, M)
        whatever the module's ``batch_first``.

    Raises
    ------
    InvalidParameterError
        For a bidirectional module, an LSTM with ``proj_size``, or an
        ``arch`` that does not match the module.
    WeightsError
        For non-finite weights, naming the parameter.

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
    state = {k: v.detach() for k, v in module.state_dict().items()}
    meta = sorted(k for k, v in state.items() if getattr(v, "is_meta", False))
    if meta:
        raise InvalidParameterError("module", f"a module with weights on the meta device (key {meta[0]!r})",
                                    "a module whose weights hold data (move it with module.to_empty(device='cpu') "
                                    "and load its weights first)")
    if isinstance(module, (tnrnn_torch.RACModule, tnrnn_torch.MIRNN)):
        own = "rac" if isinstance(module, tnrnn_torch.RACModule) else "mirnn"
        if arch is not None and canonical_arch(arch) != own:
            raise InvalidParameterError("arch", arch, f"{own!r} for a {type(module).__name__}")
        if readout is not None:
            raise InvalidParameterError("readout", readout, f"None: a {type(module).__name__} has its own output_weights")
        phi = module.nonlinearity if own == "mirnn" else None
        return from_state_dict(state, own, nonlinearity=phi, prefix="", source=source)
    if isinstance(module, nn.RNNBase):
        if module.bidirectional:
            raise InvalidParameterError(
                "module", _Text(f"a bidirectional {module.mode.split('_')[0]}"),
                "a unidirectional network: the Start-End measure reads the sequence left to right",
            )
        if getattr(module, "proj_size", 0):
            raise InvalidParameterError("module", _Text(f"an LSTM with proj_size={module.proj_size}"),
                                        "an LSTM without proj_size")
        own = {"RNN_TANH": "rnn_tanh", "RNN_RELU": "rnn_relu", "GRU": "gru", "LSTM": "lstm"}.get(module.mode)
        if own is None:
            raise InvalidParameterError("module", module.mode, "an nn.RNN, nn.GRU or nn.LSTM")
        if arch is not None and canonical_arch(arch, nonlinearity or (own[4:] if own.startswith("rnn") else None)) != own:
            raise InvalidParameterError("arch", arch, f"{own!r} for this {type(module).__name__}")
        if readout is not None:
            weight, bias = _readout_arrays(readout, torch)
            state["readout.weight"] = weight.detach() if hasattr(weight, "detach") else np.asarray(weight)
            if bias is not None:
                state["readout.bias"] = bias.detach() if hasattr(bias, "detach") else np.asarray(bias)
        return from_state_dict(state, own, prefix="", readout="readout" if readout is not None else False,
                               source=source)
    if arch is None:
        raise InvalidParameterError(
            "arch", None, f"the architecture inside this {type(module).__name__}: one of rac, mirnn, rnn, gru, lstm",
        )
    return from_state_dict(state, arch, nonlinearity=nonlinearity, prefix=prefix, readout=readout, ignore=ignore,
                           source=source)
