"""Map a state dict (parameter name -> array) onto tnrnn's models, with validation.

The names are torch's: ``weight_ih_l{k}``, ``weight_hh_l{k}``,
``bias_ih_l{k}``, ``bias_hh_l{k}`` for ``nn.RNN``/``nn.GRU``/``nn.LSTM``, and
``hidden_weights.{l}``, ``input_weights.{l}``, ``biases.{l}``,
``output_weights`` for :class:`tnrnn.bridge.nn.RACModule` and
:class:`tnrnn.bridge.nn.MIRNN`.  Keys may carry a common prefix (``"rnn."`` for a
recurrent module held as ``self.rnn`` of a larger model); it is found
automatically when there is exactly one candidate.

Every problem raises :class:`~tnrnn.errors.WeightsError` whose ``name`` is the
offending key: a missing key, an unexpected one, a wrong shape, NaN or inf.

Architecture detection (:func:`detect_arch`).  Weights name the family: the
keys ``hidden_weights.{l}`` belong to a RACModule (``rac``), or to an MIRNN
when ``biases.{l}`` are present too; the keys ``weight_ih_l{k}`` belong to
torch's recurrent modules, told apart by the *gate multiple*
``G = rows(weight_ih_l0) / columns(weight_hh_l0)``: 1 for ``rnn`` (tanh,
unless ``nonlinearity="relu"``: the activation is not in the weights), 3 for
``gru``, 4 for ``lstm``; the keys ``layers.{l}.A`` belong to a
:class:`tnrnn.bridge.nn.CircuitModule`, an ``ssm`` circuit when its
parameters are ``A, B, C`` and a ``gla`` circuit when they are ``A, K, V, Q``
(imported exactly as a :class:`tnrnn.circuits.GatedCircuit`); the keys
``layers.{l}.mixer.A_log`` belong to a mambapy ``Mamba``
(:mod:`tnrnn.bridge.mamba`); the keys ``nu_log`` (an LRU) and ``lambda_re`` (a
discretised diagonal layer, ``s4d``) to a
:class:`tnrnn.memory.diagonal.DiagonalRecurrence`.

Embeddings (tnrnn's construction).  A network that starts with a lookup
table ``E`` (V, D) (``nn.Embedding``) reads token ``v`` as the vector
``E[v]``; its first layer computes ``W_ih E[v] = (W_ih E^T) e_v``.  So the
importer *folds* the table into the first layer's input weights,
``W_ih <- W_ih E^T`` (shape (G*H, V)), and the imported network reads
one-hot vectors of the vocabulary: ``M = V``, and its grid tensor and
spectra are over token sequences, exactly.  The table is found
automatically as a leftover ``weight``-only key of shape (V, D) with ``D``
the first layer's input size, whose name says ``emb`` or which comes before
the recurrent keys; ``embedding=`` names it or (``False``) turns folding off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..circuits import RAC
from ..errors import InvalidParameterError
from ..records import Record
from ..validation import check_positive_int
from ._keys import (
    _count_layers,
    _error,
    _find_embedding,
    _find_prefix,
    _fold,
    _Keys,
    _read_readout,
    _reject_extras,
)
from .models import GATES, RecurrentLayer, RecurrentModel

__all__ = ["ARCHS", "Imported", "from_state_dict", "canonical_arch", "detect_arch"]

#: Architecture names accepted by the importers ("rnn" takes a nonlinearity).
ARCHS = ("rac", "mirnn", "rnn", "rnn_tanh", "rnn_relu", "gru", "lstm", "ssm", "gla", "mamba", "lru", "s4d")

#: The diagonal linear recurrences and their state-dict layouts (:mod:`tnrnn.memory.diagonal`).
DIAGONAL_ARCHS = {"lru": "lru", "s4d": "diagonal"}

#: The circuit kinds imported from :class:`tnrnn.bridge.nn.CircuitModule` weights, and the parameter names
#: that tell them apart (``layers.{l}.{name}``): ``ssm`` has ``A, B, C``; ``gla`` has ``A, K, V, Q``.
CIRCUIT_ARCHS = ("ssm", "gla")


def canonical_arch(arch, nonlinearity=None) -> str:
    """The canonical name of an architecture: ``rnn`` becomes ``rnn_tanh`` or ``rnn_relu``.

    Examples
    --------
    >>> canonical_arch("rnn", "relu"), canonical_arch("LSTM"), canonical_arch("rnn")
    ('rnn_relu', 'lstm', 'rnn_tanh')
    """
    if not isinstance(arch, str) or arch.lower() not in ARCHS:
        raise InvalidParameterError("arch", arch, "one of " + ", ".join(ARCHS))
    arch = arch.lower()
    if arch == "rnn":
        phi = "tanh" if nonlinearity is None else nonlinearity
        if phi not in ("tanh", "relu"):
            raise InvalidParameterError("nonlinearity", nonlinearity, "'tanh' or 'relu' for an Elman RNN")
        return f"rnn_{phi}"
    if arch in ("rnn_tanh", "rnn_relu") and nonlinearity not in (None, arch[4:]):
        raise InvalidParameterError("nonlinearity", nonlinearity, f"{arch[4:]!r} for arch={arch!r}")
    if arch in ("lstm", "gru", *CIRCUIT_ARCHS, "mamba", *DIAGONAL_ARCHS) and nonlinearity is not None:
        raise InvalidParameterError("nonlinearity", nonlinearity,
                                    f"None for arch={arch!r} (its gates fix their nonlinearities)")
    return arch


@dataclass(frozen=True, eq=False)
class Imported(Record):
    """An imported network: a model that reproduces it, and its RAC when it has one.

    Attributes
    ----------
    arch : str
        ``"rac"``, ``"mirnn"``, ``"rnn_tanh"``, ``"rnn_relu"``, ``"gru"``,
        ``"lstm"``, ``"ssm"``, ``"gla"`` or ``"mamba"``.
    model : RAC, GatedCircuit, RecurrentModel or MambaModel
        Computes the source network's function (evaluation mode, zero initial
        states for RNN/GRU/LSTM); for ``"rac"`` the :class:`~tnrnn.RAC` itself,
        for ``"ssm"``/``"gla"`` the :class:`~tnrnn.circuits.GatedCircuit`
        itself.
    rac : RAC or None
        The recurrent arithmetic circuit the network maps onto: the network
        itself for a RACModule, an MIRNN with its nonlinearity and biases
        dropped, ``None`` for RNN/GRU/LSTM (not multiplicative).
    exact : bool
        Whether ``rac`` computes exactly the network's function, so that
        exact ranks of ``rac`` are the network's.
    dropped : tuple of str
        What was left out to obtain ``rac``: ``"nonlinearity tanh"`` and the
        keys of nonzero biases.
    source : str
        Where the weights came from.
    embedding : str or None
        The key of an embedding table folded into the first layer's input
        weights (then :attr:`inputs` is the vocabulary size), else ``None``.

    Examples
    --------
    >>> rac = RAC.random(depth=2, hidden=2, inputs=3, seed=0)
    >>> state = {"hidden_weights.0": rac.hidden_weights[0], "hidden_weights.1": rac.hidden_weights[1],
    ...          "input_weights.0": rac.input_weights[0], "input_weights.1": rac.input_weights[1],
    ...          "output_weights": rac.output_weights}
    >>> imported = from_state_dict(state, "rac")
    >>> imported.exact, imported.dropped, imported.rac
    (True, (), RAC(depth=2, hidden=2, inputs=3, outputs=1))
    """

    arch: str
    model: object
    rac: RAC | None
    exact: bool
    dropped: tuple = ()
    source: str = "state dict"
    embedding: str | None = None

    def __call__(self, X):
        """The outputs of :attr:`model` on ``X`` (N, T, M)."""
        return self.model(X)

    @property
    def circuit(self):
        """The circuit that computes exactly the network's function (a RAC or a GatedCircuit), else ``None``."""
        from ..circuits import GatedCircuit

        if isinstance(self.model, GatedCircuit):
            return self.model
        return self.rac if self.exact else None

    @property
    def depth(self) -> int:
        """``L``, the number of layers."""
        return self.model.depth

    @property
    def hidden(self) -> int:
        """``R`` (or ``H``), the width of every layer."""
        return self.model.hidden

    @property
    def inputs(self) -> int:
        """``M``, the input dimension."""
        return self.model.inputs

    @property
    def outputs(self) -> int:
        """``C``, the output dimension."""
        return self.model.outputs

    def to_dict(self) -> dict:
        """A JSON-safe summary (shapes and provenance, no weights)."""
        return {
            "arch": self.arch, "source": self.source, "depth": self.depth, "hidden": self.hidden,
            "inputs": self.inputs, "outputs": self.outputs, "has_rac": self.rac is not None,
            "exact": self.exact, "dropped": list(self.dropped), "embedding": self.embedding,
        }

    def __str__(self) -> str:
        rows = [("arch", self.arch), ("source", self.source),
                ("shape", f"L={self.depth}, R={self.hidden}, M={self.inputs}, C={self.outputs}")]
        if self.embedding is not None:
            rows.append(("embedding", f"{self.embedding} folded into the input weights (M = vocabulary)"))
        if self.arch in CIRCUIT_ARCHS:
            rows.append(("circuit", f"exact: the {self.arch} circuit itself (tnrnn.circuits.GatedCircuit)"))
        elif self.rac is None:
            rows.append(("rac", "none (not a multiplicative network)"))
        else:
            rows.append(("rac", "exact" if self.exact else "approximate, dropped " + ", ".join(self.dropped)))
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def _check_dim(value, name):
    return None if value is None else check_positive_int(value, name)


