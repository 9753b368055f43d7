from __future__ import annotations

import pytest

from tnrnn import Cut
from tnrnn.cuts import as_cut
from tnrnn.errors import InvalidParameterError


def test_constructors_partition_the_steps():
    assert Cut.start_end(6).start == (0, 1, 2) and Cut.start_end(6).end == (3, 4, 5)
    assert Cut.prefix(5, 2).start == (0, 1) and Cut.prefix(5, 2).is_prefix
    assert Cut.interleaved(5).start == (0, 2, 4) and Cut.interleaved(5).end == (1, 3)
    assert not Cut.interleaved(5).is_prefix and Cut.interleaved(5).split is None
    c = Cut.from_sets([3, 0], {1, 2})
    assert c.start == (0, 3) and c.length == 4 and str(c) == "0,3|1,2"


def test_parse_and_as_cut():
    assert Cut.parse("start-end", 4) == Cut.start_end(4)
    assert Cut.parse("prefix:3", 8) == Cut.prefix(8, 3)
    assert Cut.parse("Interleaved", 4) == Cut.interleaved(4)
    assert Cut.parse("0,2|1,3", 4).start == (0, 2)
    assert as_cut(Cut.start_end(4), 4) is not None
    assert "start-end" in repr(Cut.start_end(4))


def test_immutable():
    with pytest.raises(AttributeError):
        Cut.start_end(4).start = (0,)


@pytest.mark.parametrize(
    "make,name",
    [
        (lambda: Cut.start_end(5), "length"),
        (lambda: Cut.start_end(0), "length"),
        (lambda: Cut.prefix(5, 0), "split"),
        (lambda: Cut.prefix(5, 5), "split"),
        (lambda: Cut.from_sets([0, 1], [1, 2]), "cut"),
        (lambda: Cut.from_sets([0, 0], [1]), "cut"),
        (lambda: Cut.from_sets([0, 2], [3]), "cut"),
        (lambda: Cut.from_sets([], [0, 1]), "cut"),
        (lambda: Cut.parse("diagonal", 4), "cut"),
        (lambda: Cut.parse("prefix:x", 4), "cut"),
        (lambda: Cut.parse("0,1|2", 4), "cut"),
        (lambda: as_cut(Cut.start_end(4), 6), "cut"),
    ],
)
def test_invalid_cuts_raise_naming_the_parameter(make, name):
    with pytest.raises(InvalidParameterError, match=name):
        make()
