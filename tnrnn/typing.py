"""Type aliases for the arguments that many tnrnn functions share (one place, as in opt_einsum).

``CutLike``
    A :class:`~tnrnn.cuts.Cut` or a name: ``"start-end"``, ``"interleaved"``,
    ``"prefix:S"``, ``"0,2|1,3"``.
``OptimizeLike``
    A path-optimizer name (:func:`tnrnn.network.optimizers.list_optimizers`),
    an optimizer object (cotengra ``HyperOptimizer``, opt_einsum
    ``PathOptimizer``), a ``ContractionTree`` or an explicit path.
``MemoryLike``
    A memory limit: bytes, a string such as ``"4GiB"``, or ``None`` for
    :data:`tnrnn.limits.DEFAULT_MEMORY_LIMIT`.
``BackendLike``
    ``"numpy"``, ``"torch"``, ``"cupy"`` or a :class:`tnrnn.backends.Backend`.
``SeedLike``
    An integer seed or ``None``.
``ArrayLike``
    A numpy, torch or cupy array (or anything ``numpy.asarray`` accepts).
``PathLike``
    A file name: ``str`` or ``os.PathLike``.
``ProgressLike``
    A ``tqdm``-like wrapper of iterables (``functools.partial(tqdm, ...)``), or ``None``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, Union

if TYPE_CHECKING:
    from .backends import Backend
    from .cuts import Cut

__all__ = ["ArrayLike", "BackendLike", "CutLike", "MemoryLike", "OptimizeLike", "PathLike", "ProgressLike", "SeedLike"]

CutLike: TypeAlias = Union["Cut", str]
OptimizeLike: TypeAlias = str | Sequence[Sequence[int]] | Any
MemoryLike: TypeAlias = int | float | str | None
BackendLike: TypeAlias = Union[str, "Backend"]
SeedLike: TypeAlias = int | None
ArrayLike: TypeAlias = Any
PathLike: TypeAlias = str | os.PathLike
ProgressLike: TypeAlias = Callable[..., Any] | None