def detect_arch(state, prefix=None, nonlinearity=None) -> str:
    """The architecture a state dict holds, from its key names and the gate multiple.

    See the module docstring for the rule.

    Parameters
    ----------
    state : mapping of str to array
    prefix : str, optional
        The recurrent keys' prefix (found automatically as in :func:`from_state_dict`).
    nonlinearity : str, optional
        ``"relu"`` makes a one-gate network ``rnn_relu`` (weights cannot tell tanh from relu).

    Returns
    -------
    str
        A canonical name: ``rac``, ``mirnn``, ``rnn_tanh``, ``rnn_relu``, ``gru``, ``lstm``, ``ssm``,
        ``gla`` or ``mamba``.

    Raises
    ------
    WeightsError
        When no recurrent keys are found, or the gate multiple is not 1, 3 or 4.

    Examples
    --------
    >>> detect_arch({"rnn.weight_ih_l0": np.zeros((9, 2)), "rnn.weight_hh_l0": np.zeros((9, 3))})
    'gru'
    >>> detect_arch({"weight_ih_l0": np.zeros((5, 2)), "weight_hh_l0": np.zeros((5, 5))}, nonlinearity="relu")
    'rnn_relu'
    >>> detect_arch({f"net.layers.0.{k}": np.zeros((3, 2)) for k in "AKVQ"})
    'gla'
    """
    keys = {str(k): v for k, v in state.items()}
    found = [name for name, anchor in _FAMILIES if any(k == anchor or k.endswith("." + anchor) for k in keys)]
    if len(found) != 1:
        raise _error("state", "no recurrent keys" if not found else f"the keys of {' and '.join(found)}",
                     "the keys of one nn.RNN/GRU/LSTM (weight_ih_l0, ...), one RACModule/MIRNN "
                     "(hidden_weights.0, ...), one CircuitModule (layers.0.A, ...) or one mambapy Mamba "
                     "(layers.0.mixer.A_log, ...); pass arch= to choose")
    if found[0] == "a CircuitModule":
        return _circuit_kind(keys, _find_prefix(keys, "layers.0.A", prefix, "circuit"))
    if found[0] in ("an LRU", "a diagonal (S4D) layer"):
        return "lru" if found[0] == "an LRU" else "s4d"
    if found[0] == "a mambapy Mamba":
        _find_prefix(keys, "layers.0.mixer.A_log", prefix, "mamba")
        return "mamba"
    if found[0] == "a RACModule/MIRNN":
        p = _find_prefix(keys, "hidden_weights.0", prefix, "rac")
        return "mirnn" if any(k.startswith(p + "biases.") for k in keys) or nonlinearity not in (None, "identity") \
            else "rac"
    p = _find_prefix(keys, "weight_ih_l0", prefix, "recurrent module")
    rows = _Keys(keys).shape(p + "weight_ih_l0", 2, "a (G*H, M) matrix")[0]
    H = _Keys(keys).shape(p + "weight_hh_l0", 2, "a (G*H, H) matrix")[1]
    gates = rows / H
    arch = {1: "rnn", 3: "gru", 4: "lstm"}.get(int(gates)) if gates == int(gates) else None
    if arch is None:
        raise _error(p + "weight_ih_l0", f"{rows} rows for hidden={H} (gate multiple {gates:g})",
                     "a gate multiple of 1 (RNN), 3 (GRU) or 4 (LSTM)")
    return canonical_arch(arch, nonlinearity if arch == "rnn" else None)


