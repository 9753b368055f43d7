"""Exact Start-End ranks of single layers on tokens (tnrnn.bridge.automaton) against the full-grid GF(p) rank.

The reference builds the whole M^S x M^E matrix over GF(p) by running each layer's own recurrence on every
sequence (the circuit's GF(p) forward for ssm/gla; a plain-Python-integer Mamba recurrence over the float64 tables
for Mamba) and takes its rank with FLINT.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

flint = pytest.importorskip("flint")

from tnrnn.bridge.automaton import (  # noqa: E402
    automaton_rank,
    mamba_tables,
    mamba_windows,
    row_basis_mod,
    token_automaton,
)
from tnrnn.bridge.mamba import MambaModel  # noqa: E402
from tnrnn.circuits import GatedCircuit  # noqa: E402
from tnrnn.errors import InvalidParameterError  # noqa: E402
from tnrnn.field import DEFAULT_PRIME, to_field  # noqa: E402

P = DEFAULT_PRIME


def _flint_rank(values, rows, cols, p=P):
    A = np.remainder(np.asarray(values).astype(np.int64), p).reshape(rows, cols)
    return flint.nmod_mat(rows, cols, [int(v) for v in A.ravel()], p).rank()


def _sequences(M, T):
    return np.array(list(itertools.product(range(M), repeat=T)))


def _cases(n, seed):
    rng = np.random.default_rng(seed)
    for i in range(n):
        M = int(rng.integers(2, 4))
        T = int(rng.integers(2, 7 if M == 2 else 6))
        yield i, M, T, int(rng.integers(1, T)), int(rng.integers(1, 4))


@pytest.mark.parametrize("kind", ["ssm", "gla"])
def test_circuit_layer_rank_equals_full_grid_rank(kind):
    for i, M, T, s, R in _cases(24, {"ssm": 0, "gla": 1}[kind]):
        c = GatedCircuit.random(kind, 1, R, M, outputs=2, seed=i)
        channel = i % 2
        X = _sequences(M, T)
        grid = c.to_field(P)(np.eye(M, dtype=np.int64)[X])[:, channel]   # the circuit's own GF(p) forward
        want = _flint_rank(grid, M**s, M ** (T - s))
        got = automaton_rank(c, T, start=s, channel=channel)
        assert got.rank == want, (kind, i, M, T, s, R)
        assert got.rank <= min(got.states, M**s, M ** (T - s))


def _mamba_brute(model, T, start, channel, p=P):
    """The Start-End matrix over GF(p) of a one-layer Mamba: its recurrence in Python integers, on the float64
    tables mapped exactly (the same tables the automaton is built from, an independent evaluation of them)."""
    layer = model.layers[0]
    M, E, N, width = model.inputs, layer.d_inner, layer.d_state, layer.d_conv - 1
    windows = mamba_windows(M, width)
    index = {w: j for j, w in enumerate(windows)}
    t = {k: to_field(v, p, k).astype(np.int64) % p for k, v in mamba_tables(model, windows).items()}
    wo = to_field(model.readout_weight[channel], p).astype(np.int64) % p
    out_proj = to_field(layer.out_proj, p).astype(np.int64) % p
    x = to_field(model.input_weights, p).astype(np.int64) % p
    bo = 0 if model.readout_bias is None else int(to_field(model.readout_bias[channel:channel + 1], p)[0]) % p
    coef = [sum(int(wo[j]) * int(out_proj[j, e]) for j in range(len(wo))) % p for e in range(E)]
    values = []
    for seq in _sequences(M, T):
        h = [[0] * N for _ in range(E)]
        window = (-1,) * width
        for tok in seq:
            j = index[window]
            dec, drv = t["decay"][tok, j], t["drive"][tok, j]
            h = [[(int(dec[e, n]) * h[e][n] + int(drv[e, n])) % p for n in range(N)] for e in range(E)]
            last, lw = tok, j
            window = (window + (int(tok),))[1:] if width else ()
        C, gate, skip = t["C"][last, lw], t["gate"][last, lw], t["skip"][last, lw]
        f = bo + sum(int(wo[i]) * int(x[i, last]) for i in range(len(wo)))
        for e in range(E):
            y = sum(h[e][n] * int(C[n]) for n in range(N)) + int(skip[e])
            f += coef[e] * int(gate[e]) * y
        values.append(f % p)
    return _flint_rank(values, M**start, M ** (T - start), p)


def test_mamba_layer_rank_equals_full_grid_rank():
    for i, M, T, s, _ in _cases(22, 2):
        if M**T > 250:
            M, T, s = 2, min(T, 6), min(s, min(T, 6) - 1)
        d_conv, d_state = 1 + i % 3, 1 + i % 2
        m = MambaModel.random(1, d_model=1 + i % 2, inputs=M, outputs=2, d_state=d_state, d_conv=d_conv, expand=1,
                              seed=i)
        channel = i % 2
        got = automaton_rank(m, T, start=s, channel=channel)
        assert got.rank == _mamba_brute(m, T, s, channel), (i, M, T, s, d_conv, d_state)


def test_automata_reproduce_the_float_models():
    X = _sequences(2, 5)
    for model in (GatedCircuit.random("ssm", 1, 3, 2, 2, seed=0), GatedCircuit.random("gla", 1, 2, 2, 2, seed=1),
                  MambaModel.random(1, 2, 2, 2, d_state=2, d_conv=3, seed=2)):
        a = token_automaton(model, channel=1, prime=None)
        np.testing.assert_allclose(a(X), model(np.eye(2)[X])[:, 1], rtol=1e-12, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.integers(2, 7))
def test_rank_properties(seed, T):
    c = GatedCircuit.random("ssm", 1, 2, 2, seed=seed)
    r = automaton_rank(c, T)
    assert 1 <= r.rank <= min(c.hidden + 1, 2 ** (T // 2))   # the automaton bound R + 1


def test_row_basis_against_flint():
    rng = np.random.default_rng(0)
    for _ in range(20):
        Z = rng.integers(0, 5, size=(6, 5)) * rng.integers(0, 2, size=(6, 1))
        assert len(row_basis_mod(Z, 101)) == flint.nmod_mat(6, 5, [int(v) for v in Z.ravel()], 101).rank()


def test_refusals_named():
    with pytest.raises(InvalidParameterError, match="one layer"):
        automaton_rank(GatedCircuit.random("ssm", 2, 2, 2, seed=0), 4)
    with pytest.raises(InvalidParameterError, match="start"):
        automaton_rank(GatedCircuit.random("ssm", 1, 2, 2, seed=0), 4, start=4)
    with pytest.raises(InvalidParameterError, match="channel"):
        automaton_rank(GatedCircuit.random("ssm", 1, 2, 2, seed=0), 4, channel=1)


def test_record_round_trip_and_float_spectrum_beside():
    from tnrnn.bridge.automaton import AutomatonRank

    r = automaton_rank(MambaModel.random(1, 2, 2, 1, seed=0), 6, spectrum=True)
    assert r.spectrum["shape"] == [8, 8] and r.spectrum["numerical_rank"] <= 8
    back = AutomatonRank.from_dict(r.to_dict())
    assert back.rank == r.rank and back.spectrum == r.spectrum and "float64" in str(back)
