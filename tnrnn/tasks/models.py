"""Models for the memory tasks (torch): deep orthogonal RNNs, RAC/MIRNN, LSTM/GRU baselines.

Every model reads a batch ``(N, T, inputs)`` and returns logits: ``(N, C)``
from the last step (classification) or ``(N, T, C)`` at every step
(``per_step``, the copying task).  The architectures (``arch``):

``"ortho"``
    A stack of ``depth`` Elman layers ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)``
    (``torch.nn.RNN``) whose hidden-to-hidden matrices ``W_hh`` are kept
    orthogonal by ``torch.nn.utils.parametrizations.orthogonal`` (the
    ``matrix_exp`` map by default, ``"cayley"`` on request), and a linear
    readout of the top layer.  tanh rather than modReLU: the trained network
    is then exactly an ``nn.RNN`` (``rnn_tanh``), which the bridge imports and
    reproduces, and it trains with torch's fused ``nn.RNN`` kernel.
    ``matrix_exp`` rather than Cayley by default: both keep ``W_hh``
    orthogonal to float precision and trained alike on the Start-End task
    (docs: "Reproducing the paper"), and the exponential reaches every
    rotation, while the Cayley map cannot reach an eigenvalue ``-1``.
``"lstm"``, ``"gru"``
    ``torch.nn.LSTM``/``GRU`` of ``depth`` layers with a linear readout.
``"rac"``, ``"mirnn"``
    tnrnn's :class:`~tnrnn.bridge.nn.RACModule` and :class:`~tnrnn.bridge.nn.MIRNN`
    (tanh, with biases); last step only.
``"ssm"``, ``"gla"``
    tnrnn's :class:`~tnrnn.bridge.nn.CircuitModule` of that layer kind
    (:mod:`tnrnn.circuits.kinds`); last step only.  The trained module is
    exactly a :class:`~tnrnn.circuits.GatedCircuit`.

:func:`export_state_dict` writes a model's weights under torch's plain names
(the orthogonal ``W_hh`` materialised), which :func:`tnrnn.bridge.load_weights`
and ``tnrnn import`` read with :func:`bridge_arch`'s architecture.

The parameter count (:func:`count_parameters`, tnrnn's convention) is the number
of stored weights of the exported network (``H*H`` for an orthogonal ``W_hh``,
though its degrees of freedom are ``H(H-1)/2``); :func:`hidden_for_budget`
picks the width that gives a deeper network the same budget.

Examples
--------
>>> count_parameters("ortho", depth=1, hidden=4, inputs=3, outputs=2)
46
>>> hidden_for_budget("ortho", depth=2, inputs=3, outputs=2, budget=46)
3
"""

from __future__ import annotations

from ..errors import InvalidParameterError, MissingDependencyError
from ..validation import check_positive_int

__all__ = ["ARCHS", "CIRCUIT_ARCHS", "BUDGET_MEASURES", "ORTHOGONAL_MAPS", "build_model", "export_state_dict", "bridge_arch",
           "count_parameters", "count_degrees_of_freedom", "hidden_for_budget", "orthogonality_error"]

#: Architectures :func:`build_model` accepts.
ARCHS = ("ortho", "scornn", "lstm", "gru", "rac", "mirnn", "ssm", "gla")

#: The architectures that are tnrnn circuits (their modules read out the last step only).
CIRCUIT_ARCHS = ("rac", "mirnn", "ssm", "gla")

#: What an equal budget counts (``budget="match"`` counts stored weights, ``"dof"`` degrees of freedom).
BUDGET_MEASURES = ("weights", "dof")

#: Maps of ``torch.nn.utils.parametrizations.orthogonal`` for ``arch="ortho"``.
ORTHOGONAL_MAPS = ("matrix_exp", "cayley")

_GATES = {"ortho": 1, "scornn": 1, "gru": 3, "lstm": 4}
_BRIDGE = {"ortho": "rnn_tanh", "scornn": "scornn", "gru": "gru", "lstm": "lstm", "rac": "rac", "mirnn": "mirnn",
           "ssm": "ssm", "gla": "gla"}


def _check_arch(arch):
    if arch not in ARCHS:
        raise InvalidParameterError("arch", arch, "one of " + ", ".join(ARCHS))
    return arch


def bridge_arch(arch: str) -> str:
    """The ``arch`` under which :func:`tnrnn.bridge.load_weights` imports an exported model.

    Examples
    --------
    >>> bridge_arch("ortho"), bridge_arch("lstm")
    ('rnn_tanh', 'lstm')
    """
    return _BRIDGE[_check_arch(arch)]


