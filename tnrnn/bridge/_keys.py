"""Reading a state dict's keys: validated lookups, prefixes, embeddings and readouts (shared by the importers).

Every problem raises :class:`~tnrnn.errors.WeightsError` whose ``name`` is the offending key.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError, WeightsError


class _Text(str):
    """A value shown without quotes in an error message."""

    def __repr__(self) -> str:
        return str(self)


def _error(key: str, value: str, allowed: str) -> WeightsError:
    return WeightsError(key, _Text(value), allowed)


# -- reading arrays ---------------------------------------------------------------------
def _as_numpy(key, value):
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor; bfloat16 has no numpy twin
        value = value.detach().cpu()
        if value.is_floating_point():
            value = value.double()
        value = value.numpy()
    arr = np.asarray(value) if isinstance(value, (np.ndarray, np.generic)) else None
    if arr is None or arr.dtype.kind not in "iuf":   # booleans are masks, not weights (tnrnn.RAC refuses them too)
        what = f"an array of dtype {arr.dtype}" if arr is not None else f"a {type(value).__name__}"
        raise _error(key, what, "a real (integer or floating) array")
    return arr


class _Keys:
    """The state dict being consumed: lookups validate shape and finiteness."""

    def __init__(self, state):
        self.arrays = {str(k): v for k, v in state.items()}
        self.used = set()

    def has(self, key):
        return key in self.arrays

    def get(self, key, shape, what=""):
        if key not in self.arrays:
            raise _error(key, "missing", f"a tensor of shape {shape}{what}")
        arr = _as_numpy(key, self.arrays[key])
        if arr.shape != tuple(shape):
            raise _error(key, f"shape {arr.shape}", f"shape {tuple(shape)}{what}")
        arr = arr.astype(np.float64)
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        if bad:
            raise _error(key, f"{bad} non-finite values (NaN or inf)", "finite numbers")
        self.used.add(key)
        return arr

    def shape(self, key, ndim, what):
        if key not in self.arrays:
            raise _error(key, "missing", what)
        arr = _as_numpy(key, self.arrays[key])
        if arr.ndim != ndim:
            raise _error(key, f"shape {arr.shape}", what)
        return arr.shape

    def left(self):
        return sorted(k for k in self.arrays if k not in self.used)


def _find_prefix(keys, anchor, prefix, arch):
    if prefix is not None:
        if not isinstance(prefix, str):
            raise InvalidParameterError("prefix", prefix, "a string such as 'rnn.'")
        if prefix and not prefix.endswith(".") and prefix + anchor not in keys:
            prefix += "."
        return prefix
    hits = [k[: -len(anchor)] for k in keys if k.endswith(anchor) and (k == anchor or k[-len(anchor) - 1] == ".")]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise _error(anchor, "missing", f"a key ending in {anchor!r} (the first layer of a {arch})")
    raise _error(anchor, f"found under {len(hits)} prefixes {hits}",
                 "a single recurrent module; pass prefix= to choose one")


def _count_layers(keys, pattern):
    k = 0
    while pattern.format(k) in keys:
        k += 1
    return k


_EMBEDDING_NAMES = ("emb", "wte", "token", "vocab", "lookup")


def _find_embedding(keys, embedding, D, first_recurrent):
    """The key of the embedding table to fold (``(V, D)``), or ``None``; see the module docstring."""
    if embedding is False:
        return None
    order = list(keys.arrays)
    if embedding is not None:
        if not isinstance(embedding, str):
            raise InvalidParameterError("embedding", embedding, "a key prefix such as 'emb', None or False")
        key = embedding if embedding.endswith("weight") else (embedding.rstrip(".") + ".weight")
        keys.shape(key, 2, f"a (V, {D}) embedding table")
        return key
    before = order.index(first_recurrent) if first_recurrent in order else len(order)
    candidates = []
    for pos, k in enumerate(order):
        if k in keys.used or k.rpartition(".")[2] != "weight":
            continue
        group = k.rpartition(".")[0]
        if any(o.startswith(group + ".") and o != k for o in order) if group else False:
            continue  # a module with more than a weight (a Linear with bias, a LayerNorm)
        arr = keys.arrays[k]
        if len(getattr(arr, "shape", ())) != 2 or arr.shape[1] != D:
            continue
        if pos < before or any(name in group.lower() for name in _EMBEDDING_NAMES):
            candidates.append(k)
    if len(candidates) > 1:
        raise _error(candidates[1], "a second embedding candidate", "one embedding; pass embedding= to choose it")
    return candidates[0] if candidates else None


def _fold(keys, key, w_first, D):
    """``w_first @ E.T``: the first layer's input weights on one-hot tokens."""
    V = keys.shape(key, 2, f"a (V, {D}) embedding table")[0]
    table = keys.get(key, (V, D), " (an embedding table)")
    return w_first @ table.T


def _reject_extras(keys, what):
    left = keys.left()
    if left:
        raise _error(left[0], "unexpected key", f"only the keys of {what}")


def _guess_readout(keys, H):
    """The prefix of the one leftover ``weight`` (C, H) (with its optional ``bias``), else ``None``."""
    left = keys.left()
    groups = {}
    for k in left:
        group, _, leaf = k.rpartition(".")
        groups.setdefault(group, set()).add(leaf)
    candidates = []
    for group, leaves in groups.items():
        weight = f"{group}.weight" if group else "weight"
        if "weight" in leaves and leaves <= {"weight", "bias"}:
            arr = keys.arrays[weight]
            if len(getattr(arr, "shape", ())) == 2 and arr.shape[1] == H:
                candidates.append(group)
    if len(candidates) > 1:
        second = sorted(candidates)[1]
        raise _error(f"{second}.weight" if second else "weight", "a second readout candidate",
                     "one readout; pass readout= to choose it")
    return candidates[0] if candidates else None


def _read_readout(keys, readout, H, what):
    """``(weight, bias)`` of the linear readout at prefix ``readout`` (``None``: :func:`_guess_readout`;
    ``False``: none), each ``None`` when absent."""
    if readout is None:
        readout = _guess_readout(keys, H)
    if readout in (None, False):
        return None, None
    if not isinstance(readout, str):
        raise InvalidParameterError("readout", readout, "a key prefix such as 'fc', None or False")
    dot = readout if readout.endswith(".") or not readout else readout + "."
    C = keys.shape(dot + "weight", 2, f"a (C, {H}) readout matrix")[0]
    wo = keys.get(dot + "weight", (C, H), f" for a readout of {what}")
    bo = keys.get(dot + "bias", (C,), " for the readout's bias") if dot + "bias" in keys.arrays else None
    return wo, bo
