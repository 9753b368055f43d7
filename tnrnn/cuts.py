"""Cuts: partitions of the time steps ``0..T-1`` into a start side and an end side.

Time is 0-based here; the paper (Levine et al., 2020) counts from 1.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from .errors import InvalidParameterError
from .validation import parse_int

__all__ = ["Cut", "as_cut", "CUT_NAMES"]

#: The cut names understood by :meth:`Cut.parse` (``prefix`` takes ``:s``).
CUT_NAMES = ("start-end", "interleaved", "prefix:S", "S0,S1,...|E0,E1,...")


def _check_length(length, name="length"):
    try:
        T = operator.index(length)
    except TypeError:
        raise InvalidParameterError(name, length, "an integer >= 2") from None
    if T < 2:
        raise InvalidParameterError(name, length, "an integer >= 2")
    return T


@dataclass(frozen=True)
class Cut:
    """A partition of the time steps ``0..length-1`` into ``start`` and ``end``.

    Rows of a grid matricization are indexed by the ``start`` positions and
    columns by the ``end`` positions. Both sides are non-empty, sorted tuples.
    Build cuts with the constructors rather than directly.

    Examples
    --------
    >>> Cut.start_end(6)
    Cut('start-end', T=6, start=0..2, end=3..5)
    >>> Cut.interleaved(4).start
    (0, 2)
    >>> Cut.prefix(5, 2).end
    (2, 3, 4)
    >>> Cut.from_sets({0, 3}, {1, 2}).name
    'custom'
    """

    length: int
    start: tuple[int, ...]
    end: tuple[int, ...]
    name: str = "custom"

    def __post_init__(self):
        T = _check_length(self.length)
        start = tuple(sorted(self.start))
        end = tuple(sorted(self.end))
        allowed = f"a partition of 0..{T - 1} into two non-empty sides"
        both = sorted(start + end)
        if not start or not end or both != list(range(T)):
            raise InvalidParameterError("cut", (start, end), allowed)
        object.__setattr__(self, "length", T)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    # -- constructors -------------------------------------------------------
    @classmethod
    def start_end(cls, length: int) -> Cut:
        """The Start-End cut: the first ``length/2`` steps against the rest.

        Raises
        ------
        InvalidParameterError
            If ``length`` is not an even integer >= 2.
        """
        T = _check_length(length)
        if T % 2:
            raise InvalidParameterError("length", length, "an even integer >= 2 for the start-end cut")
        return cls(T, tuple(range(T // 2)), tuple(range(T // 2, T)), "start-end")

    @classmethod
    def prefix(cls, length: int, split: int) -> Cut:
        """The first ``split`` steps against the remaining ``length - split``."""
        T = _check_length(length)
        try:
            s = operator.index(split)
        except TypeError:
            s = None
        if s is None or not 1 <= s <= T - 1:
            raise InvalidParameterError("split", split, f"an integer in 1..{T - 1}")
        return cls(T, tuple(range(s)), tuple(range(s, T)), f"prefix:{s}")

    @classmethod
    def interleaved(cls, length: int) -> Cut:
        """Even positions against odd positions."""
        T = _check_length(length)
        return cls(T, tuple(range(0, T, 2)), tuple(range(1, T, 2)), "interleaved")

    @classmethod
    def from_sets(cls, start, end) -> Cut:
        """A cut from explicit sets of positions; their union must be ``0..T-1``."""
        try:
            start = [operator.index(t) for t in start]
            end = [operator.index(t) for t in end]
        except TypeError:
            raise InvalidParameterError("cut", (start, end), "two collections of integer positions") from None
        if len(set(start)) != len(start) or len(set(end)) != len(end):
            raise InvalidParameterError("cut", (start, end), "sides without repeated positions")
        T = len(start) + len(end)
        return cls(T, tuple(start), tuple(end), "custom")

    @classmethod
    def parse(cls, spec: str, length: int) -> Cut:
        """Parse a cut name as typed on the command line.

        Parameters
        ----------
        spec : str
            ``"start-end"``, ``"interleaved"``, ``"prefix:S"`` or explicit
            positions ``"0,1,4|2,3,5"`` (start side, then end side).
        length : int
            The number of time steps ``T``.

        Examples
        --------
        >>> Cut.parse("prefix:3", 8).start
        (0, 1, 2)
        >>> Cut.parse("0,3|1,2", 4).end
        (1, 2)

        Names are read without regard to case and spaces around them, and a
        cut always carries its canonical name (records say ``start-end``
        whatever was typed):

        >>> Cut.parse(" START-END ", 4) == Cut.parse("start-end", 4), Cut.parse("Prefix:2", 4).name
        (True, 'prefix:2')
        """
        if not isinstance(spec, str):
            raise InvalidParameterError("cut", spec, "one of " + ", ".join(CUT_NAMES))
        key = spec.strip().lower()
        if key in ("start-end", "startend", "start_end"):
            return cls.start_end(length)
        if key == "interleaved":
            return cls.interleaved(length)
        if key.startswith("prefix:"):
            try:
                s = parse_int(key.split(":", 1)[1])
            except ValueError:
                raise InvalidParameterError("cut", spec, "prefix:S with an integer S") from None
            T = _check_length(length)
            if not 1 <= s <= T - 1:
                raise InvalidParameterError("cut", spec, f"prefix:S with S in 1..{T - 1}")
            return cls.prefix(T, s)
        if "|" in key:
            left, right = key.split("|", 1)
            try:
                start = [parse_int(t) for t in left.split(",") if t.strip()]
                end = [parse_int(t) for t in right.split(",") if t.strip()]
            except ValueError:
                raise InvalidParameterError("cut", spec, "positions like 0,1|2,3") from None
            T = _check_length(length)
            try:
                return cls(T, tuple(start), tuple(end), "custom")
            except InvalidParameterError:
                raise InvalidParameterError("cut", spec, f"a partition of 0..{T - 1} into two non-empty sides "
                                            "without repeated positions") from None
        raise InvalidParameterError("cut", spec, "one of " + ", ".join(CUT_NAMES))

    # -- properties -----------------------------------------------------------
    @property
    def is_prefix(self) -> bool:
        """Whether the start side is ``0..s-1`` for some ``s``."""
        return self.start == tuple(range(len(self.start)))

    @property
    def split(self) -> int | None:
        """``s`` for a prefix cut (the number of start steps), else ``None``."""
        return len(self.start) if self.is_prefix else None

    def transposed(self) -> Cut:
        """The same partition with the roles of the sides exchanged (its grid matricization is the
        transpose of this one's, so the two have the same rank).

        Examples
        --------
        >>> Cut.from_sets({4, 5, 6, 7}, {0, 1, 2, 3}).transposed()
        Cut('start-end', T=8, start=0..3, end=4..7)
        >>> Cut.prefix(8, 3).transposed().start
        (3, 4, 5, 6, 7)
        """
        T = self.length
        if self.end == tuple(range(len(self.end))):  # the transpose is a prefix cut: name it so
            s = len(self.end)
            return Cut.start_end(T) if 2 * s == T else Cut.prefix(T, s)
        return Cut(T, self.end, self.start, "custom")

    def oriented(self) -> Cut:
        """The cut whose rank tnrnn computes for this one: itself, unless its start side is a suffix
        ``s..T-1`` (the end side a prefix), in which case the transposed prefix cut, for which the
        degree and ideal bounds and the factored engine apply.  The separation rank is the same
        (the matricizations are transposes of each other).

        Examples
        --------
        >>> Cut.from_sets({4, 5, 6, 7}, {0, 1, 2, 3}).oriented().name
        'start-end'
        >>> Cut.from_sets({5, 6, 7}, {0, 1, 2, 3, 4}).oriented().name
        'prefix:5'
        >>> Cut.interleaved(6).oriented().name
        'interleaved'
        """
        if self.is_prefix or self.end != tuple(range(len(self.end))):
            return self
        return self.transposed()

    def side(self, t: int) -> str:
        """``"start"`` or ``"end"``: the side of time step ``t``."""
        if t in self.start:
            return "start"
        if t in self.end:
            return "end"
        raise InvalidParameterError("t", t, f"a time step in 0..{self.length - 1}")

    def __str__(self) -> str:
        return self.name if self.name != "custom" else self._sets()

    def _sets(self) -> str:
        return ",".join(map(str, self.start)) + "|" + ",".join(map(str, self.end))

    def __repr__(self) -> str:
        def fmt(side):
            if side == tuple(range(side[0], side[-1] + 1)) and len(side) > 2:
                return f"{side[0]}..{side[-1]}"
            return "{" + ",".join(map(str, side)) + "}"

        return f"Cut({self.name!r}, T={self.length}, start={fmt(self.start)}, end={fmt(self.end)})"


def as_cut(cut: Cut | str, length: int) -> Cut:
    """Return ``cut`` as a :class:`Cut` for ``length`` steps (accepts names)."""
    if isinstance(cut, Cut):
        if cut.length != _check_length(length):
            raise InvalidParameterError("cut", cut, f"a cut of length {length}")
        return cut
    return Cut.parse(cut, length)