def count_parameters(arch: str, depth: int, hidden: int, inputs: int, outputs: int) -> int:
    """Stored weights of the exported network (recurrent layers and readout, biases included).

    Examples
    --------
    >>> count_parameters("lstm", 1, 2, 3, 1)   # 4*2*(3+2) + 2*4*2 + (2 + 1)
    59
    """
    _check_arch(arch)
    L = check_positive_int(depth, "depth")
    H = check_positive_int(hidden, "hidden")
    M = check_positive_int(inputs, "inputs")
    C = check_positive_int(outputs, "outputs")
    if arch in ("rac", "mirnn"):
        n = H * H * L + H * M + H * H * (L - 1) + C * H
        return n + (H * L if arch == "mirnn" else 0)
    if arch in ("ssm", "gla"):  # every parameter of the kind is H x fan_in (tnrnn.circuits.kinds)
        from ..circuits import layer_kind

        return len(layer_kind(arch).params) * H * (M + H * (L - 1)) + C * H
    if arch == "scornn":  # W_in, W (stored H*H), the modReLU bias; no b_ih/b_hh
        return H * M + H * H + H + (L - 1) * (H * H + H * H + H) + C * H + C
    G = _GATES[arch]
    n = G * H * (M + H) + 2 * G * H + (L - 1) * (G * H * 2 * H + 2 * G * H)
    return n + C * H + C


def count_degrees_of_freedom(arch: str, depth: int, hidden: int, inputs: int, outputs: int) -> int:
    """Free parameters: an orthogonal ``H x H`` matrix has ``H(H-1)/2`` and an RNN layer one effective bias.

    For ``ortho`` and ``scornn`` each layer has ``H * fan_in`` input weights,
    ``H(H-1)/2`` for its orthogonal matrix (the skew generator) and ``H``
    biases (``b_ih + b_hh`` act as one); the readout ``C * H + C``.  Other
    architectures: :func:`count_parameters`.

    Examples
    --------
    >>> count_degrees_of_freedom("ortho", 1, 4, 3, 2)   # 4*3 + 6 + 4 + 2*4 + 2
    32
    """
    _check_arch(arch)
    if arch not in ("ortho", "scornn"):
        return count_parameters(arch, depth, hidden, inputs, outputs)
    L = check_positive_int(depth, "depth")
    H = check_positive_int(hidden, "hidden")
    M = check_positive_int(inputs, "inputs")
    C = check_positive_int(outputs, "outputs")
    per_layer = H * (H - 1) // 2 + H
    return H * M + per_layer + (L - 1) * (H * H + per_layer) + C * H + C


def hidden_for_budget(arch: str, depth: int, inputs: int, outputs: int, budget: int, measure: str = "weights") -> int:
    """The width whose parameter count (``measure``: stored weights or degrees of freedom) is closest to
    ``budget`` (the smaller one on ties).

    Examples
    --------
    >>> hidden_for_budget("ortho", 3, 5, 3, count_degrees_of_freedom("ortho", 1, 16, 5, 3), measure="dof")
    7
    """
    budget = check_positive_int(budget, "budget")
    if measure not in BUDGET_MEASURES:
        raise InvalidParameterError("measure", measure, "one of " + ", ".join(BUDGET_MEASURES))
    count = count_parameters if measure == "weights" else count_degrees_of_freedom
    best, best_gap, H = 1, None, 1
    while True:
        n = count(arch, depth, H, inputs, outputs)
        gap = abs(n - budget)
        if best_gap is None or gap < best_gap:
            best, best_gap = H, gap
        if n > budget:
            return best
        H += 1


def _torch():
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("torch", "training models on the memory tasks", extra="torch") from None
    return torch


