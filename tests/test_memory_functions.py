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
