"""Exact ranks against an independent brute force: the full grid matricization
built with plain Python integers and ranked over the rationals by FLINT."""

from __future__ import annotations

import zlib
from math import comb

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrnn import RAC, Cut, cut_rank, rank_bounds
from tnrnn.errors import InvalidParameterError, MemoryLimitError
from tnrnn.field import DEFAULT_PRIME
from tnrnn.ranks.bounds import closed_form_upper
from tnrnn.ranks.engines import exact_rank, grid_matrix, list_engines

from ._reference import grid_matrix_python, rational_rank

# (L, R, M, T, cut): L = 1..4, M < R and M > R, start-end, prefix, interleaved, custom
CONFIGS = [
    (1, 3, 2, 6, "start-end"), (1, 2, 3, 4, "start-end"), (1, 4, 2, 6, "start-end"),
    (1, 3, 3, 5, "prefix:2"), (1, 2, 2, 6, "interleaved"), (1, 3, 2, 5, "0,3|1,2,4"),
    (2, 2, 2, 4, "start-end"), (2, 2, 2, 6, "start-end"), (2, 3, 2, 6, "start-end"),
    (2, 2, 3, 6, "start-end"), (2, 3, 3, 6, "start-end"), (2, 4, 2, 8, "start-end"),
    (2, 2, 4, 4, "start-end"), (2, 3, 2, 7, "prefix:3"), (2, 2, 3, 5, "prefix:2"),
    (2, 3, 2, 6, "interleaved"), (2, 2, 2, 7, "interleaved"), (2, 2, 3, 6, "prefix:4"),
    (2, 4, 3, 6, "start-end"), (2, 2, 2, 6, "1,2,5|0,3,4"),
    (3, 2, 2, 6, "start-end"), (3, 2, 2, 8, "start-end"), (3, 3, 2, 6, "start-end"),
    (3, 2, 3, 4, "start-end"), (3, 2, 2, 7, "prefix:4"), (3, 2, 2, 6, "interleaved"),
    (3, 3, 2, 5, "prefix:2"),
    (4, 2, 2, 6, "start-end"), (4, 2, 2, 8, "start-end"), (4, 2, 3, 4, "start-end"),
    (4, 2, 2, 5, "prefix:3"), (4, 2, 2, 6, "interleaved"),
]


def integer_weights(L, R, M, seed, low=-10**6, high=10**6):
    rng = np.random.default_rng(seed)
    wh = [rng.integers(low, high + 1, size=(R, R)).tolist() for _ in range(L)]
    wi = [rng.integers(low, high + 1, size=(R, M if layer == 0 else R)).tolist() for layer in range(L)]
    wo = rng.integers(low, high + 1, size=(1, R)).tolist()
    return wh, wi, wo


def config_id(cfg):
    return "L{}-R{}-M{}-T{}-{}".format(*cfg).replace("|", "_")


def test_there_are_at_least_30_configurations_spanning_depths_and_cuts():
    assert len(CONFIGS) >= 30
    assert {c[0] for c in CONFIGS} == {1, 2, 3, 4}
    assert any(M < R for _, R, M, _, _ in CONFIGS) and any(M > R for _, R, M, _, _ in CONFIGS)
    assert {"start-end", "interleaved"} <= {c[4] for c in CONFIGS}
    assert any(c[4].startswith("prefix") for c in CONFIGS) and any("|" in c[4] for c in CONFIGS)


@pytest.mark.parametrize("cfg", CONFIGS, ids=config_id)
def test_exact_rank_equals_rational_brute_force(cfg):
    L, R, M, T, name = cfg
    cut = Cut.parse(name, T)
    weights = integer_weights(L, R, M, seed=zlib.crc32(config_id(cfg).encode()))
    truth = rational_rank(grid_matrix_python(weights, M, cut))
    wh, wi, wo = weights
    rac = RAC([np.array(w, float) for w in wh], [np.array(w, float) for w in wi], np.array(wo, float))
    engines = ["grid", "factored"] if cut.is_prefix else ["grid"]
    for engine in engines:
        result = cut_rank(rac, cut, engine=engine)
        assert result.lower == truth, engine
        assert result.upper >= truth
    # the one closed-form upper bound is sound against the brute force
    assert closed_form_upper(L, R, M, cut).value >= truth
    # the generic rank (random weights mod p) equals the rank of generic integer weights
    generic = rank_bounds(L, R, M, T, cut=cut)
    assert generic.lower == truth
    assert generic.lower <= generic.upper


