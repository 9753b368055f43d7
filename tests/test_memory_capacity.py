"""Memory capacity: reservoirpy's own estimator, Jaeger's bound, the linear-reservoir limit, a delay line."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrnn.errors import InvalidParameterError
from tnrnn.measures import EchoStateNetwork, capacity_from_states, hidden_states, memory_capacity, ridge_fit
from tnrnn.memory import LinearRNN


def test_ridge_fit_matches_sklearn():
    sklearn = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(50, 4)), rng.normal(size=(50, 2))
    w, b = ridge_fit(X, Y, 0.7)
    ref = sklearn.Ridge(alpha=0.7).fit(X, Y)
    np.testing.assert_allclose(w.T, ref.coef_, atol=1e-12)
    np.testing.assert_allclose(b, ref.intercept_, atol=1e-12)


@pytest.mark.parametrize("leak, activation", [(1.0, "tanh"), (0.6, "tanh"), (1.0, "identity")])
def test_agrees_with_reservoirpy(leak, activation):
    """Same reservoir, same series (first K values zero so that both runs see the same states), washout 2K."""
    pytest.importorskip("reservoirpy")
    from reservoirpy.nodes import Reservoir, Ridge
    from reservoirpy.observables import memory_capacity as rpy_memory_capacity

    N, K = 15, 30
    esn = EchoStateNetwork.random(N, spectral_radius=0.9, leak=leak, activation=activation, seed=3)
    u = np.random.default_rng(1).uniform(-0.8, 0.8, 900)
    u[:K] = 0.0
    act = "identity" if activation == "identity" else "tanh"
    model = Reservoir(W=esn.W, Win=esn.W_in, bias=0.0, lr=leak, activation=act) >> Ridge(ridge=1e-6)
    ref = rpy_memory_capacity(model, K, as_list=True, series=u[:, None], test_size=150)
    mine = memory_capacity(esn, K, series=u, washout=2 * K, test_size=150, ridge=1e-6, correction="none")
    np.testing.assert_allclose(mine.raw, ref, atol=1e-8)
    np.testing.assert_allclose(mine.profile, ref, atol=1e-8)
    assert mine.test == 150 and mine.lags.tolist() == list(range(1, K + 1))


def test_delay_line_is_exact():
    """A shift register of d cells holds u(t), ..., u(t-d+1): MC_k = 1 for k < d, 0 beyond."""
    d = 4
    W = np.eye(d, k=-1)
    rnn = LinearRNN(W, np.eye(d)[:, 0], np.ones(d))
    mc = memory_capacity(rnn, lags=8, length=3000, ridge=0.0, first_lag=0, seed=2, correction="none")
    np.testing.assert_allclose(mc.profile[:d], 1.0, atol=1e-12)
    assert np.all(mc.profile[d:] < 0.02)
    assert mc.total == pytest.approx(d, abs=0.1)


def test_linear_reservoir_reaches_n():
    """Generic linear reservoir, i.i.d. input: sum over k >= 0 of MC_k -> N (bias ~ N K / n_train)."""
    N, K = 6, 40
    esn = EchoStateNetwork.random(N, spectral_radius=0.6, activation="identity", seed=5)
    u = np.random.default_rng(0).uniform(-0.8, 0.8, 20000)
    S = hidden_states(esn, u[None, :, None])[0]
    mc0 = capacity_from_states(S, u, K, ridge=0.0, first_lag=0, correction="none")
    assert mc0.total == pytest.approx(N, abs=0.1)
    assert mc0.profile[0] == pytest.approx(1.0, abs=1e-6)
    mc1 = capacity_from_states(S, u, K, ridge=0.0, correction="none")  # from lag 1: N - 1 dimensions left
    assert mc1.total == pytest.approx(N - 1, abs=0.1)


@settings(max_examples=25, deadline=None)
@given(N=st.integers(1, 8), radius=st.floats(0.1, 1.2), leak=st.floats(0.2, 1.0),
       linear=st.booleans(), seed=st.integers(0, 10**6), first_lag=st.sampled_from([0, 1]))
def test_capacity_never_exceeds_the_bound(N, radius, leak, linear, seed, first_lag):
    """Jaeger's MC <= N, in its exact finite-sample form MC <= N * lambda_max(target correlations)."""
    esn = EchoStateNetwork.random(N, spectral_radius=radius, leak=leak,
                                  activation="identity" if linear else "tanh", seed=seed)
    mc = memory_capacity(esn, lags=2 * N + 2, length=400, ridge=0.0, first_lag=first_lag, seed=seed)
    assert np.all(mc.raw >= 0) and np.all(mc.raw <= 1 + 1e-12)
    assert mc.total <= mc.raw.sum() + 1e-12 <= mc.bound + 1e-9
    assert mc.bound <= N * (1 + 4 * np.sqrt((2 * N + 2) / mc.test) + 4 * (2 * N + 2) / mc.test)


