import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests._network_reference import dense_grid
from tnrnn import RAC, CircuitNetwork, compile
from tnrnn.errors import InvalidParameterError
from tnrnn.network.core import copies_closed_form, num_tensors_closed_form


def _paths_copies(L, T):
    """Copies of x_t counted independently: monotone lattice paths from (L, T-1) to (1, t)."""
    counts = [0] * T

    def walk(layer, time):
        if layer == 1:
            counts[time] += 1              # ... then down into x_time
        if layer > 1:
            walk(layer - 1, time)
        if time > 0:
            walk(layer, time - 1)

    walk(L, T - 1)
    return tuple(counts)


@settings(max_examples=25, deadline=None)
@given(L=st.integers(1, 4), T=st.integers(1, 6))
def test_copies_equal_closed_form_and_path_count(L, T):
    net = compile(RAC.random(L, 2, 2, seed=0), T)
    assert net.copies() == copies_closed_form(L, T) == _paths_copies(L, T)
    assert sum(net.copies()) == math.comb(L + T - 1, L)
    assert net.num_tensors == num_tensors_closed_form(L, T) == len(net.tn.tensors)
    assert net.num_nodes == math.comb(T + L, L) - 1


def test_tags_roles_and_indices():
    net = compile(RAC.random(2, 3, 2, seed=1), 3)
    tn = net.tn
    assert net.input_indices == ("x0", "x1", "x2")
    for role in ("WI", "WH", "INIT", "MUL", "WO"):
        assert role in tn.tag_map
    # one INIT per copy of a t = 0 node: (1,0) has copies C(1+2, 1) = 3, (2,0) has 1
    assert len(tn.tag_map["INIT"]) == 4
    assert len(tn.tag_map["T0"] & tn.tag_map["L1"] & tn.tag_map["MUL"]) == 3
    for t in tn.tensors:
        assert any(g.startswith("L") for g in t.tags) and any(g.startswith("T") for g in t.tags)
        assert any(g.startswith("COPY") for g in t.tags)
    # every copy of x_t carries the same hyperindex
    assert len(tn.ind_map["x0"]) == 3
    # COPY tensors are deltas
    mul = tn["MUL0"]
    assert mul.shape == (3, 3, 3) and mul.data.sum() == 3
    assert set(net.bond_dims().values()) == {3}


def test_hyper_form_fuses_copy_tensors():
    net = compile(RAC.random(3, 2, 2, seed=2), 3)
    hyper = net.to_hyper()
    assert "MUL" not in hyper.tag_map
    assert hyper.num_tensors == net.num_tensors - net.num_nodes
    A = hyper.contract(output_inds=net.input_indices).data
    np.testing.assert_allclose(A, dense_grid(net.rac, 3), rtol=1e-12, atol=0)


@pytest.mark.parametrize("L,T", [(1, 1), (1, 5), (2, 4), (3, 3), (4, 3)])
def test_quimb_contraction_equals_forward_pass(L, T):
    rac = RAC.random(L, 3, 2, seed=L + T)
    net = compile(rac, T)
    A = net.tn.contract(output_inds=net.input_indices, optimize="greedy").data
    ref = dense_grid(rac, T)
    assert np.abs(A - ref).max() <= 1e-10 * np.abs(ref).max()


def test_open_output_channel():
    rac = RAC.random(2, 2, 3, outputs=3, seed=5)
    net = compile(rac, 3, output=None)
    assert net.output_indices[-1] == "y"
    A = net.grid_tensor()
    np.testing.assert_allclose(A, dense_grid(rac, 3, channel=None), rtol=1e-10, atol=1e-14)
    A2 = compile(rac, 3, output=2).grid_tensor()
    np.testing.assert_allclose(A2, dense_grid(rac, 3, channel=2), rtol=1e-10, atol=1e-14)


def test_initial_states_enter_as_init_tensors():
    base = RAC.random(2, 3, 2, seed=7)
    rng = np.random.default_rng(0)
    rac = RAC(base.hidden_weights, base.input_weights, base.output_weights,
              initial_states=[rng.standard_normal(3), rng.standard_normal(3)])
    net = compile(rac, 3)
    np.testing.assert_allclose(net.grid_tensor(), dense_grid(rac, 3), rtol=1e-10, atol=1e-14)


def test_to_mps_matches_forward_pass():
    rac = RAC.random(1, 4, 3, seed=3)
    net = compile(rac, 5)
    mps = net.to_mps()
    assert mps.L == 5 and mps.max_bond() == 4
    dense = mps.to_dense([f"x{t}" for t in range(5)]).reshape((3,) * 5)
    np.testing.assert_allclose(dense, dense_grid(rac, 5), rtol=1e-10, atol=1e-14)


def test_to_mps_refuses_deep_and_open_output():
    with pytest.raises(InvalidParameterError):
        compile(RAC.random(2, 2, 2), 3).to_mps()
    with pytest.raises(InvalidParameterError):
        compile(RAC.random(1, 2, 2, outputs=2), 3, output=None).to_mps()
    with pytest.raises(InvalidParameterError):
        compile(RAC.random(1, 2, 2), 1).to_mps()


def test_summary_is_printable_and_json_safe():
    net = compile(RAC.random(2, 3, 2), 4)
    s = net.summary()
    d = json.loads(json.dumps(s.to_dict()))
    assert d["copies"] == [4, 3, 2, 1] and d["copies_match_closed_form"]
    assert d["num_tensors"] == 3 * (math.comb(6, 2) - 1) + 1
    assert "input copies" in str(s) and "4, 3, 2, 1" in str(s)
    with pytest.raises(AttributeError):
        s.depth = 3


def test_network_is_read_only():
    net = compile(RAC.random(1, 2, 2), 3)
    assert isinstance(net, CircuitNetwork)
    with pytest.raises(AttributeError):
        net.length = 4
    assert "CircuitNetwork(L=1" in repr(net)


@pytest.mark.parametrize("kwargs", [dict(length=0), dict(length=2.5), dict(length=3, output=1),
                                    dict(length=3, output=True), dict(length=3, output="a")])
def test_invalid_parameters(kwargs):
    with pytest.raises(InvalidParameterError):
        compile(RAC.random(1, 2, 2), **kwargs)


def test_refuses_non_rac_and_modular_rac():
    with pytest.raises(InvalidParameterError):
        compile("not a rac", 3)
    with pytest.raises(InvalidParameterError):
        compile(RAC.random_modular(1, 2, 2, prime=101), 3)
