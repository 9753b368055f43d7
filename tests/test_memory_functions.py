"""The memory-function estimator against closed forms; decay classification; horizons."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrnn.errors import InvalidParameterError
from tnrnn.memory import LinearRNN, classify_decay, memory_function, memory_horizon


def _reference(rnn, mf):
    K = np.asarray(rnn.kernel(mf.times)).reshape(len(mf.times), rnn.outputs, rnn.inputs)
    return np.einsum("kcm,dm->dkc", K, mf.directions)


def _rel(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), width=st.integers(1, 8), inputs=st.integers(1, 3), outputs=st.integers(1, 2))
def test_estimator_equals_closed_form_discrete(seed, width, inputs, outputs):
    rnn = LinearRNN.random(width, inputs, outputs, seed=seed)
    mf = memory_function(rnn, lags=40, directions=3, seed=seed)
    assert _rel(mf.responses, _reference(rnn, mf)) <= 1e-6


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), width=st.integers(1, 6), inputs=st.integers(1, 2))
def test_estimator_equals_closed_form_continuous(seed, width, inputs):
    # the five-point derivative has error O(dt^4 |W|^5): dt = 0.01 keeps it far below 1e-6
    rnn = LinearRNN.random(width, inputs, time="continuous", dt=0.01, seed=seed)
    mf = memory_function(rnn, lags=150, time="continuous", dt=0.01, directions=2, seed=seed)
    assert _rel(mf.responses, _reference(rnn, mf)) <= 1e-6


def test_mean_and_spread_over_directions():
    rnn = LinearRNN([[0.5, 0.0], [0.0, 0.25]], np.eye(2), [[1.0, 1.0]])
    u = np.array([[1.0, 0.0], [0.0, 1.0]])
    mf = memory_function(rnn, lags=3, directions=u)
    np.testing.assert_allclose(mf.mean[:, 0], [(1 + 1) / 2, (0.5 + 0.25) / 2, (0.25 + 0.0625) / 2])
    np.testing.assert_allclose(mf.spread[:, 0], [0.0, 0.125, 0.09375])


def test_torch_module_estimate():
    torch = pytest.importorskip("torch")
    from tnrnn.memory.nn import LinearRNNModule

    rnn = LinearRNN.random(4, 2, seed=3)
    module = LinearRNNModule.from_linear(rnn)
    mf = memory_function(module, lags=20, directions=4, seed=0)
    assert _rel(mf.responses, _reference(rnn, mf)) <= 1e-6
    assert torch.is_tensor(next(module.parameters()))


def test_tanh_rnn_small_steps_follow_the_linearisation():
    # a tanh RNN without biases is linear to first order: rho(k) = W_ih-driven c W_hh^k W_ih u
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.RNN(3, 5, batch_first=True).double()
    with torch.no_grad():
        net.bias_ih_l0.zero_()
        net.bias_hh_l0.zero_()
        net.weight_hh_l0.mul_(0.5)
    mf = memory_function(net, lags=12, directions=2, amplitude=1e-6, seed=1)
    Wih, Whh = net.weight_ih_l0.detach().numpy(), net.weight_hh_l0.detach().numpy()
    ref = np.stack([[np.linalg.matrix_power(Whh, k) @ Wih @ u for k in range(12)] for u in mf.directions])
    assert _rel(mf.responses, ref) <= 1e-6


def test_imported_model_and_callables():
    from tnrnn.bridge import RecurrentLayer, RecurrentModel

    rng = np.random.default_rng(0)
    layer = RecurrentLayer(rng.normal(size=(3, 2)), 0.3 * rng.normal(size=(3, 3)))
    model = RecurrentModel("rnn_relu", [layer], readout_weight=np.ones((1, 3)))
    mf = memory_function(model, lags=10, directions=5, seed=0)
    assert mf.responses.shape == (5, 10, 1) and np.all(np.isfinite(mf.responses))
    with pytest.raises(InvalidParameterError):
        memory_function(lambda X: X.sum(axis=(1, 2)), lags=4)  # no input width known
    f = memory_function(lambda X: X.sum(axis=(1, 2)), lags=4, inputs=1, directions=[[1.0]])
    np.testing.assert_allclose(f.responses[0, :, 0], [1.0, 1.0, 1.0, 1.0])  # a perfect integrator


@pytest.mark.parametrize("kwargs", [dict(lags=0), dict(time="x"), dict(dt=0.5), dict(amplitude=0.0),
                                    dict(directions=[[0.0]]), dict(directions=np.ones((2, 3)))])
def test_invalid(kwargs):
    with pytest.raises(InvalidParameterError):
        memory_function(LinearRNN([[0.5]], [1.0], [1.0]), **kwargs)


def test_decay_classification():
    t = np.linspace(0.0, 50.0, 501)
    fit = classify_decay(t, 3.0 * np.exp(-0.7 * t))
    assert fit.kind == "exponential" and abs(fit.rate - 0.7) < 1e-9 and fit.r2_exponential > 1 - 1e-12
    fit = classify_decay(t[10:], 2.0 * t[10:] ** -1.3)
    assert fit.kind == "power" and abs(fit.exponent - 1.3) < 1e-9 and fit.r2_power > 1 - 1e-12
    tt = np.linspace(0.0, 1000.0, 2001)
    assert classify_decay(tt, (1 + 0.1 * tt) ** -1.1).kind == "power"
    assert classify_decay(t, np.where(t < 5, 1.0, 0.0)).kind == "finite"
    assert classify_decay(t[:2], [1.0, 0.5], tail=1.0).kind == "undetermined"
    with pytest.raises(InvalidParameterError):
        classify_decay(t, np.where(t > 0, 1.0, np.inf))


def test_decay_of_an_estimated_linear_memory():
    rnn = LinearRNN([[0.8]], [1.0], [1.0])
    fit = memory_function(rnn, lags=60, directions=[[1.0]]).decay()
    assert fit.kind == "exponential" and abs(fit.rate + np.log(0.8)) < 1e-9


def test_horizon():
    t = np.arange(20.0)
    assert memory_horizon(t, 0.5 ** t, tol=0.01) == 7.0  # 0.5**7 = 0.0078 < 0.01 < 0.5**6
    assert memory_horizon(t, np.ones(20), tol=0.01) is None
    with pytest.raises(InvalidParameterError):
        memory_horizon(t, t, tol=0)


class _TanhRNN:
    """h_{t+1} = tanh(W h_t + U x_t + b), y_t = c h_{t+1} + d, h_0 = 0 (numpy; per-step or last outputs)."""

    def __init__(self, seed, per_step=True, n=4):
        rng = np.random.default_rng(seed)
        self.W, self.U = 0.4 * rng.normal(size=(n, n)) / np.sqrt(n), rng.normal(size=(n, 1))
        self.b, self.c, self.d = rng.normal(size=n), rng.normal(size=(1, n)), 0.3
        self.per_step, self.inputs = per_step, 1

    def __call__(self, X):
        h = np.zeros((X.shape[0], self.W.shape[0]))
        ys = []
        for t in range(X.shape[1]):
            h = np.tanh(h @ self.W.T + X[:, t] @ self.U.T + self.b)
            ys.append(h @ self.c.T + self.d)
        Y = np.stack(ys, axis=1)
        return Y if self.per_step else Y[:, -1]


def _by_hand(net, a, K, start):
    """rho(k) = S(k+1) - S(k) from one explicit simulation starting at state ``start``."""
    h, S = start.copy(), []
    h0 = np.tanh(net.W @ start + net.b)          # one silent step (S(0))
    S.append(float((net.c @ h0)[0] + net.d))
    for _ in range(K):
        h = np.tanh(net.W @ h + net.U[:, 0] * a + net.b)
        S.append(float((net.c @ h)[0] + net.d))
    return np.diff(S) / a


@pytest.mark.parametrize("per_step", [True, False])
def test_reference_states_against_explicit_simulations(per_step):
    net = _TanhRNN(0, per_step)
    steady = np.zeros(4)
    for _ in range(500):
        steady = np.tanh(net.W @ steady + net.b)
    K = 20
    st_ = memory_function(net, K, directions=[[1.0]], reference="steady", preroll=200)
    zr = memory_function(net, K, directions=[[1.0]], reference="zero")
    # the steady convention: S(0) is the silent steady output, every lag steps from the steady state
    h, S = steady.copy(), [float((net.c @ np.tanh(net.W @ steady + net.b))[0] + net.d)]
    for _ in range(K):
        h = np.tanh(net.W @ h + net.U[:, 0] + net.b)
        S.append(float((net.c @ h)[0] + net.d))
    np.testing.assert_allclose(st_.responses[0, :, 0], np.diff(S), atol=1e-12)
    np.testing.assert_allclose(zr.responses[0, :, 0], _by_hand(net, 1.0, K, np.zeros(4)), atol=1e-12)
    assert st_.steady_drift < 1e-12 and zr.steady_drift is None and zr.preroll == 0
    assert np.max(np.abs(st_.responses - zr.responses)) > 1e-3     # a model with biases: the choice matters


def test_full_preroll_for_every_lag():
    """The last lags get the same pre-roll as the first (the old estimator gave them ever shorter ones)."""
    net = _TanhRNN(3)
    K = 20
    default = memory_function(net, K, directions=[[1.0]])
    long = memory_function(net, K, directions=[[1.0]], preroll=400)
    assert default.preroll == K
    # with a contraction of about 0.4 per step, a pre-roll of K leaves ~0.4**K of transient at every lag alike
    np.testing.assert_allclose(default.responses, long.responses, atol=1e-6)
    assert default.steady_drift < 1e-4     # y(P) - y(P/2): a conservative diagnostic


def test_linear_models_do_not_depend_on_the_reference():
    rnn = LinearRNN.random(3, 2, seed=4)
    a = memory_function(rnn, 15, directions=3, seed=0, reference="steady")
    b = memory_function(rnn, 15, directions=3, seed=0, reference="zero")
    np.testing.assert_allclose(a.responses, b.responses, atol=1e-12)
    with pytest.raises(InvalidParameterError):
        memory_function(rnn, 5, directions=2, reference="other")
