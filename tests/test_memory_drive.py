"""The step maps of every model against the models' own forward passes (numpy bridge, torch modules)."""

import numpy as np
import pytest

from tnrnn import RAC
from tnrnn.errors import InvalidParameterError
from tnrnn.measures import EchoStateNetwork, hidden_states, stepper
from tnrnn.memory import LinearRNN


def test_rac_and_linear_against_their_forward():
    rac = RAC.random(depth=3, hidden=4, inputs=5, outputs=2, seed=2)
    X = np.random.default_rng(0).normal(size=(3, 6, 5))
    st = stepper(rac)
    np.testing.assert_allclose(st(X), rac(X), rtol=1e-10)
    _, states = rac.forward(X, return_states=True)
    np.testing.assert_allclose(st.run(X, full=True)[:, -1], np.concatenate(states, axis=1), rtol=1e-10)
    rnn = LinearRNN.random(4, inputs=2, outputs=3, seed=1)
    np.testing.assert_allclose(stepper(rnn).run(X[..., :2])[:, -1] @ rnn.c.T, rnn(X[..., :2]), atol=1e-12)


def test_esn_recurrence_by_hand():
    esn = EchoStateNetwork.random(3, inputs=2, leak=0.5, seed=0)
    X = np.random.default_rng(1).normal(size=(1, 4, 2))
    s = np.zeros(3)
    for t in range(4):
        s = 0.5 * s + 0.5 * np.tanh(esn.W @ s + esn.W_in @ X[0, t])
    np.testing.assert_allclose(hidden_states(esn, X)[0, -1], s, atol=1e-14)


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_torch_modules(kind):
    torch = pytest.importorskip("torch")
    cls = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[kind]
    mod = cls(3, 5, num_layers=2, batch_first=True).double()
    X = np.random.default_rng(0).normal(size=(2, 7, 3))
    out, _ = mod(torch.tensor(X))
    np.testing.assert_allclose(hidden_states(mod, X), out.detach().numpy(), atol=1e-12)
    assert stepper(mod).dim == (20 if kind == "lstm" else 10)


@pytest.mark.parametrize("arch", ["ortho", "lstm", "gru", "rac", "mirnn"])
def test_task_models(arch):
    torch = pytest.importorskip("torch")
    from tnrnn.tasks.models import build_model

    net = build_model(arch, 2, 4, 3, 2, seed=0, dtype=torch.float64)
    X = np.random.default_rng(0).normal(size=(2, 5, 3))
    np.testing.assert_allclose(stepper(net)(X), net(torch.tensor(X)).detach().numpy(), rtol=1e-9, atol=1e-12)


def test_unknown_model():
    with pytest.raises(InvalidParameterError):
        stepper("not a model")
