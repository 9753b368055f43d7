from __future__ import annotations

from itertools import combinations_with_replacement
from math import comb

import pytest

from tnrnn import Cut
from tnrnn.ranks.bounds import degree_bound, degree_exponents, grid_caps, multiset, theorem_lower


@pytest.mark.parametrize("n,k", [(1, 0), (1, 5), (3, 2), (4, 7), (5, 3)])
def test_multiset_counts_monomials(n, k):
    assert multiset(n, k) == len(list(combinations_with_replacement(range(n), k)))


def test_degree_exponents_follow_the_recursion():
    # degree in h^{L-k} after E steps: sum over the E end steps of the degree one level up
    E = 5
    degs = degree_exponents(4, E)
    assert degs[0] == 1
    for k in range(1, 4):
        assert degs[k] == sum(comb(e + k - 2, k - 1) for e in range(1, E + 1))


def test_degree_bound_values():
    assert degree_bound(1, 7, 3) == 7
    assert degree_bound(2, 4, 16) == 4 * comb(19, 16) == 3876
    assert degree_bound(3, 2, 3) == 2 * multiset(2, 3) * multiset(2, 6)


def test_caps_and_theorems():
    cut = Cut.prefix(7, 3)
    assert grid_caps(cut, 2, 5, depth=2) == {"grid": 8, "last_input": 2 * 2**3}
    assert theorem_lower(1, 3, 2, Cut.start_end(8)).value == 3
    assert theorem_lower(2, 4, 3, Cut.start_end(8)).value == comb(3 + 4 - 1, 4)
    assert theorem_lower(3, 4, 3, Cut.start_end(8)) is None
    assert theorem_lower(2, 4, 3, cut) is None


def test_closed_form_upper_is_the_least_applicable_bound():
    from tnrnn.ranks.bounds import closed_form_upper

    for L, R, M, cut in [(1, 3, 2, Cut.start_end(6)), (2, 3, 3, Cut.start_end(8)), (2, 2, 3, Cut.prefix(7, 3)),
                         (3, 2, 2, Cut.interleaved(6)), (2, 4, 4, Cut.start_end(32))]:
        u = closed_form_upper(L, R, M, cut)
        candidates = dict(grid_caps(cut, M, R, L))
        if cut.is_prefix:
            candidates["degree"] = degree_bound(L, R, len(cut.end))
        assert u.value == min(candidates.values())
        assert u.caps == grid_caps(cut, M, R, L)
        assert (u.degree is None) == (not cut.is_prefix)
        if u.source.startswith("cap:"):
            assert candidates[u.source[4:]] == u.value
        else:
            assert u.degree == u.value
