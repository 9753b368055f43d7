"""The depth-3 ideal bound and the input-degree cap (issue 25) against an independent brute force.

The brute force (tests/_bounds_brute.py) re-implements the RAC over GF(p) with
numpy int64 residues and ranks the whole grid matricization with FLINT; it
uses nothing from tnrnn. For random weights its rank is a lower bound on the
generic rank, so ``brute <= upper`` tests the proofs (for every weight draw,
degenerate draws included), and ``lower <= brute`` tests tnrnn's engines on
the same circuit.
"""

from __future__ import annotations

from itertools import combinations_with_replacement, product
from math import comb

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tnrnn import RAC, Cut, cut_rank, rank_bounds
from tnrnn.ranks.bounds import (
    closed_form_upper,
    degree_bound,
    depth3_ideal_bound,
    depth3_ideal_quotient,
    input_degree_cap,
    input_degrees,
    multiset,
)

from ._bounds_brute import PRIME, all_outputs, brute_rank, draw_weights, end_outputs, matricization, rank_mod


def tnrnn_rac(weights):
    wh, wi, wo = weights
    return RAC(tuple(wh), tuple(wi), wo, modulus=PRIME)


def older_bounds(L, R, M, cut):
    """The bounds tnrnn had before issue 25 (grid caps, degree bound, depth-2 input-ideal bound)."""
    u = closed_form_upper(L, R, M, cut)
    old = list(u.caps.values())
    if u.degree is not None:
        old.append(u.degree)
    if L == 2 and u.ideal is not None:
        old.append(u.ideal)
    return min(old)


# -- the closed forms, counted independently -------------------------------------------------------------

@pytest.mark.parametrize("R,E", [(1, 3), (2, 1), (2, 4), (3, 1), (3, 2), (3, 3), (4, 2)])
def test_quotient_counts_the_monomials_outside_the_ideal(R, E):
    """Q = the monomials v^a z^b of bidegree (E, N) that no v_j z_j divides: enumerated."""
    N = E * (E + 1) // 2

    def exponents(degree):
        for combo in combinations_with_replacement(range(R), degree):
            yield tuple(combo.count(j) for j in range(R))

    outside = sum(1 for a in exponents(E) for b in exponents(N) if not any(x and y for x, y in zip(a, b)))
    assert depth3_ideal_quotient(R, E) == outside
    assert multiset(R, E) * multiset(R, N) == sum(1 for _ in exponents(E)) * sum(1 for _ in exponents(N))


def test_depth3_ideal_bound_is_four_below_the_degree_bound_at_width_two():
    for E in range(1, 12):
        assert degree_bound(3, 2, E) - depth3_ideal_bound(3, 2, E) == 4


def test_input_degrees_follow_the_recursion():
    # n(l, t) = n(l, t - 1) + n(l - 1, t): degree of h^l_t in the input at a fixed step tau
    L, T = 4, 7
    for tau in range(T):
        n = {(0, t): int(t == tau) for t in range(T)}
        for layer in range(1, L + 1):
            for t in range(T):
                n[layer, t] = 0 if t < tau else (n[layer - 1, t] + (n[layer, t - 1] if t > tau else 0))
        assert input_degrees(L, T)[tau] == n[L, T - 1]


def test_input_degree_cap_contains_the_older_caps():
    for L, R, M, T in product((1, 2, 3), (2, 3), (2, 3, 5), (4, 5)):
        for cut in (Cut.prefix(T, 2), Cut.interleaved(T)):
            u = closed_form_upper(L, R, M, cut)
            assert u.input_degree == input_degree_cap(cut, M, R, L) <= min(u.caps.values())


# -- the issue's cells ---------------------------------------------------------------------------------

