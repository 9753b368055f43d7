"""Read weight files without executing code: ``.pt``/``.pth``, ``.safetensors``, ``.npz``.

``.pt``/``.pth`` files are pickles; they are read with
``torch.load(weights_only=True)``, whose restricted unpickler accepts
tensors, containers and numbers only.  A file that would need to run code
to unpickle (a pickled ``nn.Module``, or a payload planted with
``__reduce__``) is refused with :class:`~tnrnn.errors.UnsafeWeightsError`
before anything in it runs.  ``.npz`` files are read with
``allow_pickle=False``; ``.safetensors`` files hold no code by design.

Before anything is read, the memory the file will take is estimated from
what it declares, not from its size on disk: the uncompressed sizes of the
members of a zip archive (``.npz``, and ``.pt`` files since torch 1.6), so a
small compressed file that inflates to gigabytes is refused before it is
decompressed; the file size for the other formats.
"""

from __future__ import annotations

import os
import pickle
import re
import warnings
import zipfile

import numpy as np

from ..errors import InvalidParameterError, MissingDependencyError, UnsafeWeightsError, WeightsError
from ..limits import check_memory
from .mapping import Imported, _Text, from_state_dict

__all__ = ["WEIGHT_FORMATS", "payload_bytes", "read_state_dict", "load_weights"]

#: File suffixes understood by :func:`read_state_dict`.
WEIGHT_FORMATS = (".pt", ".pth", ".safetensors", ".npz")

#: Checkpoint entries that commonly wrap the state dict itself.
_WRAPPERS = ("state_dict", "model_state_dict", "model")


def _unwrap(obj, path):
    if isinstance(obj, dict) and all(hasattr(v, "shape") for v in obj.values()):
        return obj
    if isinstance(obj, dict):
        for key in _WRAPPERS:
            inner = obj.get(key)
            if isinstance(inner, dict) and inner and all(hasattr(v, "shape") for v in inner.values()):
                return inner
    raise WeightsError("path", _Text(f"{os.fspath(path)} (holds a {type(obj).__name__} that is not a state dict)"),
                       "a mapping of parameter names to tensors, or a checkpoint with one under "
                       + ", ".join(repr(k) for k in _WRAPPERS))


def _culprit(message: str) -> str:
    """What the restricted unpickler refused, from its message (which spans many lines)."""
    m = re.search(r"Unsupported global: GLOBAL (\S+)", message)
    if m:
        return f" (it references {m.group(1)})"
    m = re.search(r"WeightsUnpickler error: ([^\n.]+)", message)
    return f" ({m.group(1).strip()})" if m else ""


def _read_torch(path):
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("torch", "reading .pt/.pth weight files", extra="torch") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the restricted unpickler warns about protocols before refusing
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise UnsafeWeightsError(
            f"refused to load {os.fspath(path)}: unpickling it would execute code, which weights_only=True "
            f"forbids{_culprit(str(err))}; save a state dict instead: torch.save(model.state_dict(), path)"
        ) from None
    except (EOFError, OSError, RuntimeError, ValueError, IndexError, KeyError, TypeError, zipfile.BadZipFile,
            AttributeError) as err:
        raise WeightsError("path", _Text(f"{os.fspath(path)} ({type(err).__name__}: {err})"),
                           "a .pt/.pth file written by torch.save") from None
    return _unwrap(obj, path)