#: Families of recurrent keys and the key that anchors each (its first layer).
_FAMILIES = (("an nn.RNN/GRU/LSTM", "weight_ih_l0"), ("a RACModule/MIRNN", "hidden_weights.0"),
             ("a CircuitModule", "layers.0.A"), ("a mambapy Mamba", "layers.0.mixer.A_log"),
             ("an LRU", "nu_log"), ("a diagonal (S4D) layer", "lambda_re"))


def _circuit_kind(keys, p) -> str:
    """``ssm`` or ``gla``, from the parameter names of the first layer (see the module docstring)."""
    from ..circuits import layer_kind

    names = {k[len(p) + len("layers.0."):] for k in keys if k.startswith(p + "layers.0.")}
    for kind in CIRCUIT_ARCHS:
        if names == set(layer_kind(kind).params):
            return kind
    raise _error(p + "layers.0.A", f"a layer with parameters {', '.join(sorted(names))}",
                 "the parameters of an ssm layer (A, B, C) or of a gla layer (A, K, V, Q)")


def from_state_dict(state, arch=None, *, nonlinearity=None, inputs=None, hidden=None, layers=None, prefix=None,
                    readout=None, ignore=(), embedding=None, source="state dict") -> Imported:
    """Import a network from its state dict.

    Parameters
    ----------
    state : mapping of str to array
        Parameter names to numpy arrays or torch tensors.
    arch : {"rac", "mirnn", "rnn", "rnn_tanh", "rnn_relu", "gru", "lstm", "ssm", "gla", "mamba"}, optional
        The network's architecture; detected from the keys and the gate
        multiple when not given (:func:`detect_arch`).
    nonlinearity : str, optional
        ``"tanh"`` (default) or ``"relu"`` for ``"rnn"``; ``"tanh"``
        (default), ``"relu"``, ``"sigmoid"`` or ``"identity"`` for ``"mirnn"``.
    inputs, hidden, layers : int, optional
        ``M``, ``R`` (or ``H``) and ``L``; inferred from the shapes when not
        given, checked against them when given (``inputs`` is the first
        layer's input size, before any embedding is folded).
    prefix : str, optional
        The common prefix of the recurrent keys (``"rnn."``); found
        automatically when exactly one set of recurrent keys is present.
    readout : str, False or None
        For RNN/GRU/LSTM and Mamba: the prefix of a linear readout (``"fc"`` for
        ``fc.weight`` (C, H) and an optional ``fc.bias``); ``None`` takes the
        keys left over as the readout when they are one ``weight`` of shape
        (C, H) and optionally its ``bias``; ``False`` means no readout.
    ignore : iterable of str
        Key prefixes to skip (a decoder, a second head).
    embedding : str, False or None
        The prefix of an embedding table (``"emb"`` for ``emb.weight``) to
        fold into the first layer (see the module docstring); ``None``
        finds one automatically; ``False`` keeps the input space.
    source : str
        Provenance, recorded in the result.

    Returns
    -------
    Imported

    Raises
    ------
    WeightsError
        Naming the key: missing, unexpected, misshapen or not finite.
    InvalidParameterError
        For a bidirectional network or an LSTM with projections (``proj_size``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> state = {"weight_ih_l0": rng.normal(size=(12, 3)), "weight_hh_l0": rng.normal(size=(12, 4)),
    ...          "bias_ih_l0": np.zeros(12), "bias_hh_l0": np.zeros(12)}
    >>> from_state_dict(state, "gru").model
    RecurrentModel('gru', depth=1, hidden=4, inputs=3)
    >>> from_state_dict(state, "lstm")
    Traceback (most recent call last):
    ...
    tnrnn.errors.WeightsError: invalid weight_hh_l0=shape (12, 4): expected shape (16, 4) for a lstm with hidden=4
    """
    if not hasattr(state, "items"):
        raise InvalidParameterError("state", type(state).__name__, "a mapping of parameter names to arrays")
    if isinstance(ignore, str):
        ignore = (ignore,)
    ignore = tuple(ignore)
    state = {k: v for k, v in state.items() if not any(str(k).startswith(p) for p in ignore)}
    if arch is None:
        arch = detect_arch(state, prefix, nonlinearity)
    arch = canonical_arch(arch, nonlinearity if arch not in ("mirnn", "rac") else None)
    dims = {"inputs": _check_dim(inputs, "inputs"), "hidden": _check_dim(hidden, "hidden"),
            "layers": _check_dim(layers, "layers")}
    keys = _Keys(state)
    if arch in DIAGONAL_ARCHS:
        from ..memory.diagonal import from_state_dict as diagonal_from_state_dict

        model = diagonal_from_state_dict(state, DIAGONAL_ARCHS[arch], prefix=prefix or "", source=source)
        return Imported(arch, model, None, False, (), source, None)
    if arch in CIRCUIT_ARCHS or arch == "mamba":
        if readout not in (None, False) and arch != "mamba":
            raise InvalidParameterError("readout", readout, f"None for arch={arch!r} (its readout is output_weights)")
        if arch == "mamba":
            return _mamba(keys, dims, prefix, readout, embedding, source)
        return _circuit(keys, arch, dims, prefix, embedding, source)
    if arch in ("rac", "mirnn"):
        if arch == "rac" and nonlinearity not in (None, "identity"):
            raise InvalidParameterError("nonlinearity", nonlinearity, "none for a RAC")
        return _multiplicative(keys, arch, nonlinearity or "tanh", dims, prefix, readout, embedding, source)
    return _gated(keys, arch, dims, prefix, readout, embedding, source)


