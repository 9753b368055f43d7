"""Validation of parameters shared by every track: a leaf module (it imports only :mod:`tnrnn.errors`).

Every public function checks its parameters with these helpers, so that a bad
value raises :class:`~tnrnn.errors.InvalidParameterError` naming the
parameter and the allowed values, whatever the track.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from .errors import InvalidParameterError

__all__ = ["parse_int", "parse_float", "check_positive_int", "check_seed", "check_finite", "check_choice", "rank_tolerance"]


_ASCII_INT = None


def parse_int(text: object) -> int:
    """An integer written in ASCII: an optional sign and the digits 0-9 (spaces around allowed), else ``ValueError``.

    The one parser of integers typed by a user (every integer option, lists and
    ranges, ``prefix:S`` cuts): Python's ``int`` also reads other scripts'
    digits (``int("٣") == 3``) and underscores (``int("1_0") == 10``), which
    this refuses.  Its ``__name__`` is ``int``, so argparse's message stays
    ``invalid int value: '...'``.

    Examples
    --------
    >>> parse_int(" 12"), parse_int("-3"), parse_int("+4")
    (12, -3, 4)
    >>> parse_int("٣")
    Traceback (most recent call last):
    ...
    ValueError: invalid int value: '٣'
    """
    global _ASCII_INT
    if _ASCII_INT is None:
        import re

        _ASCII_INT = re.compile(r"[ \t]*[+-]?[0-9]+[ \t]*")
    if isinstance(text, int) and not isinstance(text, bool):
        return int(text)
    if not isinstance(text, str) or not _ASCII_INT.fullmatch(text):
        raise ValueError(f"invalid int value: {text!r}")
    return int(text)


parse_int.__name__ = "int"   # argparse names the type in its messages

_ASCII_FLOAT = None


def parse_float(text: object) -> float:
    """A number written in ASCII (``0.5``, ``-1e-3``, ``.5``, ``inf``, ``nan``), else ``ValueError``.

    The float twin of :func:`parse_int`: Python's ``float`` also reads other
    scripts' digits (``float("٠.٥") == 0.5``) and underscores.  Numbers that
    are not strings pass through ``float``.

    Examples
    --------
    >>> parse_float("1e-3"), parse_float(" .5"), parse_float(2)
    (0.001, 0.5, 2.0)
    >>> parse_float("٠.٥")
    Traceback (most recent call last):
    ...
    ValueError: could not convert string to float: '٠.٥'
    """
    global _ASCII_FLOAT
    if not isinstance(text, str):
        return float(text)
    if _ASCII_FLOAT is None:
        import re

        _ASCII_FLOAT = re.compile(r"[ \t]*[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)[ \t]*",
                                  re.IGNORECASE)
    if not _ASCII_FLOAT.fullmatch(text):
        raise ValueError(f"could not convert string to float: {text!r}")
    return float(text)


parse_float.__name__ = "float"   # argparse names the type in its messages


def check_positive_int(value: object, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int if it is an integer ``>= minimum``, else raise."""
    if isinstance(value, bool):
        raise InvalidParameterError(name, value, f"an integer >= {minimum}")
    try:
        v = operator.index(value)
    except TypeError:
        raise InvalidParameterError(name, value, f"an integer >= {minimum}") from None
    if v < minimum:
        raise InvalidParameterError(name, value, f"an integer >= {minimum}")
    return v


def check_seed(seed: object, name: str = "seed") -> object:
    """Return ``seed`` if numpy can seed a generator with it: an integer ``>= 0``, a Generator or ``None``.

    Examples
    --------
    >>> check_seed(3)
    3
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    tnrnn.errors.InvalidParameterError: invalid seed=-1: expected an integer >= 0 or a numpy.random.Generator
    """
    allowed = "an integer >= 0 or a numpy.random.Generator"
    if seed is None or isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        return seed
    if isinstance(seed, bool):
        raise InvalidParameterError(name, seed, allowed)
    try:
        value = operator.index(seed)
    except TypeError:
        raise InvalidParameterError(name, seed, allowed) from None
    if value < 0:
        raise InvalidParameterError(name, seed, allowed)
    return seed


def check_finite(value: object, name: str, *, low: float | None = None, high: float | None = None,
                 open_low: bool = False, open_high: bool = False) -> float:
    """Return ``value`` as a finite float within ``[low, high]`` (ends open when asked), else raise.

    Examples
    --------
    >>> check_finite("0.5", "threshold", low=0, high=1)
    0.5
    >>> check_finite(2, "threshold", low=0, high=1)
    Traceback (most recent call last):
    ...
    tnrnn.errors.InvalidParameterError: invalid threshold=2: expected a finite number in [0, 1]
    """
    lo = "(" if open_low else "["
    hi = ")" if open_high else "]"
    if low is not None and high is not None:
        allowed = f"a finite number in {lo}{low:g}, {high:g}{hi}"
    elif low is not None:
        allowed = f"a finite number {'>' if open_low else '>='} {low:g}"
    elif high is not None:
        allowed = f"a finite number {'<' if open_high else '<='} {high:g}"
    else:
        allowed = "a finite number"
    if isinstance(value, bool):
        raise InvalidParameterError(name, value, allowed)
    try:
        v = parse_float(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidParameterError(name, value, allowed) from None
    if not math.isfinite(v) or (low is not None and (v < low or (open_low and v == low))) or (
            high is not None and (v > high or (open_high and v == high))):
        raise InvalidParameterError(name, value, allowed)
    return v


def check_choice(value: object, name: str, choices) -> object:
    """Return ``value`` if it is one of ``choices``, else raise naming them.

    Examples
    --------
    >>> check_choice("exp", "target", ("exp", "pol"))
    'exp'
    """
    choices = tuple(choices)
    if value not in choices:
        raise InvalidParameterError(name, value, "one of " + ", ".join(map(str, choices)))
    return value


def rank_tolerance(shape, s_max: float, dtype=np.float64) -> float:
    """The one numerical-rank tolerance of tnrnn: ``max(shape) * eps * s_max`` (numpy's ``matrix_rank`` rule).

    Singular values at or below it are indistinguishable from rounding in a
    backward-stable SVD of a matrix of that shape; every numerical rank (empirical
    spectra, Hankel spectra, network spectra) counts the values above it, and
    every "at the noise floor" statement compares against it.

    Examples
    --------
    >>> rank_tolerance((4, 6), 2.0) == 6 * float(np.finfo(np.float64).eps) * 2.0
    True
    """
    return float(max(shape) * np.finfo(dtype).eps * float(s_max))
