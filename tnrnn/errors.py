"""Exceptions raised by tnrnn.

Every exception derives from :class:`TnrnnError` and from the builtin class a
caller would expect (``ValueError`` for bad parameters, ``MemoryError`` for
refused allocations, ``ImportError`` for missing optional packages), so that
``except ValueError`` keeps working for code that does not know tnrnn.
"""

from __future__ import annotations

__all__ = [
    "TnrnnError",
    "InvalidParameterError",
    "MemoryLimitError",
    "MissingDependencyError",
    "WeightsError",
    "UnsafeWeightsError",
    "OutputError",
    "ConsistencyError",
]


class TnrnnError(Exception):
    """Base class of every error raised by tnrnn."""


class InvalidParameterError(TnrnnError, ValueError):
    """A parameter has a value outside its allowed set.

    Parameters
    ----------
    name : str
        The parameter's name as the caller spells it (``"depth"``,
        ``"--length"``, ``"cut"``).
    value : object
        The value received.
    allowed : str
        The allowed values, in words (``"an integer >= 1"``).

    Examples
    --------
    >>> err = InvalidParameterError("depth", 0, "an integer >= 1")
    >>> str(err)
    'invalid depth=0: expected an integer >= 1'
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(self, name: str, value: object, allowed: str):
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"invalid {name}={value!r}: expected {allowed}")


class MemoryLimitError(TnrnnError, MemoryError):
    """A computation would need more memory than the limit allows.

    Raised by :func:`tnrnn.limits.check_memory`, which writes the message
    (what, the estimate and the limit in readable units, and how to get under
    the limit).

    Attributes
    ----------
    what : str
        What would have been allocated.
    estimate : int
        The estimated number of bytes.
    limit : int
        The limit in bytes.
    """

    def __init__(self, message: str, *, what: str, estimate: int, limit: int):
        self.what = what
        self.estimate = int(estimate)
        self.limit = int(limit)
        super().__init__(message)


class MissingDependencyError(TnrnnError, ImportError):
    """An optional package needed for the requested feature is missing."""

    def __init__(self, package: str, feature: str, extra: str | None = None):
        self.package = package
        how = f"pip install 'tnrnn[{extra}]'" if extra else f"pip install {package}"
        super().__init__(f"{feature} needs the optional package {package!r}: {how}")


class WeightsError(InvalidParameterError):
    """Imported weights are missing, misshapen or not finite."""


class UnsafeWeightsError(TnrnnError, ValueError):
    """A weights file would need to execute code to load, and was refused."""


class OutputError(TnrnnError, OSError):
    """A result could not be written after the work was done (disk full, folder removed).

    The message says where the results were saved instead; the command
    exits with status 1 (not a bad input: the path was checked beforehand).
    """


class ConsistencyError(TnrnnError, RuntimeError):
    """An internal-consistency check failed: a bug in tnrnn, not a bad input.

    Raised, for example, when a certified lower bound exceeds a proven upper
    bound (one of the two proofs or their code is wrong). Please report it with
    the record's prime and seed.
    """
