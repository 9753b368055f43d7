import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._network_reference import brute_force_cut, dense_matricization
from tnrnn import RAC, Cut, compile, cut_rank, mincut_bound, mincut_bound_for
from tnrnn.errors import InvalidParameterError


# -- shallow RACs (matrix product states): hand-derived values ------------------------------
# A prefix cut of the chain is crossed either by one hidden state (R) or by all inputs of
# one side (M^|S| or M^|E|); a mixture costs at least R.  So the bound is min(R, M^s, M^(T-s)).
@pytest.mark.parametrize("R,M,T,s", [(3, 2, 6, 3), (5, 2, 6, 3), (9, 2, 6, 3), (2, 3, 4, 2), (4, 2, 6, 1),
                                     (5, 2, 6, 2), (3, 3, 5, 4), (1, 2, 4, 2)])
def test_mps_prefix_cuts(R, M, T, s):
    expected = min(R, M ** s, M ** (T - s))
    assert mincut_bound_for(1, R, M, T, Cut.prefix(T, s)).bound == expected
    if 2 * s == T:
        assert mincut_bound_for(1, R, M, T, "start-end").bound == expected


# Interleaved, T even: the paths x_{2i} - h_{2i} - h_{2i+1} - x_{2i+1} (i < T/2) share no index,
# so at least T/2 crossings, each costing >= min(M, R); cutting every odd input (M each) or
# every odd state h_{2i+1} (R each) achieves it.  Bound: min(M, R)^(T/2).
@pytest.mark.parametrize("R,M,T", [(3, 2, 4), (2, 3, 4), (2, 3, 6), (4, 4, 6), (5, 2, 8)])
def test_mps_interleaved(R, M, T):
    assert mincut_bound_for(1, R, M, T, "interleaved").bound == min(M, R) ** (T // 2)


def test_mps_bond_is_the_cut_bond():
    mc = mincut_bound(compile(RAC.random(1, 3, 4), 6), "start-end")
    assert mc.bound == 3 and len(mc.bonds) == 1 and mc.bonds[0].startswith("h")
    assert set(mc.start_tensors).isdisjoint(mc.end_tensors)
    assert "WO" in mc.end_tensors and "INIT0" in mc.start_tensors


# -- deep RACs ---------------------------------------------------------------------------------------
# L = 2, T = 2, cut {0}|{1}: x_1 only enters node (1,1); cutting x_1 costs M, cutting the
# state of node (1,1) costs R: min(M, R).
@pytest.mark.parametrize("R,M", [(2, 3), (3, 2), (4, 4)])
def test_deep_two_steps(R, M):
    assert mincut_bound_for(2, R, M, 2, "start-end").bound == min(M, R)


# L = 2, start-end, M large: through hidden states the cheapest split cuts h^2_{T/2-1} and the
# T/2 copies of h^1_{T/2-1} that feed layer-1 steps >= T/2 (each copy of (1, T/2) has its own):
# R^(T/2+1); all start inputs cost M^(T/2).
@pytest.mark.parametrize("R,M,T", [(2, 64, 4), (2, 64, 6), (3, 64, 4), (2, 2, 4), (4, 4, 8)])
def test_deep_start_end(R, M, T):
    assert mincut_bound_for(2, R, M, T, "start-end").bound == min(R ** (T // 2 + 1), M ** (T // 2))


@pytest.mark.parametrize("L,R,M,T,cut", [(2, 2, 3, 2, "start-end"), (2, 3, 2, 3, "prefix:1"),
                                         (2, 2, 5, 3, "prefix:2"), (3, 2, 3, 2, "start-end"),
                                         (2, 2, 3, 3, "0,2|1"), (1, 2, 3, 5, "0,2,4|1,3")])
def test_equals_brute_force_hypergraph_cut(L, R, M, T, cut):
    net = compile(RAC.random(L, R, M), T)
    c = Cut.parse(cut, T)
    hyper = net.to_hyper()
    inds = [t.inds for t in hyper.tensors]
    sizes = {i: d for t in hyper.tensors for i, d in zip(t.inds, t.shape)}
    expected = brute_force_cut(inds, sizes, {f"x{t}" for t in c.start}, {f"x{t}" for t in c.end})
    assert mincut_bound(net, c).bound == expected


def test_result_fields_and_json():
    mc = mincut_bound_for(2, 3, 3, 4, "start-end")
    assert isinstance(mc.bound, int)
    assert mc.log2 == pytest.approx(math.log2(mc.bound))
    assert math.prod(3 for _ in mc.bonds) == mc.bound
    d = json.loads(json.dumps(mc.to_dict()))
    assert d["bound"] == mc.bound and d["cut"]["start"] == [0, 1]
    assert "min-cut bound" in str(mc)
    net = compile(RAC.random(2, 3, 3), 4)
    names = {next(iter(t.tags)) for t in net.tn.tensors}
    assert set(mc.start_tensors) | set(mc.end_tensors) == names


def test_exact_for_huge_bounds():
    # M^(T/2) = 3^40 is far beyond float precision; the bound must be the exact integer
    mc = mincut_bound_for(1, 3 ** 41, 3, 80, "start-end")
    assert mc.bound == 3 ** 40


def test_invalid():
    with pytest.raises(InvalidParameterError):
        mincut_bound(compile(RAC.random(1, 2, 2, outputs=2), 4, output=None), "start-end")
    with pytest.raises(InvalidParameterError):
        mincut_bound_for(1, 2, 2, 5, "start-end")
    with pytest.raises(InvalidParameterError):
        mincut_bound_for(0, 2, 2, 4, "start-end")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(L=st.integers(1, 3), R=st.integers(1, 3), M=st.integers(1, 3), T=st.integers(2, 5),
       data=st.data(), seed=st.integers(0, 2**16))
def test_property_mincut_bounds_the_dense_rank(L, R, M, T, data, seed):
    if M ** T > 3 ** 5:
        M = 2
    start = data.draw(st.sets(st.integers(0, T - 1), min_size=1, max_size=T - 1))
    cut = Cut.from_sets(sorted(start), sorted(set(range(T)) - start))
    rac = RAC.random(L, R, M, seed=seed)
    G = dense_matricization(rac, T, cut)
    rank = np.linalg.matrix_rank(G) if np.abs(G).max() > 0 else 0
    assert mincut_bound(compile(rac, T), cut).bound >= rank


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(L=st.integers(1, 4), R=st.integers(1, 4), M=st.integers(1, 4), T=st.integers(2, 6), data=st.data())
def test_property_mincut_is_never_below_the_certified_exact_rank(L, R, M, T, data):
    sides = data.draw(st.lists(st.booleans(), min_size=T, max_size=T).filter(lambda s: any(s) and not all(s)))
    cut = Cut.from_sets([t for t in range(T) if sides[t]], [t for t in range(T) if not sides[t]])
    rac = RAC.random(L, R, M, seed=data.draw(st.integers(0, 100)))
    certified = cut_rank(rac, cut, mincut=False).lower  # a GF(p) rank: a proven lower bound
    assert mincut_bound_for(L, R, M, T, cut).bound >= certified
