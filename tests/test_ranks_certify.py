from __future__ import annotations

import json
from math import comb

import numpy as np
import pytest

from tnrnn import RAC, Cut, RankBounds, cut_rank, format_table, rank_bounds
from tnrnn.errors import InvalidParameterError


def test_record_round_trips_through_json():
    r = rank_bounds(2, 3, 3, 6)
    d = json.loads(r.to_json())
    assert RankBounds.from_dict(d) == r
    for key in ("depth", "hidden", "inputs", "length", "cut", "lower", "upper", "exact", "theorem_lower",
                "degree_upper", "prime", "seed", "seconds"):
        assert key in d
    assert d["samples"] == list(r.samples)


def test_sources_say_where_numbers_come_from():
    r = rank_bounds(2, 4, 4, 16)
    assert r.upper_source == "degree bound" and r.degree_upper == 4 * comb(8 + 4 - 1, 8)
    assert r.lower_source.startswith(f"GF({r.prime}) rank")
    assert r.weights == "generic" and r.details["gf_rank"] == r.lower
    shallow = rank_bounds(1, 3, 2, 8)
    assert shallow.lower_source.startswith("Levine et al. 2020, Theorem 1") and shallow.engine is None


def test_closed_form_method_does_no_exact_work():
    r = rank_bounds(2, 4, 4, 64, method="closed-form")
    assert r.lower == comb(4 + 32 - 1, 32) and r.upper == 4 * comb(4 + 32 - 1, 32)
    assert not r.exact and r.prime is None and r.samples is None


def test_table_has_one_row_per_record():
    rows = [rank_bounds(2, 2, 2, T) for T in (4, 6, 8)]
    text = format_table(rows)
    lines = text.splitlines()
    assert len(lines) == 4 and lines[0].split()[:7] == ["L", "R", "M", "T", "cut", "lower", "upper"]
    assert str(rows[0]).splitlines()[1].split()[3] == "4"


def test_cut_rank_of_a_degenerate_circuit_is_below_the_generic_rank():
    # W^{I,1} = u v^T of rank one: input d enters as the scalar v_d times u, and y is homogeneous in
    # each step's scalar, so y(d_0..d_{T-1}) = y(1..1) * prod_t v_{d_t}^{k_t}: a rank-one grid tensor.
    # Small integers keep u v^T exactly rank one: the exact rank is that of the floats as given,
    # and a rounded product of arbitrary floats is a full-rank rational matrix.
    rac = RAC.random(2, 3, 3, seed=0)
    u, v = np.array([[1.0], [2.0], [-3.0]]), np.array([[1.0, -1.0, 2.0]])
    low = RAC(rac.hidden_weights, (u @ v, rac.input_weights[1]), rac.output_weights)
    generic = cut_rank(rac, Cut.start_end(6))
    degenerate = cut_rank(low, Cut.start_end(6))
    assert generic.lower == 27 and degenerate.lower == 1
    assert degenerate.weights == "given" and degenerate.upper == 27


@pytest.mark.parametrize(
    "kwargs,name",
    [
        (dict(depth=0), "depth"), (dict(hidden=-1), "hidden"), (dict(inputs=0), "inputs"),
        (dict(length=1), "length"), (dict(length=7), "length"), (dict(method="svd"), "method"),
        (dict(prime=91), "prime"), (dict(prime=2**31 + 11), "prime"), (dict(seed=-1), "seed"),
        (dict(cut="prefix:9"), "cut"), (dict(cut="0,1|1,2"), "cut"), (dict(max_memory="lots"), "max_memory"),
        (dict(samples=0), "samples"),
    ],
)
def test_invalid_parameters_name_themselves(kwargs, name):
    args = dict(depth=2, hidden=3, inputs=3, length=6) | kwargs
    with pytest.raises(InvalidParameterError, match=name) as info:
        rank_bounds(**args)
    assert isinstance(info.value, ValueError)


def test_cut_rank_needs_a_length_for_named_cuts():
    with pytest.raises(InvalidParameterError, match="length"):
        cut_rank(RAC.random(1, 2, 2), "start-end")