def test_multi_input_models_and_records():
    torch = pytest.importorskip("torch")
    gru = torch.nn.GRU(3, 6, batch_first=True)
    mc = memory_capacity(gru, lags=6, length=400, seed=0)
    assert mc.state_dim == 6 and len(mc.profile) == 6 and 0 <= mc.total <= mc.bound
    d = mc.to_dict()
    assert d["measure"] == "capacity" and d["total"] == pytest.approx(mc.total) and "MC_k" in str(mc)


def test_non_finite_states_give_na_with_the_reason():
    esn = EchoStateNetwork(np.array([[3.0]]), np.array([1.0]), activation="identity")
    mc = memory_capacity(esn, lags=2, length=800, seed=0)
    assert not mc.finite and np.isnan(mc.total) and mc.to_dict()["total"] is None
    assert "not finite" in mc.reason and "n/a" in str(mc) and mc.to_dict()["reason"] == mc.reason


@pytest.mark.parametrize("kwargs, name", [({"lags": 0}, "lags"), ({"lags": 3, "washout": 1}, "washout"),
                                          ({"lags": 3, "test_size": 1.5}, "test_size"),
                                          ({"lags": 3, "ridge": -1.0}, "ridge"),
                                          ({"lags": 3, "first_lag": 2}, "first_lag")])
def test_invalid_parameters(kwargs, name):
    esn = EchoStateNetwork.random(3, seed=0)
    with pytest.raises(InvalidParameterError) as err:
        memory_capacity(esn, length=100, **kwargs)
    assert err.value.name == name


def test_capacity_from_states_validates_shapes():
    with pytest.raises(InvalidParameterError):
        capacity_from_states(np.zeros((10, 2)), np.zeros(11), 2)


# -- accuracy of the defaults against a closed form computed here -------------------------------------------
def _closed_form_capacity(W, b, lags):
    """Population MC_k, k = 1..K, of s_t = W s_{t-1} + b u(t) with i.i.d. u, by brute force.

    Cov(s_t, u(t-k)) / var u = W^k b and Cov(s_t) / var u = P = sum_j W^j b b^T W^jT (the series summed
    until its terms vanish, not a Lyapunov solver); MC_k = (W^k b)^T P^-1 (W^k b) (Jaeger 2001).  P is
    pseudo-inverted through its eigendecomposition (numpy, not the library's Lyapunov solver).
    """
    N = W.shape[0]
    P = np.zeros((N, N))
    v = b.copy()
    for _ in range(5000):
        P += np.outer(v, v)
        v = W @ v
        if np.max(np.abs(v)) < 1e-300:
            break
    lam, Q = np.linalg.eigh(P)
    keep = lam > lam[-1] * 1e-15
    out = []
    v = W @ b
    for _ in range(lags):
        c = Q[:, keep].T @ v
        out.append(float(np.sum(c * c / lam[keep])))
        v = W @ v
    return np.array(out)


@pytest.mark.parametrize("N", [8, 20])
def test_default_estimate_is_within_3_percent_of_the_closed_form(N):
    """The issue's bar: default settings, linear reservoirs N = 8, 20, five seeds each, within 3 %."""
    for seed in range(5):
        esn = EchoStateNetwork.random(N, spectral_radius=0.9, activation="identity", seed=seed)
        mc = memory_capacity(esn, seed=seed)  # every default: lags 2N, 20000 rows, shuffle correction
        ref = _closed_form_capacity(esn.W, esn.W_in[:, 0], 2 * N).sum()
        assert abs(mc.total - ref) <= 0.03 * ref, (N, seed, mc.total, ref)
        assert mc.total_stderr < 0.02 * ref and np.all(mc.stderr >= 0) and mc.stderr.shape == (2 * N,)


