"""Lyapunov spectra: log|eig W| of linear RNNs, the sum rule log|det J|, Jacobians by finite differences."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from tnrnn.measures import EchoStateNetwork, hidden_states, lyapunov_spectrum, state_jacobians  # noqa: E402
from tnrnn.memory import LinearRNN  # noqa: E402


def test_linear_rnn_exponents_are_log_moduli():
    rng = np.random.default_rng(0)
    V = rng.normal(size=(6, 6))
    mu = np.array([0.95, -0.8, 0.6, 0.3, -0.2, 0.05])  # real, distinct moduli; W non-normal
    W = V @ np.diag(mu) @ np.linalg.inv(V)
    spec = lyapunov_spectrum(LinearRNN(W, np.ones(6), np.ones(6)), steps=100, washout=150, sequences=2)
    np.testing.assert_allclose(spec.exponents, np.sort(np.log(np.abs(mu)))[::-1], atol=1e-6)
    assert spec.to_dict()["units"] == "nats per step"


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6), radius=st.floats(0.3, 2.0))
def test_sum_rule(seed, radius):
    """sum_i lambda_i = mean_t log|det J_t| (QR preserves |det|), for a tanh reservoir."""
    esn = EchoStateNetwork.random(4, spectral_radius=radius, seed=seed)
    X = np.random.default_rng(seed).normal(size=(2, 40, 1))
    spec = lyapunov_spectrum(esn, X=X, washout=10)
    J = state_jacobians(esn, X)
    logdet = np.linalg.slogdet(J[:, 11:])[1].mean(axis=1)
    np.testing.assert_allclose(spec.per_sequence.sum(axis=1), logdet, atol=1e-9)


def test_lstm_jacobians_by_finite_differences():
    lstm = torch.nn.LSTM(2, 3, num_layers=2, batch_first=True).double()
    X = np.random.default_rng(1).normal(size=(1, 4, 2))
    J = state_jacobians(lstm, X)
    from tnrnn.measures import stepper

    stp = stepper(lstm)
    s = stp.run(X[:, :2], full=True)[:, -1]  # s_1
    eps = 1e-6
    for j in range(stp.dim):
        e = np.zeros(stp.dim)
        e[j] = eps
        fd = (stp.step(s + e, X[:, 2], 2) - stp.step(s - e, X[:, 2], 2)) / (2 * eps)
        np.testing.assert_allclose(J[0, 2][:, j], fd[0], atol=1e-8)
    assert J.shape == (1, 4, 12, 12) and hidden_states(lstm, X).shape == (1, 4, 3)


def test_partial_spectrum_and_validation():
    esn = EchoStateNetwork.random(5, spectral_radius=0.9, seed=2)
    full = lyapunov_spectrum(esn, steps=60, washout=20, sequences=1)
    top2 = lyapunov_spectrum(esn, steps=60, washout=20, sequences=1, exponents=2)
    np.testing.assert_allclose(top2.exponents, full.exponents[:2], atol=1e-10)
    from tnrnn.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError):
        lyapunov_spectrum(esn, exponents=6)


def test_degenerate_and_non_finite_spectra_are_na():
    import json

    from tnrnn.measures import EchoStateNetwork

    forgets = lyapunov_spectrum(LinearRNN(np.zeros((2, 2)), np.ones(2), np.ones(2)), steps=10, washout=0,
                                sequences=1)
    assert "does not depend on its past" in forgets.reason and forgets.to_dict()["maximal"] is None
    json.loads(json.dumps(forgets.to_dict(), allow_nan=False))  # strict JSON: no -Infinity
    blows = lyapunov_spectrum(EchoStateNetwork(np.array([[1e200]]), np.array([1e200]), activation="identity"),
                              steps=10, washout=0, sequences=1)
    assert "not finite" in blows.reason and "n/a" in str(blows)


def _forward_mode_jacobians(st, X, torch):
    """The previous implementation (hand-rolled forward mode: N * D dual copies with identity tangents), kept as
    the reference that the torch.func version must reproduce."""
    import torch.autograd.forward_ad as fwAD

    Xt = torch.tensor(np.asarray(X, dtype=np.float64))
    N, T = X.shape[:2]
    D = st.dim
    s = torch.zeros((N, D), dtype=torch.float64)
    out = np.empty((N, T, D, D))
    for t in range(T):
        s_rep, x_rep = s.repeat_interleave(D, 0), Xt[:, t].repeat_interleave(D, 0)
        E = torch.eye(D, dtype=s.dtype).repeat(N, 1)
        with torch.no_grad(), fwAD.dual_level():
            tangent = fwAD.unpack_dual(st.step(fwAD.make_dual(s_rep, E), x_rep, t)).tangent
        out[:, t] = 0.0 if tangent is None else tangent.reshape(N, D, D).transpose(1, 2).numpy()
        with torch.no_grad():
            s = st.step(s, Xt[:, t], t)
    return out


def test_torch_func_jacobians_equal_the_forward_mode_ones():
    """torch.func (jacfwd under vmap) against the old hand-rolled forward mode, on every kind of stepper."""
    torch = pytest.importorskip("torch")
    from tnrnn import RAC
    from tnrnn.bridge import from_module
    from tnrnn.bridge.modules import from_scornn_state
    from tnrnn.measures import EchoStateNetwork
    from tnrnn.measures.drive import stepper
    from tnrnn.measures.lyapunov import state_jacobians
    from tnrnn.memory import LinearRNN

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    H = 3
    scornn = {"rnn.weight_ih_l0": rng.normal(size=(H, 2)), "rnn.weight_hh_l0": np.linalg.qr(rng.normal(size=(H, H)))[0],
              "rnn.modrelu_bias_l0": rng.normal(size=H) * 0.1, "rnn.h0_l0": rng.normal(size=H),
              "fc.weight": rng.normal(size=(1, H)), "fc.bias": np.zeros(1)}
    models = [EchoStateNetwork.random(4, inputs=2, leak=0.6, seed=1), LinearRNN(rng.normal(size=(3, 3)) * 0.5,
              rng.normal(size=(3, 2)), rng.normal(size=3)), RAC.random(2, 2, 2, seed=2),
              from_module(torch.nn.GRU(2, 3, num_layers=2, batch_first=True)),
              from_module(torch.nn.LSTM(2, 2, batch_first=True)),
              from_module(torch.nn.RNN(2, 3, nonlinearity="relu", batch_first=True)), from_scornn_state(scornn)]
    X = rng.normal(size=(2, 5, 2))
    for model in models:
        want = _forward_mode_jacobians(stepper(model), X, torch)
        np.testing.assert_allclose(state_jacobians(model, X), want, atol=1e-12, err_msg=stepper(model).name)