def build_model(arch: str, depth: int, hidden: int, inputs: int, outputs: int, *, per_step: bool = False,
                orthogonal_map: str = "matrix_exp", seed: int | None = 0, dtype=None):
    """A freshly initialised model (seeded without touching torch's global generator).

    Parameters
    ----------
    arch : {"ortho", "lstm", "gru", "rac", "mirnn", "ssm", "gla"}
    depth, hidden, inputs, outputs : int
        ``L``, ``H``, the input size and the number of classes.
    per_step : bool
        Logits at every step (N, T, C) instead of the last (N, C); not for
        ``rac``/``mirnn``, whose modules read out the last step only.
    orthogonal_map : {"matrix_exp", "cayley"}
        The orthogonal parametrisation of ``arch="ortho"``.
    seed : int or None
        Seed of the initial weights.
    dtype : torch.dtype, optional

    Examples
    --------
    >>> import torch
    >>> net = build_model("ortho", depth=2, hidden=4, inputs=3, outputs=2, seed=0)
    >>> net(torch.zeros(5, 6, 3)).shape
    torch.Size([5, 2])
    >>> orthogonality_error(net) < 1e-6
    True
    """
    torch = _torch()
    from torch import nn

    _check_arch(arch)
    if arch == "scornn":
        raise InvalidParameterError("arch", arch, "ortho, lstm, gru, rac or mirnn (scornn models are built by "
                                    "tnrnn.tasks.batched.SeedStack, one or many seeds at once)")
    L = check_positive_int(depth, "depth")
    H = check_positive_int(hidden, "hidden")
    M = check_positive_int(inputs, "inputs")
    C = check_positive_int(outputs, "outputs")
    if orthogonal_map not in ORTHOGONAL_MAPS:
        raise InvalidParameterError("orthogonal_map", orthogonal_map, "one of " + ", ".join(ORTHOGONAL_MAPS))
    if per_step and arch in CIRCUIT_ARCHS:
        raise InvalidParameterError("arch", arch, "ortho, lstm or gru for a per-step task (copy)")

    class TaskModel(nn.Module):
        """A recurrent body and a linear readout (logits)."""

        def __init__(self):
            super().__init__()
            self.arch, self.per_step, self.depth, self.hidden = arch, bool(per_step), L, H
            if arch in ("ssm", "gla"):
                from ..bridge.nn import CircuitModule

                self.net = CircuitModule(arch, L, H, M, C, seed=seed, dtype=dtype)
                return
            if arch in ("rac", "mirnn"):
                from ..bridge.nn import MIRNN, RACModule

                self.net = (RACModule(L, H, M, C, seed=seed, dtype=dtype) if arch == "rac"
                            else MIRNN(L, H, M, C, nonlinearity="tanh", bias=True, seed=seed, dtype=dtype))
                return
            cls = {"ortho": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[arch]
            self.rnn = cls(M, H, num_layers=L, batch_first=True, dtype=dtype)
            self.fc = nn.Linear(H, C, dtype=dtype)
            if arch == "ortho":
                from torch.nn.utils.parametrizations import orthogonal

                for k in range(L):
                    orthogonal(self.rnn, f"weight_hh_l{k}", orthogonal_map=orthogonal_map)

        def forward(self, x):
            if self.arch in CIRCUIT_ARCHS:
                return self.net(x)
            out, _ = self.rnn(x)
            return self.fc(out if self.per_step else out[:, -1])

    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(int(seed))
        model = TaskModel()
    return model


def export_state_dict(model) -> dict:
    """The weights under torch's plain names, as contiguous CPU tensors (orthogonal ``W_hh`` materialised).

    Examples
    --------
    >>> net = build_model("ortho", depth=1, hidden=2, inputs=3, outputs=1)
    >>> sorted(export_state_dict(net))
    ['fc.bias', 'fc.weight', 'rnn.bias_hh_l0', 'rnn.bias_ih_l0', 'rnn.weight_hh_l0', 'rnn.weight_ih_l0']
    """
    torch = _torch()
    state = {}
    with torch.no_grad():
        for name, value in model.state_dict().items():
            if ".parametrizations." not in name:
                state[name] = value.detach().cpu().contiguous().clone()
        if getattr(model, "arch", None) == "ortho":
            for k in range(model.depth):
                state[f"rnn.weight_hh_l{k}"] = getattr(model.rnn, f"weight_hh_l{k}").detach().cpu().contiguous().clone()
    return state


def orthogonality_error(model) -> float:
    """``max |W^T W - I|`` over the hidden-to-hidden matrices of an ``ortho`` model, in float64 (0 otherwise)."""
    torch = _torch()
    if getattr(model, "arch", None) != "ortho":
        return 0.0
    err = 0.0
    with torch.no_grad():
        for k in range(model.depth):
            W = getattr(model.rnn, f"weight_hh_l{k}").detach().double().cpu()
            err = max(err, float((W.T @ W - torch.eye(W.shape[0], dtype=torch.float64)).abs().max()))
    return err
