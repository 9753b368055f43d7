"""Array backends: one vocabulary, one default-device rule, transfers and linear algebra.

Every function of tnrnn that takes ``backend=`` (and ``device=``) asks this
module, so the names, the devices and the transfers are decided here only.

Names and labels
----------------
``backend`` is ``"numpy"``, ``"torch"`` or ``"cupy"`` (:data:`BACKENDS`, with
devices and transfers handled here), or the name of any other installed
array library that autoray dispatches to and that has the operations a
contraction needs (:data:`REQUIRED_OPERATIONS`), such as ``"jax"`` or
``"dask"``: arrays are made with its ``asarray`` and contracted through
autoray, on its default device.  A :class:`Backend` is a name and a device;
its *label* names both in one word, as benchmark records do: ``"numpy"``,
``"torch"`` (torch on the CPU), ``"torch-cuda"`` and ``"cupy"``
(:data:`LABELS`), or the library's name.

The default-device rule
-----------------------
``device=None`` means the CPU for numpy, the GPU for cupy, and for torch the
first CUDA device when torch sees one, else the CPU.  An explicit device is
checked: numpy only runs on ``"cpu"``, and a CUDA device must exist.

Linear algebra (:meth:`Backend.svdvals`, :meth:`Backend.qr_r`,
:meth:`Backend.psd_sqrt`) dispatches through autoray, so the same code runs
on every backend.

Examples
--------
>>> b = resolve("numpy")
>>> b, b.label, b.is_gpu
(Backend(name='numpy', device='cpu'), 'numpy', False)
>>> from_label("torch-cuda")
Backend(name='torch', device='cuda')
>>> resolve("nope")
Traceback (most recent call last):
...
tnrnn.errors.InvalidParameterError: invalid backend='nope': expected numpy, torch, cupy, or an installed array library that autoray supports (jax, dask, ...)
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InvalidParameterError, MissingDependencyError

__all__ = ["BACKENDS", "LABELS", "GPU_LABELS", "REQUIRED_OPERATIONS", "Backend", "resolve", "from_label", "missing",
           "available", "infer"]

#: Array libraries understood by ``backend=``.
BACKENDS = ("numpy", "torch", "cupy")

#: Backend labels (a library and where it runs), as benchmark records name them.
LABELS = ("numpy", "torch", "torch-cuda", "cupy")

#: The labels that run on a GPU.
GPU_LABELS = ("torch-cuda", "cupy")

_EXTRA = {"torch": "torch", "cupy": "gpu"}

#: What another array library must offer through autoray to serve as a backend.
REQUIRED_OPERATIONS = ("asarray", "einsum", "tensordot", "reshape", "transpose")

_ANY = "numpy, torch, cupy, or an installed array library that autoray supports (jax, dask, ...)"


@dataclass(frozen=True)
class Backend:
    """An array library and the device it computes on.

    Build one with :func:`resolve` (checks availability) or
    :func:`from_label`.
    """

    name: str
    device: str = "cpu"

    @property
    def label(self) -> str:
        """``"numpy"``, ``"torch"``, ``"torch-cuda"`` or ``"cupy"``."""
        if self.name == "torch" and self.is_gpu:
            return "torch-cuda"
        return self.name

    @property
    def is_gpu(self) -> bool:
        """Whether arrays live on a GPU."""
        return self.name == "cupy" or str(self.device).startswith("cuda")

    def asarray(self, array: Any, dtype: Any = None) -> Any:
        """``array`` as a float64 (or ``dtype``) array of this backend, on its device.

        numpy inputs are copied for torch (quimb's data are read-only arrays).

        Examples
        --------
        >>> resolve("numpy").asarray([1, 2]).dtype
        dtype('float64')
        """
        if self.name == "numpy":
            from autoray import to_numpy

            return np.asarray(to_numpy(array), dtype=dtype or np.float64)
        if self.name == "torch":
            import torch

            if isinstance(array, torch.Tensor):
                return array.to(device=self.device, dtype=dtype or torch.float64)
            return torch.as_tensor(np.array(array), dtype=dtype or torch.float64, device=self.device)
        if self.name == "cupy":
            import cupy

            return cupy.asarray(array, dtype=dtype or cupy.float64)
        from autoray import do, infer_backend, to_numpy

        if infer_backend(array) == self.name:
            return array
        out = do("asarray", np.asarray(to_numpy(array), dtype=dtype or np.float64), like=self.name)
        if dtype is None and np.dtype(str(out.dtype)).itemsize < 8:  # jax keeps float32 unless told otherwise
            raise InvalidParameterError("backend", self.name, f"an array library that keeps float64 ({self.name} "
                                        f"made {out.dtype}; for jax: jax.config.update('jax_enable_x64', True))")
        return out

    def synchronize(self) -> None:
        """Wait for queued GPU work, so that a timer measures the work itself (no-op on the CPU)."""
        if self.name == "torch" and self.is_gpu:
            import torch

            torch.cuda.synchronize()
        elif self.name == "cupy":
            import cupy

            cupy.cuda.Device().synchronize()

    # -- linear algebra through autoray ---------------------------------------------------------------
    def svdvals(self, x: Any) -> Any:
        """Singular values of a matrix, descending.

        Examples
        --------
        >>> resolve("numpy").svdvals(np.diag([1.0, 3.0])).tolist()
        [3.0, 1.0]
        """
        from autoray import do

        if self.name == "torch":  # torch has a dedicated, faster routine
            return do("linalg.svdvals", x, like="torch")
        if self.name in BACKENDS:
            return do("linalg.svd", x, compute_uv=False, like=self.name)
        return do("linalg.svd", x, like=self.name)[1]  # libraries without compute_uv (dask)

    def qr_r(self, x: Any) -> Any:
        """The ``R`` factor of a reduced QR decomposition."""
        from autoray import do

        if self.name == "torch":
            return do("linalg.qr", x, mode="r", like="torch")[1]
        if self.name in BACKENDS:
            return do("linalg.qr", x, mode="r", like=self.name)
        return self._op("linalg.qr", x)[1]  # libraries without mode= (dask): the reduced (Q, R)

    def _op(self, name, *args, **kwargs):
        """``autoray.do(name, ...)`` for this backend, refused by name when the library lacks it."""
        from autoray import do

        try:
            return do(name, *args, like=self.name, **kwargs)
        except (ImportError, AttributeError, NotImplementedError):
            raise InvalidParameterError("backend", self.name, f"a backend with {name} for this computation "
                                        f"(numpy, torch and cupy have it)") from None

    def psd_sqrt(self, x: Any) -> Any:
        """The symmetric square root of a positive semidefinite matrix (negative eigenvalues clipped).

        Examples
        --------
        >>> resolve("numpy").psd_sqrt(np.diag([4.0, 9.0])).diagonal().tolist()
        [2.0, 3.0]
        """
        from autoray import do

        x = (x + x.T) / 2
        w, v = do("linalg.eigh", x, like=self.name) if self.name in BACKENDS else self._op("linalg.eigh", x)
        return (v * do("sqrt", do("clip", w, 0, None, like=self.name), like=self.name)) @ v.T


def _require(name: str) -> None:
    if importlib.util.find_spec(name) is None:
        raise MissingDependencyError(name, f"the {name} backend", extra=_EXTRA[name])


def _other(name, device) -> Backend:
    """Another autoray backend, checked: installed, with :data:`REQUIRED_OPERATIONS`, on its default device."""
    if not isinstance(name, str) or not name.isidentifier() or importlib.util.find_spec(name) is None:
        raise InvalidParameterError("backend", name, _ANY)
    from autoray import get_lib_fn

    lacking = []
    for op in REQUIRED_OPERATIONS:
        try:
            get_lib_fn(name, op)
        except (ImportError, AttributeError, KeyError):
            lacking.append(op)
    if lacking:
        raise InvalidParameterError("backend", name, f"an array library with {', '.join(lacking)} (autoray found "
                                    f"none in {name!r}); or one of {', '.join(BACKENDS)}")
    if device not in (None, "default"):
        raise InvalidParameterError("device", device, f"None: the {name} backend runs on its default device")
    return Backend(name, "default")


def resolve(backend: str | Backend = "numpy", device: str | None = None, *,
            allowed: tuple[str, ...] | None = None) -> Backend:
    """The :class:`Backend` for ``backend`` and ``device``, checked; see the default-device rule above.

    Parameters
    ----------
    backend : str or Backend
        ``"numpy"``, ``"torch"``, ``"cupy"``, another autoray backend (see
        the module docstring), or a ``Backend`` (returned as is).
    device : str, optional
        ``"cpu"``, ``"cuda"``, ``"cuda:1"``; ``None`` applies the default rule.
    allowed : tuple of str, optional
        The backends the caller supports (default: every backend above).

    Raises
    ------
    InvalidParameterError
        For an unknown backend or an unusable device.
    MissingDependencyError
        When the backend's library is not installed.
    """
    if isinstance(backend, Backend):
        return backend
    if allowed is None:
        if backend not in BACKENDS:
            return _other(backend, device)
    elif backend not in allowed:
        raise InvalidParameterError("backend", backend, "one of " + ", ".join(allowed))
    if device is not None and not isinstance(device, str):
        device = str(device)  # a torch.device
    if backend == "numpy":
        if device not in (None, "cpu"):
            raise InvalidParameterError("device", device, "'cpu' (or None) for the numpy backend")
        return Backend("numpy", "cpu")
    _require(backend)
    if backend == "cupy":
        if device not in (None, "cuda") and not str(device).startswith("cuda:"):
            raise InvalidParameterError("device", device, "a CUDA device ('cuda' or 'cuda:N') for the cupy backend")
        return Backend("cupy", device or "cuda")
    import torch

    cuda = torch.cuda.is_available()
    if device is None:
        return Backend("torch", "cuda" if cuda else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise InvalidParameterError("device", device, "a torch device such as 'cpu' or 'cuda:0'") from None
    if dev.type == "cuda" and not cuda:
        raise InvalidParameterError("device", device, "'cpu': torch sees no CUDA device")
    if dev.type not in ("cpu", "cuda"):
        raise InvalidParameterError("device", device, "'cpu' or a CUDA device")
    return Backend("torch", str(dev))


def from_label(label: str) -> Backend:
    """The :class:`Backend` a label names (not checked for availability: see :func:`missing`).

    Raises
    ------
    InvalidParameterError
        For a label not in :data:`LABELS`.
    """
    if label not in LABELS:
        raise InvalidParameterError("backend", label, "one of " + ", ".join(LABELS))
    return {"numpy": Backend("numpy", "cpu"), "torch": Backend("torch", "cpu"),
            "torch-cuda": Backend("torch", "cuda"), "cupy": Backend("cupy", "cuda")}[label]


def missing(label: str) -> str | None:
    """Why the backend ``label`` cannot run here, or ``None`` when it can.

    Examples
    --------
    >>> missing("numpy") is None
    True
    """
    backend = from_label(label)
    if backend.name == "numpy":
        return None
    if importlib.util.find_spec(backend.name) is None:
        return f"{backend.name} is not installed"
    if backend.name == "torch":
        import torch

        if backend.is_gpu and not torch.cuda.is_available():
            return "torch sees no CUDA device"
        return None
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() < 1:
            return "cupy sees no CUDA device"
    except Exception as err:  # a cupy without a driver raises its own CUDA errors
        return f"cupy cannot use a GPU: {err}"
    return None


def available() -> tuple[str, ...]:
    """The labels of the backends that can run on this machine.

    Examples
    --------
    >>> available()[0]
    'numpy'
    """
    return tuple(label for label in LABELS if missing(label) is None)


def infer(array: Any) -> Backend:
    """The backend and device an array lives on (numpy for anything autoray does not know).

    Examples
    --------
    >>> infer(np.zeros(2))
    Backend(name='numpy', device='cpu')
    """
    from autoray import infer_backend

    name = infer_backend(array)
    if name == "torch":
        return Backend("torch", str(array.device))
    if name == "cupy":
        return Backend("cupy", "cuda")
    if name not in ("numpy", "builtins") and importlib.util.find_spec(name) is not None:
        return Backend(name, "default")
    return Backend("numpy", "cpu")
