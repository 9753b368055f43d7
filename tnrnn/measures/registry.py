"""Where memory measures plug in: a registry of named measures, one module per concern.

Each measure is a function of a model (and keyword options) returning a
frozen-dataclass result with ``to_dict()`` and ``__str__``.  Modules of
:mod:`tnrnn.memory` and :mod:`tnrnn.measures` register theirs with :func:`register`; the ``tnrnn memory``
command and :func:`measure` find them by name.  This file only keeps the
table; the measures live in their own modules (``functions.py`` the memory
function, ``hankel.py`` the Hankel analysis, ...), and a new kind of measure
(memory capacity, gradient horizon, Lyapunov spectra, ...) adds a module and
one :func:`register` call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import InvalidParameterError

__all__ = ["Measure", "MEASURES", "register", "list_measures", "get_measure", "measure"]


@dataclass(frozen=True)
class Measure:
    """A registered memory measure.

    Attributes
    ----------
    name : str
    func : callable
        ``func(model, **options) -> result``.
    description : str
        One line, for listings.
    needs_torch : bool
        Whether it needs the ``torch`` extra.
    """

    name: str
    func: Callable
    description: str
    needs_torch: bool = False


#: name -> Measure, in registration order.
MEASURES: dict[str, Measure] = {}


def register(name: str, description: str, *, needs_torch: bool = False):
    """Decorator: register ``func`` as the measure ``name``.

    Examples
    --------
    >>> @register("example-zero", "always zero")
    ... def zero(model):
    ...     return 0
    >>> measure("example-zero", None)
    0
    >>> del MEASURES["example-zero"]
    """

    def deco(func):
        if name in MEASURES and MEASURES[name].func is not func:
            raise InvalidParameterError("name", name, "a measure name not yet registered")
        MEASURES[name] = Measure(name, func, description, needs_torch)
        return func

    return deco


#: The modules that register measures, imported by :func:`list_measures` (both tracks).
MEASURE_MODULES = ("tnrnn.memory.functions", "tnrnn.memory.hankel", "tnrnn.measures.capacity",
                   "tnrnn.measures.retention", "tnrnn.measures.horizon", "tnrnn.measures.lyapunov")


def list_measures() -> list[Measure]:
    """The registered measures, in registration order (the measure modules are imported here, lazily)."""
    import importlib

    for name in MEASURE_MODULES:
        importlib.import_module(name)
    return list(MEASURES.values())


def get_measure(name: str) -> Measure:
    """The measure ``name``, or :class:`~tnrnn.errors.InvalidParameterError` listing the known ones."""
    known = {m.name: m for m in list_measures()}
    if name not in known:
        raise InvalidParameterError("measure", name, "one of " + ", ".join(known))
    return known[name]


def measure(name: str, model, **options):
    """Run the measure ``name`` on ``model``."""
    return get_measure(name).func(model, **options)
