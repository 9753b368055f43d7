"""Gradient horizon: the impulse response of linear RNNs, the memory function, finite differences."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tnrnn.measures import gradient_horizon  # noqa: E402
from tnrnn.measures.horizon import draw_inputs  # noqa: E402
from tnrnn.memory import LinearRNN, memory_function  # noqa: E402


def test_linear_rnn_equals_impulse_response():
    rnn = LinearRNN.random(5, inputs=2, outputs=3, seed=0)
    gh = gradient_horizon(rnn, lags=25, sequences=3, seed=1)
    W, U, c = rnn.W, rnn.U, rnn.c
    impulse = np.stack([c @ np.linalg.matrix_power(W, k) @ U for k in range(25)])  # c W^k U
    np.testing.assert_allclose(gh.jacobian, impulse, atol=1e-12)
    np.testing.assert_allclose(gh.norms, np.broadcast_to(np.linalg.norm(impulse, axis=(1, 2)), gh.norms.shape),
                               atol=1e-12)


def test_linear_rnn_equals_memory_function():
    """The memory track's step-response estimator, contracted with its directions, gives the same G_k."""
    rnn = LinearRNN.random(4, inputs=3, outputs=2, seed=3)
    gh = gradient_horizon(rnn, lags=16, sequences=2)
    mf = memory_function(rnn, 16, directions=5, seed=0)
    np.testing.assert_allclose(np.einsum("kcm,dm->dkc", gh.jacobian, mf.directions), mf.responses, atol=1e-12)
    scalar = LinearRNN.random(3, seed=4)
    np.testing.assert_allclose(gradient_horizon(scalar, lags=10).mean,
                               memory_function(scalar, 10, directions=[[1.0]]).mean[:, 0], atol=1e-12)


def test_gru_against_finite_differences():
    gru = torch.nn.GRU(2, 4, batch_first=True).double()
    X = draw_inputs(1, 6, 2, rng=0)
    gh = gradient_horizon(gru, X=X)
    from tnrnn.measures import hidden_states

    eps = 1e-6
    for k in (0, 3, 5):
        for m in range(2):
            Xp, Xm = X.copy(), X.copy()
            Xp[0, 5 - k, m] += eps
            Xm[0, 5 - k, m] -= eps
            fd = (hidden_states(gru, Xp)[0, -1] - hidden_states(gru, Xm)[0, -1]) / (2 * eps)
            np.testing.assert_allclose(gh.jacobian[k, :, m], fd, atol=1e-8)


def test_decay_and_horizon_of_a_scalar_rnn():
    gh = gradient_horizon(LinearRNN([[0.5]], [1.0], [1.0]), lags=30, sequences=1, tol=1e-3)
    fit = gh.decay()
    assert fit.kind == "exponential" and fit.rate == pytest.approx(np.log(2), rel=1e-9)
    assert gh.horizon() == 10.0  # 0.5**10 < 1e-3 <= 0.5**9
    assert gh.to_dict()["horizon"] == 10.0 and "horizon" in str(gh)


def test_censored_horizon_is_at_least_k_never_a_number():
    """A memory that outlasts the probe: the horizon is '>= K' with a censored flag."""
    gh = gradient_horizon(LinearRNN([[0.99]], [1.0], [1.0]), lags=8, sequences=2)
    d = gh.to_dict()
    assert gh.censored() and d["horizon"] is None and d["censored"] is True and d["horizon_at_least"] == 8
    assert ">= 8 (censored" in str(gh)
    short = gradient_horizon(LinearRNN([[0.2]], [1.0], [1.0]), lags=8, sequences=2)  # 0.2^5 < 1e-3 < 0.2^4
    assert not short.censored() and short.to_dict()["horizon"] == 5.0
    assert short.area == pytest.approx(sum(0.2 ** k for k in range(8)))


def test_an_output_without_input_dependence_is_na():
    gh = gradient_horizon(LinearRNN([[0.5]], [1.0], [0.0]), lags=5, sequences=2)
    assert "does not depend on the input" in gh.reason and gh.to_dict()["horizon"] is None
    assert not gh.censored() and "n/a" in str(gh)


def test_vanishing_gradients_and_a_collapsed_state_are_na():
    """Gradients of 1e-60 (a readout that has lost the input) and a state that collapses to 0 along the probes
    give n/a with the reason, never a horizon; an ordinary small-but-meaningful gradient keeps its number."""
    tiny = gradient_horizon(LinearRNN([[0.5]], [1.0], [1e-60]), lags=6, sequences=2)
    assert tiny.reason is not None and "vanish" in tiny.reason
    assert tiny.to_dict()["horizon"] is None and not tiny.censored() and "n/a" in str(tiny)
    collapsed = gradient_horizon(LinearRNN([[0.5]], [1e-200], [1.0]), lags=6, sequences=2)
    assert collapsed.reason is not None and "collapses to 0" in collapsed.reason
    small = gradient_horizon(LinearRNN([[0.5]], [1.0], [1e-6]), lags=6, sequences=2)
    assert small.reason is None and small.mean[0] == pytest.approx(1e-6)