@pytest.mark.parametrize("R,M,T", [(2, 2, 4), (3, 2, 6), (4, 2, 8), (2, 3, 4), (5, 2, 4), (3, 3, 2), (6, 2, 6)])
def test_shallow_rank_is_min_R_and_M_to_half_T(R, M, T):
    r = rank_bounds(1, R, M, T, method="exact", engine="grid")
    assert r.lower == r.upper == min(R, M ** (T // 2))
    assert r.exact


@pytest.mark.parametrize("R,M,T", [(2, 2, 6), (3, 3, 6), (4, 4, 8), (3, 2, 8), (2, 4, 6), (4, 4, 12)])
def test_depth_two_meets_the_paper_lower_bound(R, M, T):
    r = rank_bounds(2, R, M, T)
    paper = comb(min(M, R) + T // 2 - 1, T // 2)
    assert r.theorem_lower == paper
    assert r.lower >= paper


@pytest.mark.parametrize("T", [4, 8, 12, 16])
def test_depth_two_start_end_is_certified_at_the_degree_bound(T):
    r = rank_bounds(2, 4, 4, T)
    E = T // 2
    closed = min(4 * comb(4 + E - 1, E), 4**E)  # R * ((R, E)), or the grid when smaller
    assert r.exact and r.lower == r.upper == closed


@settings(max_examples=30, deadline=None)
@given(
    L=st.integers(1, 3), R=st.integers(1, 3), M=st.integers(1, 3), T=st.integers(2, 6),
    data=st.data(),
)
def test_lower_never_exceeds_upper_and_engines_agree(L, R, M, T, data):
    sides = data.draw(st.lists(st.booleans(), min_size=T, max_size=T).filter(lambda s: any(s) and not all(s)))
    cut = Cut.from_sets([t for t in range(T) if sides[t]], [t for t in range(T) if not sides[t]])
    seed = data.draw(st.integers(0, 1000))
    r = rank_bounds(L, R, M, T, cut=cut, seed=seed)
    assert 1 <= r.lower <= r.upper
    if cut.is_prefix:
        rac = RAC.random_modular(L, R, M, prime=DEFAULT_PRIME, seed=seed)
        ranks = {e: exact_rank(rac, cut, engine=e, seed=seed).rank for e in ("grid", "factored")}
        assert ranks["grid"] == ranks["factored"]


def test_grid_matrix_matches_the_python_loop_mod_p():
    p = 1_000_003
    rac = RAC.random_modular(3, 2, 3, prime=p, seed=4)
    cut = Cut.interleaved(5)
    rows = np.array([[0, 1, 2], [2, 2, 0], [1, 0, 1]])
    cols = np.array([[1, 1], [0, 2]])
    Z = grid_matrix(rac, cut, rows, cols)
    weights = ([w.tolist() for w in rac.hidden_weights], [w.tolist() for w in rac.input_weights],
               rac.output_weights.tolist())
    full = grid_matrix_python(weights, 3, cut, modulus=p)
    # rows/cols index the full grid in lexicographic order
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            ri = int(np.ravel_multi_index(tuple(r), (3,) * 3))
            cj = int(np.ravel_multi_index(tuple(c), (3,) * 2))
            assert Z[i, j] == full[ri][cj]


@pytest.mark.parametrize("L,R,M,T,cut_name,p", [
    (1, 3, 2, 8, "start-end", 1_000_003), (2, 2, 3, 6, "prefix:2", DEFAULT_PRIME), (3, 2, 3, 6, "prefix:4", 2**31 - 1),
    (2, 3, 2, 8, "start-end", 2**31 - 1), (3, 3, 2, 7, "prefix:3", DEFAULT_PRIME),
])
def test_trie_evaluation_matches_the_python_loop(L, R, M, T, cut_name, p):
    """The trie over end prefixes (sampled, repeated and full-grid columns) against plain integers."""
    rac = RAC.random_modular(L, R, M, prime=p, seed=T)
    cut = Cut.parse(cut_name, T)
    s, E = len(cut.start), len(cut.end)
    rng = np.random.default_rng(T)
    rows = rng.integers(0, M, (7, s))
    cols = np.concatenate([rng.integers(0, M, (9, E)), rng.integers(0, M, (1, E)).repeat(2, axis=0)])
    weights = ([w.tolist() for w in rac.hidden_weights], [w.tolist() for w in rac.input_weights],
               rac.output_weights.tolist())
    full = grid_matrix_python(weights, M, cut, modulus=p)
    Z = grid_matrix(rac, cut, rows, cols, method="trie")
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            ri, cj = np.ravel_multi_index(tuple(r), (M,) * s), np.ravel_multi_index(tuple(c), (M,) * E)
            assert Z[i, j] == full[int(ri)][int(cj)]
    all_cols = np.array(np.unravel_index(np.arange(M**E), (M,) * E)).T
    assert (grid_matrix(rac, cut, rows, all_cols, method="trie") == grid_matrix(rac, cut, rows, all_cols,
                                                                                method="pairs")).all()
    with pytest.raises(InvalidParameterError, match="method"):
        grid_matrix(rac, Cut.interleaved(4), rows[:, :2], cols[:, :2], method="trie")
    assert grid_matrix(rac, cut, rows, cols[:0]).shape == (len(rows), 0)


def test_large_prime_uses_integer_arithmetic_and_agrees():
    cut = Cut.start_end(6)
    small = rank_bounds(2, 3, 3, 6, cut=cut)
    big = rank_bounds(2, 3, 3, 6, cut=cut, prime=2**31 - 1)
    assert big.lower == small.lower == 27


def test_memory_limit_refuses_with_the_estimate():
    with pytest.raises(MemoryLimitError, match=r"needs an estimated .* above the memory limit"):
        rank_bounds(2, 4, 4, 32, engine="grid", max_memory="1MiB")


def test_samples_below_the_rank_give_a_certified_lower_bound():
    r = rank_bounds(2, 3, 3, 8, engine="grid", samples=20)
    assert r.lower <= r.upper
    assert r.samples[0] >= 20  # enlarged adaptively past the saturated sample


def test_engine_names_and_errors():
    assert set(list_engines()) == {"grid", "factored"}
    with pytest.raises(InvalidParameterError, match="engine"):
        rank_bounds(2, 2, 2, 4, engine="magic")
    with pytest.raises(InvalidParameterError, match="engine"):
        rank_bounds(2, 2, 2, 4, cut="interleaved", engine="factored")
    rac = RAC.random(2, 2, 2)
    with pytest.raises(InvalidParameterError, match="rac"):
        exact_rank(rac, Cut.start_end(4))


@pytest.mark.parametrize("L,R,M,T", [(2, 3, 2, 10), (3, 2, 3, 8), (1, 3, 3, 6)])
def test_compiled_kernels_equal_the_numpy_paths(monkeypatch, L, R, M, T):
    """The numba trie walk and depth-2 covectors against the numpy evaluation (the fallback without numba)."""
    from tnrnn.ranks import _kernels
    from tnrnn.ranks.factored import factored_matrices

    if not _kernels.available():
        pytest.skip("numba is not installed")
    rac = RAC.random_modular(L, R, M, prime=DEFAULT_PRIME, seed=T)
    cut = Cut.start_end(T)
    rng = np.random.default_rng(1)
    rows = rng.integers(0, M, (11, len(cut.start)))
    cols = rng.integers(0, M, (13, len(cut.end)))
    compiled = grid_matrix(rac, cut, rows, cols)
    fm = factored_matrices(rac, cut)
    monkeypatch.setattr(_kernels, "available", lambda: False)
    assert (grid_matrix(rac, cut, rows, cols) == compiled).all()
    fm_numpy = factored_matrices(rac, cut)
    p = DEFAULT_PRIME
    assert (np.remainder(fm.end.astype(np.int64), p) == np.remainder(fm_numpy.end.astype(np.int64), p)).all()