def test_library_closed_form_agrees_with_the_brute_force_one():
    from tnrnn.measures import linear_capacity

    esn = EchoStateNetwork.random(6, spectral_radius=0.8, activation="identity", seed=2)
    np.testing.assert_allclose(linear_capacity(esn.W, esn.W_in[:, 0], 12),
                               _closed_form_capacity(esn.W, esn.W_in[:, 0], 12), atol=1e-6)


def test_memoryless_model_and_shuffled_null_score_at_most_0_1():
    memoryless = EchoStateNetwork(np.zeros((10, 10)), np.random.default_rng(0).uniform(-1, 1, (10, 1)))
    mc = memory_capacity(memoryless, seed=0)
    assert abs(mc.total) <= 0.1 and mc.null_total <= 0.1
    tanh = EchoStateNetwork.random(20, spectral_radius=0.9, seed=4)
    assert memory_capacity(tanh, seed=1).null_total <= 0.1


def test_standard_errors_cover_the_spread_over_series():
    """The standard error is the right size: the spread (sd) of the total over 60 independent series, against
    the mean reported standard error.  A tanh reservoir of 16 units with 1000 rows, where the readout noise
    and the null's own noise matter: the test-row jackknife alone gave 0.73 of the spread here.  The sd of 60
    values is itself uncertain by ~9 % (1 / sqrt(2 * 59)), hence the band."""
    esn = EchoStateNetwork.random(16, spectral_radius=0.9, seed=0)
    runs = [memory_capacity(esn, lags=32, length=32 + 1000, seed=s) for s in range(60)]
    spread = np.std([r.total for r in runs], ddof=1)
    se = np.mean([r.total_stderr for r in runs])
    assert 0.78 < se / spread < 1.3, (se, spread)


def test_a_collapsing_multiplicative_state_is_na():
    """A RAC driven by a scalar series: its state is a product of factors < 1 and underflows to 0."""
    from tnrnn import RAC

    rac = RAC.random(depth=1, hidden=4, inputs=3, seed=0)
    mc = memory_capacity(rac, seed=0)
    assert mc.reason is not None and "does not depend on the input" in mc.reason
    assert mc.to_dict()["total"] is None and "7." not in str(mc).split("n/a")[0]


def test_the_table_shows_every_lag():
    esn = EchoStateNetwork.random(4, spectral_radius=0.5, seed=0)
    text = str(memory_capacity(esn, lags=40, length=3000, seed=0))
    rows = [line.split()[0] for line in text.splitlines()[4:]]
    assert rows == [str(k) for k in range(1, 41)]
    many = str(memory_capacity(esn, lags=100, length=6000, seed=0))
    assert "showing 64 of 100 lags" in many


@pytest.mark.parametrize("lr, activation", [(1.0, "tanh"), (0.4, "tanh"), (0.7, "identity")])
def test_reservoirpy_node_is_read_as_is(lr, activation):
    """A reservoirpy Reservoir (sparse W, Win, a bias): from_reservoirpy's states are reservoirpy's own run, and
    memory_capacity takes the node (or a model holding it) directly."""
    pytest.importorskip("reservoirpy")
    from reservoirpy.nodes import Reservoir, Ridge

    node = Reservoir(12, lr=lr, sr=0.9, bias=0.1, activation=activation, input_dim=1, seed=4)
    u = np.random.default_rng(2).uniform(-0.8, 0.8, 300)
    theirs = node.run(u[:, None])                        # reservoirpy's states, from its zero state
    esn = EchoStateNetwork.from_reservoirpy(node)
    assert esn.leak == lr and esn.activation == activation and esn.units == 12
    np.testing.assert_allclose(hidden_states(esn, u[None, :, None])[0], theirs, atol=1e-12)
    kw = dict(lags=6, length=1500, seed=1, correction="none")
    want = memory_capacity(esn, **kw).profile
    np.testing.assert_allclose(memory_capacity(node, **kw).profile, want, atol=1e-12)
    np.testing.assert_allclose(memory_capacity(node >> Ridge(ridge=1e-6), **kw).profile, want, atol=1e-12)