def _read_safetensors(path):
    try:
        from safetensors import safe_open
    except ImportError:
        raise MissingDependencyError("safetensors", "reading .safetensors weight files", extra="torch") from None
    try:
        with safe_open(os.fspath(path), framework="numpy") as f:
            return {k: f.get_tensor(k) for k in f.keys()}
    except TypeError:
        pass  # a dtype numpy lacks (bfloat16): read through torch, which has it
    except Exception as err:  # safetensors raises its own SafetensorError for malformed headers
        raise WeightsError("path", _Text(f"{os.fspath(path)} ({type(err).__name__}: {err})"),
                           "a .safetensors file") from None
    try:
        import torch  # noqa: F401
    except ImportError:
        raise MissingDependencyError("torch", "reading bfloat16 .safetensors files", extra="torch") from None
    with safe_open(os.fspath(path), framework="pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}


def payload_bytes(path) -> int:
    """Bytes the arrays of a weights file take once read: for a zip archive (``.npz``, zip-format ``.pt``) the
    sum of its members' declared uncompressed sizes, read from the archive's directory without decompressing
    anything; else the file's size.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "zeros.npz")
    >>> np.savez_compressed(path, w=np.zeros((1000, 1000)))
    >>> os.path.getsize(path) < 100_000, payload_bytes(path) >= 8_000_000
    (True, True)
    """
    fspath = os.fspath(path)
    if zipfile.is_zipfile(fspath):
        try:
            with zipfile.ZipFile(fspath) as archive:
                return sum(info.file_size for info in archive.infolist())
        except (OSError, zipfile.BadZipFile, EOFError) as err:
            raise WeightsError("path", _Text(f"{fspath} ({type(err).__name__}: {err})"),
                               "a readable weights file") from None
    return os.path.getsize(fspath)


def _read_npz(path):
    if not zipfile.is_zipfile(os.fspath(path)):
        raise WeightsError("path", _Text(f"{os.fspath(path)} (not a zip archive)"),
                           "an .npz file written by numpy.savez (a zip archive of .npy arrays)")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except ValueError as err:
        if "pickle" in str(err).lower():
            raise UnsafeWeightsError(
                f"refused to load {os.fspath(path)}: it holds object arrays, which need pickle "
                "(and could execute code) to read; save numeric arrays only"
            ) from None
        raise WeightsError("path", _Text(f"{os.fspath(path)} ({err})"), "an .npz file of numeric arrays") from None
    except (OSError, EOFError, zipfile.BadZipFile) as err:
        raise WeightsError("path", _Text(f"{os.fspath(path)} ({type(err).__name__}: {err})"),
                           "an .npz file written by numpy.savez") from None


def read_state_dict(path, *, max_memory=None) -> dict:
    """Read a weights file into a dict of parameter names to arrays, executing no code.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.pt``/``.pth`` file written by ``torch.save`` (a state dict, or a
        checkpoint dict with one under ``"state_dict"``,
        ``"model_state_dict"`` or ``"model"``), a ``.safetensors`` file or an
        ``.npz`` file.
    max_memory : int, str or None
        Refuse a file whose arrays (:func:`payload_bytes`, read before
        anything is decompressed) take more than this (default 4 GiB).

    Returns
    -------
    dict of str to array
        numpy arrays (torch tensors for ``.pt`` files and bfloat16 tensors).

    Raises
    ------
    UnsafeWeightsError
        If loading would need to execute code (a pickled object, an object
        array in an ``.npz``).
    WeightsError
        If the file cannot be read as weights.
    InvalidParameterError
        If the file does not exist or has another suffix.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "w.npz")
    >>> np.savez(path, **{"weight_ih_l0": np.ones((2, 3))})
    >>> {k: v.shape for k, v in read_state_dict(path).items()}
    {'weight_ih_l0': (2, 3)}
    """
    try:
        fspath = os.fspath(path)
    except TypeError:
        raise InvalidParameterError("path", path, "a path to a weights file") from None
    suffix = os.path.splitext(fspath)[1].lower()
    if suffix not in WEIGHT_FORMATS:
        raise InvalidParameterError("path", fspath, "a file ending in " + ", ".join(WEIGHT_FORMATS))
    if not os.path.isfile(fspath):
        raise InvalidParameterError("path", fspath, "an existing file")
    if not os.access(fspath, os.R_OK):
        raise InvalidParameterError("path", fspath, "a readable file (permission denied)")
    check_memory(f"the arrays of {fspath}", payload_bytes(fspath), max_memory,
                 "the file declares more data than the limit (a compressed archive is checked by its "
                 "uncompressed size); raise --max-memory only for a file you trust")
    if suffix in (".pt", ".pth"):
        return _read_torch(fspath)
    if suffix == ".safetensors":
        return _read_safetensors(fspath)
    return _read_npz(fspath)


def load_weights(path, arch=None, *, nonlinearity=None, inputs=None, hidden=None, layers=None, prefix=None,
                 readout=None, ignore=(), embedding=None, max_memory=None) -> Imported:
    """Import a network from a weights file.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.pt``/``.pth``, ``.safetensors`` or ``.npz`` file (see
        :func:`read_state_dict`); nothing in it is executed.
    arch : {"rac", "mirnn", "rnn", "rnn_tanh", "rnn_relu", "gru", "lstm"}, optional
        The network's architecture (detected from the keys when not given).
    nonlinearity, inputs, hidden, layers, prefix, readout, ignore, embedding
        As in :func:`from_state_dict`.
    max_memory : int, str or None
        As in :func:`read_state_dict` (default 4 GiB).

    Returns
    -------
    Imported

    Raises
    ------
    UnsafeWeightsError
        If the file would need to execute code to load.
    WeightsError
        Naming the key: missing, unexpected, misshapen or not finite.

    Examples
    --------
    An LSTM state dict saved as ``.npz`` (torch's names), with a readout ``fc``:

    >>> import os, tempfile
    >>> rng = np.random.default_rng(0)
    >>> state = {"rnn.weight_ih_l0": rng.normal(size=(8, 3)), "rnn.weight_hh_l0": rng.normal(size=(8, 2)),
    ...          "fc.weight": rng.normal(size=(1, 2)), "fc.bias": np.zeros(1)}
    >>> path = os.path.join(tempfile.mkdtemp(), "lstm.npz")
    >>> np.savez(path, **state)
    >>> imported = load_weights(path)              # the gate multiple 8 / 2 = 4 says LSTM
    >>> imported.model
    RecurrentModel('lstm', depth=1, hidden=2, inputs=3, readout=1)
    >>> load_weights(path, arch="lstm", hidden=3)
    Traceback (most recent call last):
    ...
    tnrnn.errors.WeightsError: invalid rnn.weight_ih_l0=shape (8, 3): expected shape (12, 3) for a lstm with hidden=3
    """
    state = read_state_dict(path, max_memory=max_memory)
    return from_state_dict(state, arch, nonlinearity=nonlinearity, inputs=inputs, hidden=hidden, layers=layers,
                           prefix=prefix, readout=readout, ignore=ignore, embedding=embedding,
                           source=os.fspath(path))