@pytest.mark.parametrize("M,T,rank", [(5, 4, 8), (5, 6, 40)])
def test_input_degree_cap_explains_the_issue_cells(M, T, rank):
    u = closed_form_upper(3, 2, M, Cut.start_end(T))
    assert (u.value, u.source) == (rank, "cap:input_degree")
    w = draw_weights(3, 2, M, np.random.default_rng(T))
    assert brute_rank(w, M, T, range(T // 2)) == rank


@pytest.mark.parametrize("M,T,rank", [(4, 8, 106), (4, 10, 188), (3, 12, 304)])
def test_depth3_ideal_bound_closes_the_table_cells(M, T, rank):
    """Three of the ten L = 3, R = 2 cells, by brute force and by rank_bounds (the rest: docs/bounds_table)."""
    u = closed_form_upper(3, 2, M, Cut.start_end(T))
    assert (u.value, u.source) == (rank, "depth-3 ideal bound")
    w = draw_weights(3, 2, M, np.random.default_rng(T))
    assert brute_rank(w, M, T, range(T // 2)) == rank
    r = rank_bounds(3, 2, M, T, mincut=False)
    assert r.exact and r.lower == r.upper == rank and r.upper_source == "depth-3 ideal bound"


# configurations where a new bound is strictly below every older one, all cheap to brute force
BINDING = [
    (2, 2, 5, 3, 1), (2, 2, 7, 5, 1), (3, 2, 5, 5, 3), (3, 2, 5, 7, 3), (3, 2, 5, 7, 4), (3, 2, 6, 6, 3),
    (3, 2, 6, 7, 3), (3, 2, 7, 6, 3), (3, 2, 4, 9, 5), (4, 2, 6, 6, 3), (4, 2, 7, 6, 3), (4, 2, 6, 5, 3),
]


@pytest.mark.parametrize("cfg", BINDING, ids=lambda c: "L{}-R{}-M{}-T{}-s{}".format(*c))
def test_new_bounds_are_attained_where_they_bind(cfg):
    L, R, M, T, s = cfg
    cut = Cut.prefix(T, s)
    u = closed_form_upper(L, R, M, cut)
    assert u.value < older_bounds(L, R, M, cut)
    w = draw_weights(L, R, M, np.random.default_rng(list(cfg)))
    truth = brute_rank(w, M, T, range(s))
    assert truth == u.value
    r = cut_rank(tnrnn_rac(w), cut, mincut=False)
    assert r.lower == truth == r.upper


@pytest.mark.parametrize("R,M,E,n_states,n_ends", [(2, 3, 6, 360, None), (2, 4, 4, 150, None), (3, 28, 3, 820, 1000)])
def test_depth3_ideal_bound_holds_for_unreachable_cut_states(R, M, E, n_states, n_ends):
    """The proof uses only the end side: random cut states (h^1, h^2, h^3) as rows reach D - R Q and no more."""
    rng = np.random.default_rng(E)
    w = draw_weights(3, R, M, rng)
    states = [[rng.integers(0, PRIME, size=R) for _ in range(3)] for _ in range(n_states)]
    ends = None if n_ends is None else rng.integers(0, M, size=(n_ends, E))
    assert rank_mod(end_outputs(w, M, E, states, ends)) == depth3_ideal_bound(3, R, E) < degree_bound(3, R, E)


# -- random depth-3 cuts: lower <= brute <= upper --------------------------------------------------------

@st.composite
def depth3_cuts(draw):
    R = draw(st.integers(1, 4))
    M = draw(st.integers(1, 6))
    max_T = 2
    while M ** (max_T + 1) <= 3000 and max_T < 12:
        max_T += 1
    T = draw(st.integers(2, max_T))
    if draw(st.booleans()):
        s = draw(st.integers(1, T - 1))
        start = list(range(s))
    else:
        start = sorted(draw(st.sets(st.integers(0, T - 1), min_size=1, max_size=T - 1)))
    degenerate = draw(st.sampled_from([None, None, None, 2, 3]))  # small entries: singular W^{I,2}, W^{I,3} and zeros
    seed = draw(st.integers(0, 2**32 - 1))
    return R, M, T, start, degenerate, seed


@settings(max_examples=220, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(depth3_cuts())
def test_random_depth3_cuts_lower_brute_upper(case):
    R, M, T, start, degenerate, seed = case
    rng = np.random.default_rng(seed)
    w = draw_weights(3, R, M, rng, p=PRIME if degenerate is None else degenerate)
    cut = Cut.from_sets(start, [t for t in range(T) if t not in start])
    truth = brute_rank(w, M, T, start)
    u = closed_form_upper(3, R, M, cut)
    assert truth <= u.value
    r = cut_rank(tnrnn_rac(w), cut, mincut=False)
    assert r.lower <= truth <= r.upper == u.value
    if degenerate is None and u.value < older_bounds(3, R, M, cut):
        assert truth == u.value  # where a new bound binds, random weights attain it


def test_every_bound_is_below_the_generic_rank_of_small_random_cuts_at_all_depths():
    """The input-degree cap holds at every depth (it is in closed_form_upper for all L)."""
    rng = np.random.default_rng(0)
    checked = 0
    for L, R, M, T in product((1, 2, 4), (2, 3), (2, 5), (3, 4, 5)):
        if M**T > 4000:
            continue
        for start in ([0], list(range(T - 1)), list(range(0, T, 2))):
            cut = Cut.from_sets(start, [t for t in range(T) if t not in start])
            truth = brute_rank(draw_weights(L, R, M, rng), M, T, start)
            assert truth <= closed_form_upper(L, R, M, cut).value
            checked += 1
    assert checked >= 40


def test_binomial_check_of_the_issue_example_degrees():
    # L = 3: the last step has degree 1, the one before 3 = C(3, 2), then 6 = C(4, 2)
    assert input_degrees(3, 6)[-3:] == (comb(4, 2), comb(3, 2), 1)


def binding_prefix_cuts(max_grid=2_000_000):
    """Every prefix cut, L = 2..4, R <= 4, M <= 7, M^T <= max_grid, where a new bound is strictly below the older ones."""
    found = []
    for L, R, M in product((2, 3, 4), (1, 2, 3, 4), range(1, 8)):
        for T in range(2, 16):
            if M**T > max_grid:
                break
            for s in range(1, T):
                cut = Cut.prefix(T, s)
                if closed_form_upper(L, R, M, cut).value < older_bounds(L, R, M, cut):
                    found.append((L, R, M, T, s))
    return found


@pytest.mark.slow
def test_every_binding_prefix_cut_attains_the_new_bound():
    """The 61 cuts quoted in docs/theory.rst (h), "Evidence that it is attained" (about a minute)."""
    cuts = binding_prefix_cuts()
    assert len(cuts) == 61
    assert sum(closed_form_upper(L, R, M, Cut.prefix(T, s)).source == "depth-3 ideal bound"
               for L, R, M, T, s in cuts) == 18
    by_shape = {}
    for L, R, M, T, s in cuts:
        by_shape.setdefault((L, R, M, T), []).append(s)
    for (L, R, M, T), starts in by_shape.items():  # one evaluation of the whole grid per shape
        values = all_outputs(draw_weights(L, R, M, np.random.default_rng([L, R, M, T])), M, T)
        for s in starts:
            truth = rank_mod(matricization(values, M, T, range(s)))
            assert truth == closed_form_upper(L, R, M, Cut.prefix(T, s)).value, (L, R, M, T, s)
