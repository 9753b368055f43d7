"""Certified ranks of circuits of every layer kind (ssm, gla, rac) against an independent brute force.

The brute force evaluates the full grid with a plain-Python recurrence over Python integers mod p, written
from the definitions in docs/gated.rst (not tnrnn's evaluation), and ranks it with FLINT's ``nmod_mat``.
"""

from __future__ import annotations

import json
from itertools import product
from math import comb

import flint
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tnrnn import rank_bounds
from tnrnn.circuits import random_circuit, random_modular_circuit
from tnrnn.cli import main
from tnrnn.cuts import Cut
from tnrnn.errors import InvalidParameterError
from tnrnn.ranks import RankBounds, cut_rank
from tnrnn.ranks.bounds import degree_bound, weight_degree
from tnrnn.ranks.kinds import kind_upper
from tnrnn.ranks.support import monomial_bound, weight_degree_of

PRIME = 1048573


# -- the independent reference -------------------------------------------------------------


def _weights(circuit):
    """Every weight as nested Python lists of ints mod p."""
    to = lambda w: [[int(x) % circuit.modulus for x in row] for row in np.asarray(w)]  # noqa: E731
    return [{k: to(w) for k, w in lp.items() if k != "factor"} for lp in circuit.layer_params()], \
        [int(x) % circuit.modulus for x in np.asarray(circuit.output_weights)[0]]


def _matvec(W, u, p):
    return [sum(a * b for a, b in zip(row, u)) % p for row in W]


def _layer(kind, P, state, u, p):
    """One step of one layer, from the definitions (state None at t = 0)."""
    if kind == "rac":   # h = (W^H h) * (W^I u), first hidden factor 1
        hid = [1] * len(P["WH"]) if state is None else _matvec(P["WH"], state, p)
        h = [a * b % p for a, b in zip(hid, _matvec(P["WI"], u, p))]
        return h, h
    if kind == "ssm":   # h = (A u) * h + B u; y = (C u) * h
        a, b, c = (_matvec(P[n], u, p) for n in "ABC")
        h = b if state is None else [(x * y + z) % p for x, y, z in zip(a, state, b)]
        return h, [x * y % p for x, y in zip(c, h)]
    if kind == "gla":   # S = diag(A u) S + (K u)(V u)^T; y = S^T (Q u)
        a, k, v, q = (_matvec(P[n], u, p) for n in "AKVQ")
        R = len(a)
        S = [[(k[i] * v[j] + (0 if state is None else a[i] * state[i][j])) % p for j in range(R)] for i in range(R)]
        return S, [sum(S[i][j] * q[i] for i in range(R)) % p for j in range(R)]
    raise AssertionError(kind)


def _brute_grid(circuit, cut):
    """The full grid matricization over GF(p) by a depth-first walk over all input sequences."""
    p, M, T = circuit.modulus, circuit.inputs, cut.length
    layers, w = _weights(circuit)
    out = {}

    def walk(seq, states):
        if len(seq) == T:
            out[tuple(seq)] = sum(a * b for a, b in zip(w, walk.top)) % p
            return
        for d in range(M):
            u = [int(i == d) for i in range(M)]
            new, below = [], u
            for layer, P in enumerate(layers):
                s, below = _layer(circuit.kind, P, states[layer], below, p)
                new.append(s)
            walk.top = below
            walk(seq + [d], new)

    walk([], [None] * len(layers))
    S, E = len(cut.start), len(cut.end)
    rows = []
    for start in product(range(M), repeat=S):
        row = []
        for end in product(range(M), repeat=E):
            seq = [0] * T
            for t, d in zip(cut.start, start):
                seq[t] = d
            for t, d in zip(cut.end, end):
                seq[t] = d
            row.append(out[tuple(seq)])
        rows.append(row)
    return rows


def _brute_rank(circuit, cut) -> int:
    rows = _brute_grid(circuit, cut)
    return flint.nmod_mat(len(rows), len(rows[0]), [x for r in rows for x in r], circuit.modulus).rank()


def test_the_brute_force_matches_the_definition_on_one_sequence():
    """A hand-unrolled two-step ssm layer against the brute force (and the circuit's own forward pass)."""
    c = random_modular_circuit("ssm", 1, 2, 2, prime=101, seed=3)
    (P,), w = _weights(c)
    p = 101
    x0, x1 = [1, 0], [0, 1]
    h0 = _matvec(P["B"], x0, p)
    h1 = [(a * h + b) % p for a, h, b in zip(_matvec(P["A"], x1, p), h0, _matvec(P["B"], x1, p))]
    y = sum(wi * ci * hi for wi, ci, hi in zip(w, _matvec(P["C"], x1, p), h1)) % p
    grid = _brute_grid(c, Cut.start_end(2))
    assert grid[0][1] == y == int(c(np.eye(2, dtype=np.int64)[[0, 1]])[0]) % p


