"""Read weight files without executing code: ``.pt``/``.pth``, ``.safetensors``, ``.npz``.

``.pt``/``.pth`` files are pickles; they are read with
``torch.load(weights_only=True)``, whose restricted unpickler accepts
tensors, containers and numbers only.  A file that would need to run code
to unpickle (a pickled ``nn.Module``, or a payload planted with
``__reduce__``) is refused with :class:`~tnrnn.errors.UnsafeWeightsError`
before anything in it runs.  ``.npz`` files are read with
``allow_pickle=False``; ``.safetensors`` files hold no code by design.

Before anything is read, the memory the file will take is estimated from
what it declares, not from its size on disk (:func:`declared_bytes`):

* ``.npz``: the shape and dtype in the header of every ``.npy`` member
  (read from the archive without decompressing the data), and the members'
  uncompressed sizes, so a small compressed file that inflates to gigabytes,
  or a header that declares a huge shape, is refused before numpy allocates;
* ``.safetensors``: the JSON header (its length bounded first), every
  tensor's dtype, shape and byte range checked against the file;
* ``.pt``: a zip archive (torch >= 1.6) by its members' uncompressed sizes; a
  legacy pickle by the element counts its storages declare, read from the
  pickle's opcodes (:mod:`pickletools`, nothing executed).

After reading, empty arrays, sparse tensors and weights so large that a
product of two overflows float64 (``|w| > 1e154``) are refused naming the
key, rather than failing later with a ``ZeroDivisionError`` or a ``nan``.
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
from ._keys import _Text
from .mapping import Imported, from_state_dict

__all__ = ["WEIGHT_FORMATS", "MAX_WEIGHT_MAGNITUDE", "declared_bytes", "payload_bytes", "read_state_dict",
           "load_weights"]

#: Weights above this magnitude are refused: the product of two overflows float64 (sqrt(1.8e308) = 1.3e154).
MAX_WEIGHT_MAGNITUDE = 1e154

#: A safetensors header longer than this is refused before it is read (real headers are kilobytes).
MAX_SAFETENSORS_HEADER = 100 * 2**20

_SAFETENSORS_BYTES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1, "I16": 2, "U16": 2, "F16": 2,
                      "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8, "C64": 8, "C128": 16}

_STORAGE_BYTES = {"Double": 8, "Float": 4, "Half": 2, "BFloat16": 2, "Long": 8, "Int": 4, "Short": 2, "Char": 1,
                  "Byte": 1, "Bool": 1, "ComplexFloat": 8, "ComplexDouble": 16, "Untyped": 1, "QInt8": 1,
                  "QUInt8": 1, "QInt32": 4}

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
        if "Unsupported global" not in str(err) and "WeightsUnpickler" not in str(err):
            raise WeightsError("path", _Text(f"{os.fspath(path)} (not a torch file: {' '.join(str(err).split())[:120]})"),
                               "a .pt/.pth file written by torch.save") from None
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


def _bad(fspath: str, why: str, allowed: str):
    return WeightsError("path", _Text(f"{fspath} ({why})"), allowed)


#: The most deflate can expand its input (zlib's documented bound is about 1032:1).
DEFLATE_MAX_RATIO = 1032


def _npz_declared(fspath: str) -> int:
    """Bytes the ``.npy`` members of an ``.npz`` declare in their headers (nothing decompressed beyond them)."""
    total = 0
    size = os.path.getsize(fspath)
    allowed = "an .npz file written by numpy.savez"
    try:
        with zipfile.ZipFile(fspath) as archive:
            for info in archive.infolist():
                # the zip's own sizes, checked against the file before numpy trusts them to allocate
                if info.header_offset + info.compress_size > size:
                    raise _bad(fspath, f"{info.filename} declares {info.compress_size} bytes at offset "
                               f"{info.header_offset}, past the end of the file ({size} bytes)", allowed)
                if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
                    raise _bad(fspath, f"{info.filename} is stored uncompressed but declares {info.file_size} "
                               f"bytes in {info.compress_size}", allowed)
                if info.compress_type == zipfile.ZIP_DEFLATED and \
                        info.file_size > DEFLATE_MAX_RATIO * info.compress_size + 1024:
                    raise _bad(fspath, f"{info.filename} declares {info.file_size} bytes from {info.compress_size} "
                               f"compressed, more than deflate expands ({DEFLATE_MAX_RATIO}:1)", allowed)
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise _bad(fspath, f"{info.filename} uses zip compression method {info.compress_type}",
                               "an .npz file written by numpy.savez or savez_compressed (stored or deflated)")
                if not info.filename.endswith(".npy"):
                    total += info.file_size
                    continue
                with archive.open(info) as fh:
                    version = np.lib.format.read_magic(fh)
                    if version == (1, 0):   # numpy's public header readers (the private one may change)
                        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
                    elif version == (2, 0):
                        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
                    else:   # 3.0: utf-8 field names, which numeric weights never have
                        raise _bad(fspath, f"{info.filename} is .npy format {version[0]}.{version[1]}",
                                   "an .npz of .npy format 1.0 or 2.0 (numeric arrays)")
                nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize if shape else dtype.itemsize
                if dtype.hasobject:
                    raise UnsafeWeightsError(
                        f"refused to load {fspath}: {info.filename} is an object array, which needs pickle (and "
                        "could execute code) to read; save numeric arrays only")
                if nbytes > info.file_size:
                    raise _bad(fspath, f"{info.filename} declares shape {tuple(shape)} of {dtype}, {nbytes} bytes, "
                               f"but holds {info.file_size}", "an .npz file written by numpy.savez")
                total += nbytes
    except (WeightsError, UnsafeWeightsError):
        raise
    except (OSError, EOFError, zipfile.BadZipFile, ValueError, SyntaxError) as err:
        raise _bad(fspath, f"{type(err).__name__}: {' '.join(str(err).split())[:200]}",
                   "an .npz file written by numpy.savez") from None
    return total


def _safetensors_declared(fspath: str) -> int:
    """Bytes the tensors of a ``.safetensors`` file declare, read by safetensors itself (``get_slice``: the
    header only, no tensor), after the header's own length is checked against the file."""
    import struct

    allowed = "a .safetensors file"
    size = os.path.getsize(fspath)
    with open(fspath, "rb") as fh:
        head = fh.read(8)
    if len(head) < 8:
        raise _bad(fspath, "shorter than a safetensors header", allowed)
    (n,) = struct.unpack("<Q", head)
    if n > min(size - 8, MAX_SAFETENSORS_HEADER):
        raise _bad(fspath, f"its header declares {n} bytes, more than the file or {MAX_SAFETENSORS_HEADER} holds",
                   allowed)
    try:
        from safetensors import safe_open
    except ImportError:
        raise MissingDependencyError("safetensors", "reading .safetensors weight files", extra="torch") from None
    total = 0
    try:   # safetensors checks that the declared offsets tile the data exactly
        with safe_open(fspath, framework="numpy") as f:
            for key in f.keys():
                piece = f.get_slice(key)
                dtype, shape = piece.get_dtype(), piece.get_shape()
                if dtype not in _SAFETENSORS_BYTES:
                    raise _bad(fspath, f"tensor {key!r} has an unknown dtype {dtype!r}", allowed)
                total += _SAFETENSORS_BYTES[dtype] * int(np.prod(shape, dtype=object))
    except WeightsError:
        raise
    except Exception as err:  # safetensors' own SafetensorError: a header that does not match the data
        raise _bad(fspath, f"its header declares shapes or dtypes the file does not hold "
                   f"({type(err).__name__}: {' '.join(str(err).split())[:160]})", allowed) from None
    if total > size - 8 - n:   # what the header declares must be in the file (safetensors checks too: twice)
        raise _bad(fspath, f"its header declares {total} bytes of tensors, but the file holds {size - 8 - n} after "
                   "the header", allowed)
    return total