def _multiplicative(keys, arch, nonlinearity, dims, prefix, readout, embedding, source):
    if readout not in (None, False):
        raise InvalidParameterError("readout", readout, f"None for arch={arch!r} (its readout is output_weights)")
    if arch == "mirnn" and nonlinearity not in ("tanh", "relu", "sigmoid", "identity"):
        raise InvalidParameterError("nonlinearity", nonlinearity, "'tanh', 'relu', 'sigmoid' or 'identity'")
    p = _find_prefix(keys.arrays, "hidden_weights.0", prefix, arch)
    L = dims["layers"] or _count_layers(keys.arrays, p + "hidden_weights.{}")
    if L == 0:
        raise _error(p + "hidden_weights.0", "missing", f"the first layer of a {arch}")
    R = dims["hidden"] or keys.shape(p + "hidden_weights.0", 2, "an (R, R) matrix")[1]
    M = dims["inputs"] or keys.shape(p + "input_weights.0", 2, f"an ({R}, M) matrix")[1]
    what = f" for a {arch} with depth={L}, hidden={R}, inputs={M}"
    wh = [keys.get(f"{p}hidden_weights.{layer}", (R, R), what) for layer in range(L)]
    wi = [keys.get(f"{p}input_weights.{layer}", (R, M if layer == 0 else R), what) for layer in range(L)]
    C = keys.shape(p + "output_weights", 2, f"a (C, {R}) matrix")[0]
    wo = keys.get(p + "output_weights", (C, R), what)
    biases = []
    if arch == "mirnn" and any(f"{p}biases.{layer}" in keys.arrays for layer in range(L)):
        biases = [keys.get(f"{p}biases.{layer}", (R,), what) for layer in range(L)]
    emb = _find_embedding(keys, embedding, M, p + "hidden_weights.0")
    if emb is not None:
        wi[0] = _fold(keys, emb, wi[0], M)
    _reject_extras(keys, f"a {L}-layer {arch}" + ("" if emb is None else " and its embedding"))
    rac = RAC(tuple(wh), tuple(wi), wo)
    if arch == "rac":
        return Imported("rac", rac, rac, True, (), source, emb)
    dropped = [] if nonlinearity == "identity" else [f"nonlinearity {nonlinearity}"]
    dropped += [f"{p}biases.{layer}" for layer, b in enumerate(biases) if np.any(b != 0)]
    model = RecurrentModel(
        "mirnn", [RecurrentLayer(wi[layer], wh[layer], biases[layer] if biases else None) for layer in range(L)],
        readout_weight=wo, nonlinearity=nonlinearity,
    )
    return Imported("mirnn", model, rac, not dropped, tuple(dropped), source, emb)


