"""The layer-kind registry and the circuits built on it, against independent plain-Python references."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrnn.circuits import (
    RAC,
    CircuitSpec,
    GatedCircuit,
    layer_kind,
    list_kinds,
    random_circuit,
    random_modular_circuit,
)
from tnrnn.errors import InvalidParameterError


def _matvec(W, u):
    return [sum(W[i][j] * u[j] for j in range(len(u))) for i in range(len(W))]


def _reference(kind, layers, wo, tokens, M, p=None):
    """The recurrences of docs/theory.rst, written out with Python numbers (ints mod p, or floats)."""
    red = (lambda v: v % p) if p is not None else (lambda v: v)
    T, L = len(tokens), len(layers)
    R = len(wo[0])
    states = [None] * L
    y = None
    for t in range(T):
        u = [1 if j == tokens[t] else 0 for j in range(M)]
        for layer in range(L):
            lp = {k: np.asarray(v).tolist() for k, v in layers[layer].items()}
            if kind == "ssm":
                a, b, c = (_matvec(lp[k], u) for k in "ABC")
                h = b if states[layer] is None else [a[i] * states[layer][i] + b[i] for i in range(R)]
                h = [red(v) for v in h]
                states[layer] = h
                u = [red(c[i] * h[i]) for i in range(R)]
            elif kind == "gla":
                a, k_, v_, q = (_matvec(lp[k], u) for k in "AKVQ")
                S = [[k_[i] * v_[j] + (0 if states[layer] is None else a[i] * states[layer][i][j]) for j in range(R)]
                     for i in range(R)]
                S = [[red(x) for x in row] for row in S]
                states[layer] = S
                u = [red(sum(S[i][j] * q[i] for i in range(R))) for j in range(R)]
            else:
                raise AssertionError(kind)
        y = u
    return [red(v) for v in _matvec(np.asarray(wo).tolist(), y)]


def test_registry_lists_the_built_in_kinds():
    assert {"rac", "ssm", "gla"} <= set(list_kinds())
    with pytest.raises(InvalidParameterError, match="circuit='nope'.*'rac', 'ssm', 'gla'"):
        layer_kind("nope")


@pytest.mark.parametrize("kind", ["ssm", "gla"])
@settings(max_examples=15, deadline=None)
@given(L=st.integers(1, 3), R=st.integers(1, 3), M=st.integers(1, 3), T=st.integers(1, 5), seed=st.integers(0, 99))
def test_field_forward_matches_python_integers(kind, L, R, M, T, seed):
    p = 2**31 - 1   # int64 residues: the limb products, checked against exact Python integers
    c = GatedCircuit.random_modular(kind, L, R, M, prime=p, seed=seed)
    tokens = np.random.default_rng(seed).integers(0, M, size=T)
    X = np.eye(M, dtype=np.int64)[tokens]
    got = c(X).tolist()
    assert got == _reference(kind, c.layers, c.output_weights, tokens.tolist(), M, p)
    # the float64 representation of a smaller prime agrees with Python integers too
    q = 2**20 - 3
    cq = GatedCircuit(kind, c.layers, c.output_weights, modulus=q)
    assert [int(v) % q for v in cq(X)] == _reference(kind, cq.layers, cq.output_weights, tokens.tolist(), M, q)


@pytest.mark.parametrize("kind", ["ssm", "gla"])
def test_float_forward_matches_reference_and_field(kind):
    c = GatedCircuit.random(kind, 2, 3, 3, seed=4)
    tokens = [0, 2, 1, 1, 0]
    X = np.eye(3)[tokens]
    assert np.allclose(c(X), _reference(kind, c.layers, c.output_weights, tokens, 3), rtol=1e-12, atol=1e-14)
    # integer weights: the float function and the GF(p) function agree exactly (reduced)
    ints = GatedCircuit(kind, tuple({k: np.rint(3 * w) for k, w in lp.items()} for lp in c.layers),
                        np.rint(3 * c.output_weights))
    p = 1_000_003
    assert int(round(float(ints(X)[0]))) % p == int(ints.to_field(p)(X.astype(np.int64))[0]) % p


def test_rac_is_a_member_with_its_old_forward():
    rac = RAC.random(2, 3, 4, seed=1)
    assert rac.spec == CircuitSpec("rac", 2, 3, 4)
    X = np.eye(4)[[[0, 1, 2], [3, 3, 0]]]
    h1 = [np.ones(3), np.ones(3)]
    outs = []
    for x in X:   # the RAC recurrence written out
        s = [None, None]
        for t in range(3):
            s[0] = (h1[0] if t == 0 else rac.hidden_weights[0] @ s[0]) * (rac.input_weights[0] @ x[t])
            s[1] = (h1[1] if t == 0 else rac.hidden_weights[1] @ s[1]) * (rac.input_weights[1] @ s[0])
        outs.append(rac.output_weights @ s[1])
    assert np.allclose(rac(X), outs)
    assert random_circuit("rac", 2, 3, 4, seed=1)(X).tolist() == rac(X).tolist()


def test_torch_module_matches_circuit():
    torch = pytest.importorskip("torch")
    from tnrnn.bridge.nn import CircuitModule

    for kind in ("ssm", "gla"):
        c = GatedCircuit.random(kind, 2, 3, 3, seed=2)
        m = CircuitModule.from_circuit(c)
        X = np.eye(3)[np.random.default_rng(0).integers(0, 3, size=(6, 5))]
        assert np.allclose(m(torch.as_tensor(X)).detach().numpy(), c(X), rtol=1e-12)
        assert np.allclose(m.to_circuit()(X), c(X))


def test_bad_weights_and_specs_are_named():
    with pytest.raises(InvalidParameterError, match=r"layers\[0\]"):
        GatedCircuit("ssm", ({"A": np.ones((2, 2))},), np.ones(2))
    with pytest.raises(InvalidParameterError, match=r"layers\[1\]\['A'\]"):
        GatedCircuit("ssm", ({k: np.ones((2, 3)) for k in "ABC"}, {k: np.ones((2, 3)) for k in "ABC"}), np.ones(2))
    with pytest.raises(InvalidParameterError, match="hidden"):
        CircuitSpec("gla", 1, 0, 2)
    with pytest.raises(InvalidParameterError, match="circuit"):
        random_modular_circuit("lstm", 1, 2, 2, prime=101)