def _legacy_torch_declared(fspath: str) -> int:
    """Bytes the storages of a legacy (pickle, pre-1.6) ``.pt`` file declare, read from its opcodes."""
    import io
    import pickletools

    allowed = "a .pt/.pth file written by torch.save"
    with open(fspath, "rb") as fh:
        data = fh.read()
    stream = io.BytesIO(data)
    total = 0
    try:
        for _ in range(3):   # magic number, protocol version, system info
            for _op in pickletools.genops(stream):
                pass
        pending = None
        for opcode, arg, _pos in pickletools.genops(stream):
            if opcode.name in ("GLOBAL", "STACK_GLOBAL") and isinstance(arg, str) and arg.endswith("Storage"):
                pending = _STORAGE_BYTES.get(arg.split()[-1][: -len("Storage")], 8)
            elif pending is not None and opcode.name in ("BININT", "BININT1", "BININT2", "LONG1", "LONG4", "INT",
                                                         "LONG") and isinstance(arg, int):
                total += pending * max(arg, 0)
                pending = None
    except (ValueError, EOFError, pickle.UnpicklingError, UnicodeDecodeError):
        return len(data)   # not torch's legacy layout (a plain pickle): torch.load's restricted unpickler judges it
    if total > len(data):
        raise _bad(fspath, f"its storages declare {total} bytes but the file holds {len(data)}", allowed)
    return total