def _mamba(keys, dims, prefix, readout, embedding, source, **options):
    """A mambapy Mamba's weights as a :class:`~tnrnn.bridge.mamba.MambaModel` (``options``: its config's
    ``eps`` and ``inner_norms``, which a state dict does not show)."""
    from .mamba import mamba_from_keys

    model, emb = mamba_from_keys(keys, dims, prefix, readout, embedding, **options)
    return Imported("mamba", model, None, False, (), source, emb)


def _circuit(keys, arch, dims, prefix, embedding, source):
    """A :class:`~tnrnn.bridge.nn.CircuitModule`'s weights as the :class:`~tnrnn.circuits.GatedCircuit` they define."""
    from ..circuits import GatedCircuit, layer_kind

    kind = layer_kind(arch)
    p = _find_prefix(keys.arrays, "layers.0.A", prefix, arch)
    if _circuit_kind(keys.arrays, p) != arch:
        found = _circuit_kind(keys.arrays, p)
        raise _error(p + "layers.0.A", f"the first layer of an {found} circuit" if found == "ssm" else
                     f"the first layer of a {found} circuit", f"the layers of a {arch} circuit")
    L = dims["layers"] or _count_layers(keys.arrays, p + "layers.{}.A")
    R, M = keys.shape(p + "layers.0.A", 2, "an (R, M) matrix")
    R, M = dims["hidden"] or R, dims["inputs"] or M
    what = f" for a {arch} circuit with depth={L}, hidden={R}, inputs={M}"
    layers = [{name: keys.get(f"{p}layers.{layer}.{name}", kind.param_shape(name, R, M if layer == 0 else R), what)
               for name in kind.params} for layer in range(L)]
    C = keys.shape(p + "output_weights", 2, f"a (C, {R}) matrix")[0]
    wo = keys.get(p + "output_weights", (C, R), what)
    emb = _find_embedding(keys, embedding, M, p + "layers.0.A")
    if emb is not None:
        layers[0] = {name: _fold(keys, emb, w, M) for name, w in layers[0].items()}
    extra = sorted(k for k in keys.left() if k.startswith(p + "layers."))
    if extra:
        raise _error(extra[0], "unexpected key", f"only the keys of a {L}-layer {arch} circuit")
    _reject_extras(keys, f"a {L}-layer {arch} circuit" + ("" if emb is None else " and its embedding"))
    return Imported(arch, GatedCircuit(arch, tuple(layers), wo), None, False, (), source, emb)


