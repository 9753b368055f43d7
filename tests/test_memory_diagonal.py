"""Diagonal linear recurrences (LRU, S4D/S5) in the memory track, against closed forms and constructions."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrnn.bridge import from_state_dict as bridge_import
from tnrnn.bridge.automaton import automaton_rank
from tnrnn.errors import InvalidParameterError, WeightsError
from tnrnn.field import DEFAULT_PRIME, to_field
from tnrnn.measures.drive import EchoStateNetwork, stepper
from tnrnn.measures.kalman import exact_linear_capacity
from tnrnn.memory import LinearRNN, memory_function
from tnrnn.memory.diagonal import DiagonalRecurrence, from_state_dict, mcmillan_degree
from tnrnn.memory.hankel import balanced_truncation, hankel_singular_values

P = DEFAULT_PRIME


def _impulse_responses(model, K):
    """rho_k by running the model on impulses: y_{K-1} for an impulse at step K-1-k (independent of the closed form)."""
    M = model.inputs
    out = np.empty((K, model.outputs, M))
    for m in range(M):
        X = np.zeros((K, K, M))
        for k in range(K):
            X[k, K - 1 - k, m] = 1.0
        out[:, :, m] = model(X)
    return out


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), modes=st.integers(1, 6), inputs=st.integers(1, 3), outputs=st.integers(1, 2),
       real=st.booleans())
def test_memory_function_equals_closed_form(seed, modes, inputs, outputs, real):
    lru = DiagonalRecurrence.random(modes, inputs, outputs, seed=seed, real=real)
    K = 30
    rho = lru.kernel(np.arange(K))
    # the closed form Re(C lambda^k B) against the real form's c W^k U and against the model's impulse responses
    lin = lru.to_linear()
    np.testing.assert_allclose(rho, np.asarray(lin.kernel(np.arange(K))).reshape(K, outputs, inputs), atol=1e-12)
    np.testing.assert_allclose(rho, _impulse_responses(lru, K), atol=1e-12)
    # the memory track's estimator (step responses along random directions) on the layer itself
    mf = memory_function(lru, lags=K, directions=2, seed=seed)
    want = np.einsum("kcm,dm->dkc", rho, mf.directions)
    assert np.max(np.abs(mf.responses - want)) <= 1e-12 * max(1.0, np.max(np.abs(want)))


def test_feedthrough_only_at_lag_zero():
    lru = DiagonalRecurrence.random(2, 2, 2, seed=0)
    D = np.array([[1.0, 2.0], [3.0, 4.0]])
    with_d = DiagonalRecurrence(lru.lam, lru.B, lru.C, D)
    K = 6
    np.testing.assert_allclose(with_d.kernel(np.arange(K)) - lru.kernel(np.arange(K)), np.r_[[D], np.zeros((K - 1, 2, 2))])
    np.testing.assert_allclose(_impulse_responses(with_d, K), with_d.kernel(np.arange(K)), atol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_mcmillan_degree_generic_is_the_state_size(seed):
    lru = DiagonalRecurrence.random(1 + seed % 4, inputs=1 + seed % 2, outputs=1 + seed % 3, seed=seed)
    d = mcmillan_degree(lru)
    assert d.degree == lru.state_size and d.exact
    real = DiagonalRecurrence.random(3, seed=seed, real=True)
    assert mcmillan_degree(real).degree == real.state_size == 3


def test_mcmillan_degree_of_redundant_layers():
    lru = DiagonalRecurrence.random(3, inputs=1, outputs=1, seed=7)
    lam, B, C = lru.lam, lru.B, lru.C
    # a repeated mode (SISO): its two copies act as one, so the minimal size is that of the 3 distinct modes
    twin = DiagonalRecurrence(np.r_[lam, lam[1]], np.r_[B, 2 * B[1:2]], np.c_[C, C[:, 1:2]])
    assert (twin.state_size, mcmillan_degree(twin).degree) == (8, 6)
    # a mode no input reaches, and one no output reads: each drops out
    deaf = DiagonalRecurrence(lam, np.r_[B[:2], np.zeros((1, 1))], C)
    mute = DiagonalRecurrence(lam, B, np.c_[C[:, :2], np.zeros((1, 1))])
    assert mcmillan_degree(deaf).degree == mcmillan_degree(mute).degree == 4
    # a complex mode with real B and C, and a real mode: 2 + 1
    mixed = DiagonalRecurrence([0.5 + 0.3j, -0.7], [[1.0], [2.0]], [[1.0, 1.0]])
    assert (mixed.state_size, mcmillan_degree(mixed).degree) == (3, 3)


def test_mcmillan_degree_agrees_with_an_independent_hankel_rank():
    import flint

    lru = DiagonalRecurrence.random(2, seed=3)
    W, U, c = lru.to_linear().W, lru.to_linear().U, lru.to_linear().c
    m = W.shape[0]
    Wf, Uf, cf = (flint.nmod_mat(a.shape[0], a.shape[1], [int(v) for v in to_field(a, P).astype(np.int64).ravel() % P],
                                 P) for a in (W, U, c))
    marks = [cf * (Wf ** k) * Uf for k in range(2 * m - 1)]
    H = flint.nmod_mat(m, m, [int(marks[i + j][0, 0]) for i in range(m) for j in range(m)], P)
    assert H.rank() == mcmillan_degree(lru).degree


def _hinf(kernel_a, kernel_b, n=2**14):
    diff = np.zeros(n)
    diff[:len(kernel_a)] = np.asarray(kernel_a).ravel() - np.asarray(kernel_b).ravel()
    return float(np.max(np.abs(np.fft.fft(diff))))


@pytest.mark.parametrize("width", [1, 2, 3])
def test_balanced_truncation_within_its_bounds(width):
    lru = DiagonalRecurrence.random(3, seed=11)
    lin = lru.to_linear()
    bt = balanced_truncation(lin, width)
    K = 400   # the kernels decay below 1e-15 well before
    err = _hinf(lin.kernel(np.arange(K)), bt.model.kernel(np.arange(K)))
    assert bt.lower_bound * (1 - 1e-6) <= err <= bt.upper_bound * (1 + 1e-9)
    sv = hankel_singular_values(lin)
    assert bt.lower_bound == pytest.approx(sv[width])


def test_state_dict_layouts():
    rng = np.random.default_rng(0)
    n, M, Pout = 3, 2, 2
    state = {"nu_log": rng.normal(size=n), "theta_log": rng.normal(size=n), "gamma_log": rng.normal(size=n),
             "B_re": rng.normal(size=(n, M)), "B_im": rng.normal(size=(n, M)), "C_re": rng.normal(size=(Pout, n)),
             "C_im": rng.normal(size=(Pout, n)), "D": rng.normal(size=Pout)}
    lru = from_state_dict(state)
    lam = np.exp(-np.exp(state["nu_log"]) + 1j * np.exp(state["theta_log"]))
    B = (state["B_re"] + 1j * state["B_im"]) * np.exp(state["gamma_log"])[:, None]
    C = state["C_re"] + 1j * state["C_im"]
    k = 4
    want = (C @ np.diag(lam**k) @ B).real
    np.testing.assert_allclose(lru.kernel(np.array([k]))[0], want, atol=1e-12)
    imported = bridge_import({f"enc.{key}": v for key, v in state.items()}, prefix="enc.")
    assert imported.arch == "lru" and imported.model.modes == 3
    diag = {"lambda_re": np.array([0.5, -0.25]), "B_re": np.ones((2, 1)), "C_re": np.ones((1, 2))}
    assert bridge_import(diag).arch == "s4d" and mcmillan_degree(bridge_import(diag).model).degree == 2
    with pytest.raises(WeightsError, match="B_im"):
        from_state_dict({**state, "B_im": np.ones((n, M + 1))})
    with pytest.raises(WeightsError, match="extra"):
        from_state_dict({**state, "extra": np.ones(2)})
    with pytest.raises(InvalidParameterError, match="layout"):
        from_state_dict(state, "s5")


def test_stepper_reproduces_the_layer():
    lru = DiagonalRecurrence.random(3, 2, 2, seed=1)
    lru = DiagonalRecurrence(lru.lam, lru.B, lru.C, np.ones((2, 2)), np.ones((1, 2)), np.array([0.5]))
    X = np.random.default_rng(0).normal(size=(3, 6, 2))
    np.testing.assert_allclose(stepper(lru)(X), lru(X), atol=1e-12)


# -- tokens: the exact single-layer rank ---------------------------------------------------------------
def test_lru_token_rank_equals_full_grid_rank():
    import flint

    rng = np.random.default_rng(5)
    for i in range(22):
        M, T = int(rng.integers(2, 4)), int(rng.integers(2, 6))
        s = int(rng.integers(1, T))
        lru = DiagonalRecurrence.random(1 + i % 3, M, 2, seed=i, real=bool(i % 2))
        if i % 3 == 0:
            lru = DiagonalRecurrence(lru.lam, lru.B, lru.C, rng.normal(size=(2, M)), rng.normal(size=(1, 2)))
        got = automaton_rank(lru, T, start=s).rank
        # reference: the real form over GF(p) in Python integers, on every sequence
        W, U, c = (to_field(a, P).astype(np.int64) % P for a in lru._real_form())
        wo = np.eye(2)[0] if lru.readout_weight is None else lru.readout_weight[0]
        wo = to_field(wo, P).astype(np.int64) % P
        D = to_field(np.zeros((2, M)) if lru.D is None else lru.D, P).astype(np.int64) % P
        m = W.shape[0]
        values = []
        for seq in itertools.product(range(M), repeat=T):
            h = [0] * m
            for tok in seq:
                h = [(sum(int(W[a, b]) * h[b] for b in range(m)) + int(U[a, tok])) % P for a in range(m)]
            y = [(sum(int(c[o, a]) * h[a] for a in range(m)) + int(D[o, seq[-1]])) % P for o in range(2)]
            values.append(sum(int(wo[o]) * y[o] for o in range(2)) % P)
        A = np.array(values).reshape(M**s, M ** (T - s))
        assert got == flint.nmod_mat(A.shape[0], A.shape[1], [int(v) for v in A.ravel()], P).rank(), i


# -- exact memory capacity of linear reservoirs ----------------------------------------------------------
def test_kalman_capacity_constructions():
    shift = LinearRNN(np.eye(4, k=-1), np.eye(4)[:, :1], np.ones((1, 4)))
    assert exact_linear_capacity(shift).rank == 4
    # b inside an invariant subspace of dimension 2: the rest of the reservoir remembers nothing
    A = np.diag([0.5, -0.3, 0.9, 0.1])
    assert exact_linear_capacity(LinearRNN(A, [1.0, 1.0, 0.0, 0.0], np.ones((1, 4)))).rank == 2
    # a repeated eigenvalue with one input: its two states move together
    assert exact_linear_capacity(LinearRNN(np.diag([0.5, 0.5, 0.2]), [1.0, 2.0, 1.0], np.ones((1, 3)))).rank == 2
    with pytest.raises(InvalidParameterError, match="linear reservoir"):
        exact_linear_capacity(EchoStateNetwork.random(5, seed=0))


def test_kalman_capacity_beside_the_estimator():
    esn = EchoStateNetwork.random(12, spectral_radius=0.8, activation="identity", seed=0)
    r = exact_linear_capacity(esn, estimate=True)
    assert r.rank == 12 and r.exact
    assert abs(r.estimate - 12) < 1.0
    # widely spread eigenvalues: the float estimate falls short of the exact capacity (Ballarin et al. 2023)
    lam = 0.9 ** np.arange(1, 13) * np.where(np.arange(12) % 2, 1, -1) * 0.05 ** np.arange(12)
    lin = LinearRNN(np.diag(np.r_[0.95, lam[1:]]), np.ones(12), np.ones((1, 12)))
    r = exact_linear_capacity(lin, estimate=True, lags=24)
    assert r.rank == 12 and r.estimate < 11
    assert r.to_dict()["kind"] == "exact-capacity" and "Kalman" in str(r)


def test_s5_import_reproduces_the_module():
    torch = pytest.importorskip("torch")
    s5 = pytest.importorskip("s5")
    from tnrnn.memory.diagonal import from_s5

    torch.manual_seed(0)
    module = s5.S5(3, 4)
    x = torch.randn(2, 9, 3)
    with torch.no_grad():
        want = module(x).numpy()
    layer = from_s5(module)
    assert layer.modes == 4 and layer.inputs == 3
    np.testing.assert_allclose(layer.run(x.double().numpy()), want, atol=1e-5)   # the module runs in complex64
    with pytest.raises(InvalidParameterError, match="bidirectional"):
        from_s5(s5.S5(3, 4, bidir=True))