# -- lower <= brute <= upper on small grids ---------------------------------------------------

SMALL = [(kind, L, R, M, T) for kind in ("ssm", "gla") for L in (1, 2, 3) for R in (2, 3)
         for M, T in ((2, 4), (2, 6), (3, 4))]


@pytest.mark.parametrize("kind,L,R,M,T", SMALL)
def test_bounds_bracket_the_brute_force_rank(kind, L, R, M, T):
    cut = Cut.start_end(T)
    record = rank_bounds(circuit=kind, depth=L, hidden=R, inputs=M, length=T, seed=0)
    brute = _brute_rank(random_modular_circuit(kind, L, R, M, prime=PRIME, seed=record.seed), cut)
    assert record.lower <= brute <= record.upper
    if record.exact:
        assert brute == record.lower
    assert kind_upper(random_modular_circuit(kind, L, R, M, prime=PRIME).spec, cut).value == record.upper


@pytest.mark.parametrize("kind,L,R,M,T,truth", [
    ("ssm", 2, 2, 3, 8, None),     # the pure-power lemma binds: (R + 1) C(R + E + 1, R) - R^2 = 59 < 81
    ("gla", 2, 2, 2, 8, None),
    ("rac", 2, 2, 2, 6, None),
    ("ssm", 1, 3, 2, 6, 4),        # the automaton bound R + 1
    ("ssm", 2, 3, 10, 4, 58),      # lemma at R = 3, E = 2: 80 - 9 (pure powers) - 12 - 1 (blocks of support 2, 3)
])
def test_larger_grids_and_the_lemma(kind, L, R, M, T, truth):
    cut = Cut.start_end(T)
    record = rank_bounds(circuit=kind, depth=L, hidden=R, inputs=M, length=T, seed=0)
    brute = _brute_rank(random_modular_circuit(kind, L, R, M, prime=PRIME, seed=record.seed), cut)
    assert record.lower <= brute <= record.upper
    if truth is not None:
        assert brute == truth == record.upper == record.lower
    if (kind, L, R) == ("ssm", 2, 2):
        assert record.upper == 3 * comb(2 + 4 + 1, 2) - 4 == brute and record.upper_source == "monomial bound + lemma"


def test_cut_rank_of_given_weights_is_the_brute_force_rank():
    for kind in ("ssm", "gla"):
        c = random_modular_circuit(kind, 2, 2, 2, prime=PRIME, seed=5)
        r = cut_rank(c, "prefix:2", length=5)
        assert r.weights == "given" and r.circuit == kind
        assert r.lower == _brute_rank(c, Cut.prefix(5, 2)) <= r.upper


def test_ninety_percent_of_small_grid_records_are_exact():
    records = [rank_bounds(circuit=kind, depth=L, hidden=R, inputs=M, length=T)
               for kind in ("ssm", "gla") for L in (1, 2, 3) for R in (2, 3)
               for M, T in ((2, 4), (2, 6), (2, 8), (2, 12), (3, 4), (3, 6), (3, 8))]
    assert all(M**T <= 6561 for M, T in ((2, 12), (3, 8)))
    exact = sum(r.exact for r in records)
    assert exact >= 0.9 * len(records), [(r.circuit, r.depth, r.hidden, r.inputs, r.length, r.lower, r.upper)
                                         for r in records if not r.exact]


# -- the bounds against independent closed forms ---------------------------------------------


@pytest.mark.parametrize("L,R,E", [(1, 3, 4), (2, 2, 3), (2, 3, 5), (3, 2, 3)])
def test_monomial_count_of_rac_is_the_degree_bound(L, R, E):
    assert monomial_bound("rac", L, R, E).value == degree_bound(L, R, E)


@pytest.mark.parametrize("R,E", [(2, 1), (2, 6), (3, 4), (4, 8)])
def test_monomial_count_of_two_ssm_layers_has_its_closed_form(R, E):
    """(R + 1) C(R + E + 1, R): every monomial of degree <= E + 1 in z, times 1 or one v_r (docs/gated.rst)."""
    assert monomial_bound("ssm", 2, R, E).value == (R + 1) * comb(R + E + 1, R)


@pytest.mark.parametrize("kind", ["ssm", "gla"])
@pytest.mark.parametrize("R", [1, 2, 4])
def test_depth_one_is_the_automaton_bound(kind, R):
    assert monomial_bound(kind, 1, R, 5).value == R + 1
    assert kind_upper(random_modular_circuit(kind, 1, R, 3, prime=101).spec, Cut.start_end(10)).value == \
        min(R + 1, 3**5)


@pytest.mark.parametrize("L,T", [(1, 4), (2, 6), (3, 12)])
def test_weight_degree_of_rac_is_the_closed_form(L, T):
    assert weight_degree_of("rac", L, 3, T) == weight_degree(L, T)