def _gated(keys, arch, dims, prefix, readout, embedding, source):
    bad = sorted(k for k in keys.arrays if re.search(r"_l\d+_reverse$", k))
    if bad:
        raise InvalidParameterError(
            "module", f"a bidirectional {arch} (key {bad[0]!r})",
            "a unidirectional network: the Start-End measure reads the sequence left to right",
        )
    bad = sorted(k for k in keys.arrays if re.search(r"(^|\.)weight_hr_l\d+$", k))
    if bad:
        raise InvalidParameterError("module", f"an LSTM with projections (key {bad[0]!r})",
                                    "an LSTM without proj_size")
    G = GATES[arch]
    p = _find_prefix(keys.arrays, "weight_ih_l0", prefix, arch)
    L = dims["layers"] or _count_layers(keys.arrays, p + "weight_ih_l{}")
    if L == 0:
        raise _error(p + "weight_ih_l0", "missing", f"the first layer of a {arch}")
    H = dims["hidden"] or keys.shape(p + "weight_hh_l0", 2, f"a ({G}*H, H) matrix")[1]
    M = dims["inputs"] or keys.shape(p + "weight_ih_l0", 2, f"a ({G * H}, M) matrix")[1]
    what = f" for a {arch} with hidden={H}"
    bias = p + "bias_ih_l0" in keys.arrays or p + "bias_hh_l0" in keys.arrays
    layers = []
    for k in range(L):
        if k == 0 and not dims["hidden"]:   # H was read off weight_hh_l0: check that matrix first
            w_hh = keys.get(f"{p}weight_hh_l{k}", (G * H, H), what)
        w_ih = keys.get(f"{p}weight_ih_l{k}", (G * H, M if k == 0 else H), what)
        w_hh = keys.get(f"{p}weight_hh_l{k}", (G * H, H), what)
        b_ih = keys.get(f"{p}bias_ih_l{k}", (G * H,), what) if bias else None
        b_hh = keys.get(f"{p}bias_hh_l{k}", (G * H,), what) if bias else None
        layers.append(RecurrentLayer(w_ih, w_hh, b_ih, b_hh))
    recurrent = [k for k in keys.arrays if k.startswith(p) and re.fullmatch(r"(weight|bias)_(ih|hh)_l\d+", k[len(p):])]
    extra = sorted(set(recurrent) - keys.used)
    if extra:
        raise _error(extra[0], "unexpected key", f"only the keys of a {L}-layer {arch}")
    emb = _find_embedding(keys, embedding, M, p + "weight_ih_l0")
    if emb is not None:
        first = layers[0]
        layers[0] = RecurrentLayer(_fold(keys, emb, first.weight_ih, M), first.weight_hh, first.bias_ih, first.bias_hh)
    wo, bo = _read_readout(keys, readout, H, f"a {arch} with hidden={H}")
    _reject_extras(keys, f"a {L}-layer {arch}" + ("" if emb is None else ", its embedding")
                   + ("" if wo is None else " and its readout"))
    model = RecurrentModel(arch, layers, readout_weight=wo, readout_bias=bo)
    return Imported(arch, model, None, False, (), source, emb)