def declared_bytes(path) -> int:
    """Bytes the arrays of a weights file declare, read from its headers without loading the data.

    ``.npz``: the ``.npy`` headers of its members; ``.safetensors``: its
    JSON header; ``.pt``/``.pth``: the members of its zip archive, or the
    storages a legacy pickle declares.  A header that declares more data
    than the file holds is refused (:class:`~tnrnn.errors.WeightsError`).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "w.npz")
    >>> np.savez_compressed(path, w=np.zeros((100, 100)))
    >>> declared_bytes(path) >= 80_000
    True
    """
    fspath = os.fspath(path)
    suffix = os.path.splitext(fspath)[1].lower()
    if suffix == ".npz" and zipfile.is_zipfile(fspath):
        return _npz_declared(fspath)
    if suffix == ".safetensors":
        return _safetensors_declared(fspath)
    if suffix in (".pt", ".pth") and not zipfile.is_zipfile(fspath):
        with open(fspath, "rb") as fh:
            magic = fh.read(2)
        if magic[:1] != b"\x80":
            raise _bad(fspath, "neither a zip archive nor a pickle", "a .pt/.pth file written by torch.save")
        return _legacy_torch_declared(fspath)
    return payload_bytes(fspath)


def _check_arrays(state: dict, fspath: str) -> dict:
    """Refuse sparse tensors, empty arrays and weights too large for float64 products, naming the key."""
    for key, value in state.items():
        layout = getattr(value, "layout", None)
        if layout is not None and "strided" not in str(layout):
            raise WeightsError(str(key), _Text(f"a {str(layout).replace('torch.', '')} tensor in {fspath}"),
                               "a dense tensor (call .to_dense() before saving)")
        shape = tuple(getattr(value, "shape", ()))
        if 0 in shape:
            raise WeightsError(str(key), _Text(f"shape {shape} in {fspath}"), "a non-empty array")
        kind = getattr(getattr(value, "dtype", None), "kind", None)
        if kind is None and getattr(value, "is_floating_point", None) is not None:
            kind = "f" if value.is_floating_point() else "i"
        if kind in ("f", "c") and shape:
            import math

            biggest = float(abs(value).max())
            if biggest > MAX_WEIGHT_MAGNITUDE and math.isfinite(biggest):
                raise WeightsError(str(key), _Text(f"max |w| = {biggest:.3g} in {fspath}"),
                                   f"weights of magnitude at most {MAX_WEIGHT_MAGNITUDE:.0e} (a product of two larger "
                                   "ones overflows float64); rescale them")
    return state


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
    check_memory(f"the arrays {fspath} declares", declared_bytes(fspath), max_memory,
                 "its headers declare more data than the limit (checked before anything is read); raise "
                 "--max-memory only for a file you trust")
    if suffix in (".pt", ".pth"):
        state = _read_torch(fspath)
    elif suffix == ".safetensors":
        state = _read_safetensors(fspath)
    else:
        state = _read_npz(fspath)
    return _check_arrays(state, fspath)


def load_weights(path, arch=None, *, nonlinearity=None, inputs=None, hidden=None, layers=None, prefix=None,
                 readout=None, ignore=(), embedding=None, max_memory=None) -> Imported:
    """Import a network from a weights file.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.pt``/``.pth``, ``.safetensors`` or ``.npz`` file (see
        :func:`read_state_dict`); nothing in it is executed.
    arch : {"rac", "mirnn", "rnn", "rnn_tanh", "rnn_relu", "gru", "lstm", "scornn"}, optional
        The network's architecture (detected from the keys when not given);
        ``"scornn"`` (``tnrnn train``'s model) imports through
        :func:`tnrnn.bridge.modules.from_scornn_state` and takes none of the
        keyword options.
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
    if isinstance(arch, str) and arch.lower() == "scornn":   # tnrnn train's default model: no RAC form
        from .modules import from_scornn_state

        imported = from_scornn_state(state, source=os.fspath(path))
        for name, given, have in (("inputs", inputs, imported.model.inputs), ("hidden", hidden, imported.model.hidden),
                                  ("layers", layers, imported.model.depth)):
            if given is not None and given != have:
                raise InvalidParameterError(name, given, f"{have} (the file's)")
        return imported
    return from_state_dict(state, arch, nonlinearity=nonlinearity, inputs=inputs, hidden=hidden, layers=layers,
                           prefix=prefix, readout=readout, ignore=ignore, embedding=embedding,
                           source=os.fspath(path))