def test_weight_degree_of_ssm_by_hand():
    # one ssm layer, T steps: h_{T-1} has the term B u_0 times T-1 gates A u_t; C u and W^O add 2
    assert [weight_degree_of("ssm", 1, 2, T) for T in (1, 2, 3)] == [3, 4, 5]


def test_support_cost_is_bounded_before_it_runs():
    b = monomial_bound("gla", 3, 4, 8)
    assert not b.counted and b.value == b.majorant and "not run" in b.reason


# -- properties -------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["ssm", "gla"]), L=st.integers(1, 3), R=st.integers(1, 3), M=st.integers(2, 3),
       half=st.integers(1, 3), seed=st.integers(0, 50))
def test_property_lower_never_exceeds_upper(kind, L, R, M, half, seed):
    r = rank_bounds(circuit=kind, depth=L, hidden=R, inputs=M, length=2 * half, seed=seed, retry=False)
    assert 1 <= r.lower <= r.upper <= M**half


@settings(max_examples=15, deadline=None)
@given(kind=st.sampled_from(["ssm", "gla"]), L=st.integers(1, 2), s=st.integers(1, 3), E=st.integers(1, 3),
       seed=st.integers(0, 50))
def test_property_float_weights_rank_below_upper(kind, L, s, E, seed):
    r = cut_rank(random_circuit(kind, L, 2, 2, seed=seed), f"prefix:{s}", length=s + E)
    assert r.lower <= r.upper


# -- records and refusals ---------------------------------------------------------------------


def test_records_name_the_kind_and_rac_records_keep_their_keys():
    ssm = rank_bounds(circuit="ssm", depth=2, hidden=2, inputs=2, length=6)
    rac = rank_bounds(depth=2, hidden=2, inputs=2, length=6)
    assert ssm.to_dict()["circuit"] == "ssm" and "circuit" not in rac.to_dict()
    assert RankBounds.from_dict(json.loads(ssm.to_json())) == ssm
    assert RankBounds.from_dict(rac.to_dict()).circuit == "rac"
    assert ssm.theorem_lower is None and ssm.mincut_upper is not None and ssm.mincut_upper >= ssm.lower
    assert "monomial" in ssm.details["upper_bounds"]


@pytest.mark.parametrize("kwargs,name", [
    (dict(cut="interleaved"), "cut"),
    (dict(cut="0,2|1,3"), "cut"),
    (dict(mincut="yes"), "mincut"),
    (dict(engine="factored"), "engine"),
    (dict(circuit="lstm"), "circuit"),
    (dict(depth=0), "depth"),
])
def test_unsupported_combinations_are_refused(kwargs, name):
    args = {**dict(circuit="gla", depth=2, hidden=2, inputs=2, length=4), **kwargs}
    with pytest.raises(InvalidParameterError) as err:
        rank_bounds(**args)
    assert err.value.name == name


@pytest.mark.parametrize("extra,needle", [
    (["--circuit", "ssm", "--cut", "interleaved"], "prefix cut"),
    (["--circuit", "gla", "--cut", "prefix:0"], "cut"),
    (["--circuit", "gla", "--engine", "factored"], "engine"),
    (["--circuit", "lstm"], "'rac', 'ssm', 'gla'"),
])
def test_cli_refuses_in_one_line(capsys, extra, needle):
    assert main(["bounds", "-L", "2", "-R", "2", "-M", "2", "-T", "4", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err


def test_cli_table_and_out(tmp_path, capsys):
    out = tmp_path / "ssm.jsonl"
    assert main(["bounds", "--circuit", "ssm", "-L", "1,2", "-R", "2", "-M", "2", "-T", "4,6", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split()[:2] == ["circuit", "L"] and all(line.startswith("ssm") for line in lines[1:])
    records = [json.loads(line)["result"] for line in out.read_text().splitlines()]
    assert len(records) == 4 and all(r["circuit"] == "ssm" and r["lower"] <= r["upper"] for r in records)
    assert main(["bounds", "--circuit", "ssm", "-L", "1,2", "-R", "2", "-M", "2", "-T", "4,6", "--out", str(out),
                 "--resume"]) == 0
    assert "4 already there" in capsys.readouterr().err


def test_the_min_cut_of_the_compiled_network_is_an_upper_candidate():
    """One gla layer compiles to an MPS of bond R^2 + 1 (its min-cut), above the automaton bound R + 1;
    one ssm layer's MPS bond R + 1 equals it."""
    gla = rank_bounds(circuit="gla", depth=1, hidden=2, inputs=3, length=6, mincut=True)
    assert gla.mincut_upper == 2 * 2 + 1 and gla.upper == 3 and gla.upper_source == "automaton bound"
    ssm = rank_bounds(circuit="ssm", depth=1, hidden=3, inputs=4, length=6, mincut=True)
    assert ssm.mincut_upper == ssm.upper == 4
    assert rank_bounds(circuit="ssm", depth=2, hidden=2, inputs=2, length=6, mincut=False).mincut_upper is None