def test_reservoirpy_nodes_it_cannot_read_are_refused():
    pytest.importorskip("reservoirpy")
    from reservoirpy.nodes import Reservoir, Ridge

    with pytest.raises(InvalidParameterError, match="input dimension"):
        EchoStateNetwork.from_reservoirpy(Reservoir(5, seed=0))
    with pytest.raises(InvalidParameterError, match="activation"):
        EchoStateNetwork.from_reservoirpy(Reservoir(5, activation="relu", seed=0), inputs=1)
    with pytest.raises(InvalidParameterError, match="Reservoir"):
        EchoStateNetwork.from_reservoirpy(Ridge(ridge=1.0))


def _gramian_capacity_mp(A, b, lags, dps=60):
    """MC_k = (A^k b)^T P^-1 (A^k b) in 60-digit arithmetic: P by doubling (P <- P + A^n P A^n^T, n = 1, 2, 4, ...),
    then its Cholesky factor.  The float inputs are exact in mpmath, so only the truncation of the series
    (rho^1024 < 1e-90 at rho = 0.8) and the 60 digits limit it; the gramian's condition is ~1e18-1e22 here."""
    mp = pytest.importorskip("mpmath")
    with mp.workdps(dps):
        Am = mp.matrix(A.tolist())
        bm = mp.matrix(b.tolist())
        P, An = bm * bm.T, Am
        for _ in range(9):
            P = P + An * P * An.T
            An = An * An
        L = mp.cholesky(P)
        v = Am * bm
        out = []
        for _ in range(lags):
            y = mp.lu_solve(L, v)
            out.append(float(mp.fsum(y[i] ** 2 for i in range(A.shape[0]))))
            v = Am * v
    return np.array(out)


def test_linear_capacity_is_exact_where_the_gramian_is_ill_conditioned():
    """N = 30, spectral radius 0.8: the gramian's condition is ~1e22 (a float64 pseudo-inverse loses 14 % of the
    capacity); the library's value is within 1 % of the 60-digit gramian formula, lag by lag (in fact ~1e-14)."""
    from tnrnn.measures import linear_capacity

    esn = EchoStateNetwork.random(30, spectral_radius=0.8, activation="identity", seed=0)
    A, b = esn.W, esn.W_in[:, 0]
    ref = _gramian_capacity_mp(A, b, 60)
    mine = linear_capacity(A, b, 60)
    assert abs(mine.sum() - ref.sum()) <= 0.01 * ref.sum()
    np.testing.assert_allclose(mine, ref, atol=1e-10)
    assert ref.sum() > 28.9  # sum over k >= 1 is N - 1 = 29 for a controllable pair, less the lags beyond 60


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 12), st.floats(0.05, 0.97), st.integers(0, 10**6))
def test_linear_capacity_sums_to_the_controllable_dimension(N, rho, seed):
    """Jaeger's Proposition 2: sum over k >= 0 of MC_k = N for a controllable pair (the tail of the geometric
    decay bounded by rho^(2K) N / (1 - rho^2)); every MC_k in [0, 1]."""
    from tnrnn.measures import linear_capacity

    esn = EchoStateNetwork.random(N, spectral_radius=rho, activation="identity", seed=seed)
    K = 2000
    mc = linear_capacity(esn.W, esn.W_in[:, 0], K, first_lag=0)
    assert np.all(mc >= 0) and np.all(mc <= 1 + 1e-12)
    assert mc.sum() == pytest.approx(N, abs=1e-8 + N * rho ** (2 * K) / (1 - rho ** 2))


def test_linear_capacity_of_an_uncontrollable_pair_counts_the_controllable_part():
    """diag(0.5, 0.5) with b = (1, 1) reaches one direction only: the scalar system of pole 0.5,
    MC_k = (1 - 0.25) 0.25^k; a block that b does not reach adds nothing."""
    from tnrnn.measures import linear_capacity

    scalar = 0.75 * 0.25 ** np.arange(5)
    np.testing.assert_allclose(linear_capacity(np.diag([0.5, 0.5]), [1.0, 1.0], 5, first_lag=0), scalar, atol=1e-14)
    A = np.zeros((3, 3))
    A[0, 0], A[1:, 1:] = 0.5, [[0.3, 0.9], [-0.2, 0.1]]
    np.testing.assert_allclose(linear_capacity(A, [2.0, 0.0, 0.0], 5, first_lag=0), scalar, atol=1e-14)
