"""Closed-form memory functions of linear RNNs, against independent computations."""

import numpy as np
import pytest

from tnrnn.errors import InvalidParameterError
from tnrnn.memory import LinearRNN, continuous_kernel, discrete_kernel


def test_discrete_kernel_matches_matrix_powers():
    rng = np.random.default_rng(0)
    W, U, c = rng.normal(size=(4, 4)) * 0.3, rng.normal(size=(4, 2)), rng.normal(size=(3, 4))
    k = discrete_kernel(W, U, c, [0, 3, 1, 7])
    for i, lag in enumerate([0, 3, 1, 7]):
        np.testing.assert_allclose(k[i], c @ np.linalg.matrix_power(W, lag) @ U, rtol=1e-12, atol=1e-14)


def test_continuous_kernel_matches_eigendecomposition():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(5, 5)) - 3 * np.eye(5)
    U, c = rng.normal(size=5), rng.normal(size=5)
    lam, V = np.linalg.eig(W)
    t = np.array([0.0, 0.3, 1.7, 4.0])
    ref = np.array([(c @ V @ np.diag(np.exp(lam * s)) @ np.linalg.solve(V, U)).real for s in t])
    np.testing.assert_allclose(continuous_kernel(W, U, c, t), ref, rtol=1e-9, atol=1e-12)


def test_discrete_run_is_the_convolution_with_the_kernel():
    rnn = LinearRNN.random(4, inputs=2, outputs=3, seed=2)
    X = np.random.default_rng(3).normal(size=(2, 9, 2))
    K = rnn.kernel(np.arange(9))  # (9, 3, 2)
    ref = np.array([[sum(K[k] @ X[n, t - k] for k in range(t + 1)) for t in range(9)] for n in range(2)])
    np.testing.assert_allclose(rnn.run(X), ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(rnn(X), ref[:, -1], rtol=1e-10, atol=1e-12)


def test_continuous_run_is_exact_for_steps():
    # step response of dh/dt = W h + U: h(t) = W^{-1} (e^{Wt} - I) U
    from scipy.linalg import expm

    rnn = LinearRNN.random(3, time="continuous", dt=0.25, seed=4)
    y = rnn.run(np.ones((1, 8, 1)))[0, :, 0]
    t = 0.25 * np.arange(1, 9)
    ref = [(rnn.c @ np.linalg.solve(rnn.W, (expm(rnn.W * s) - np.eye(3)) @ rnn.U)).item() for s in t]
    np.testing.assert_allclose(y, ref, rtol=1e-10)


def test_sampled_is_dt_times_rho():
    rnn = LinearRNN.random(2, time="continuous", dt=0.5, seed=5)
    np.testing.assert_allclose(rnn.sampled(4), 0.5 * rnn.kernel(0.5 * np.arange(4)))


def test_random_is_stable():
    for s in range(5):
        assert np.max(np.abs(np.linalg.eigvals(LinearRNN.random(6, seed=s).W))) < 1
        assert np.max(np.linalg.eigvals(LinearRNN.random(6, time="continuous", seed=s).W).real) < 0


@pytest.mark.parametrize("kwargs", [dict(W=[[1.0, 0.0]], U=[1.0], c=[1.0]), dict(W=[[0.5]], U=[1.0, 2.0], c=[1.0]),
                                    dict(W=[[np.nan]], U=[1.0], c=[1.0]), dict(W=[[0.5]], U=[1.0], c=[1.0], time="x"),
                                    dict(W=[[0.5]], U=[1.0], c=[1.0], dt=0.5)])
def test_invalid(kwargs):
    with pytest.raises(InvalidParameterError):
        LinearRNN(**kwargs)
    with pytest.raises(InvalidParameterError):
        discrete_kernel([[0.5]], [1.0], [1.0], [-1])
