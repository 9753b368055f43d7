"""tnrnn.bridge.nn: RACModule and MIRNN, checked against tnrnn.RAC and hand-written recurrences."""

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tnrnn import RAC  # noqa: E402
from tnrnn.bridge.nn import MIRNN, RACModule  # noqa: E402
from tnrnn.errors import InvalidParameterError  # noqa: E402


def _train(module, steps=5, T=6, seed=0):
    """A few SGD steps on a random regression task."""
    gen = torch.Generator().manual_seed(seed)
    dtype = next(module.parameters()).dtype
    X = torch.randn(16, T, module.inputs, generator=gen, dtype=dtype)
    target = torch.randn(16, module.outputs, generator=gen, dtype=dtype)
    opt = torch.optim.SGD(module.parameters(), lr=0.05)
    before = [p.detach().clone() for p in module.parameters()]
    for _ in range(steps):
        opt.zero_grad()
        loss = ((module(X) - target) ** 2).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)  # products of many factors: keep steps small
        opt.step()
    assert any(not torch.equal(a, b.detach()) for a, b in zip(before, module.parameters(), strict=True))
    return module


def _max_rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / np.abs(b).max())


def test_racmodule_parameters_map_onto_rac():
    net = RACModule(depth=3, hidden=4, inputs=5, outputs=2, seed=0)
    shapes = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    assert shapes == {
        "hidden_weights.0": (4, 4), "hidden_weights.1": (4, 4), "hidden_weights.2": (4, 4),
        "input_weights.0": (4, 5), "input_weights.1": (4, 4), "input_weights.2": (4, 4),
        "output_weights": (2, 4),
    }
    assert (net.depth, net.hidden, net.inputs, net.outputs) == (3, 4, 5, 2)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_racmodule_matches_hand_written_recurrence(depth):
    net = RACModule(depth=depth, hidden=3, inputs=2, outputs=2, seed=1, dtype=torch.float64)
    X = torch.randn(5, 4, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    wh = [w.detach().numpy() for w in net.hidden_weights]
    wi = [w.detach().numpy() for w in net.input_weights]
    x = X.numpy()
    expected = []
    for seq in x:
        h = [np.ones(3) for _ in range(depth)]  # the hidden factor at t = 0
        for t in range(seq.shape[0]):
            below = seq[t]
            for layer in range(depth):
                factor = h[layer] if t == 0 else wh[layer] @ h[layer]
                h[layer] = factor * (wi[layer] @ below)
                below = h[layer]
        expected.append(net.output_weights.detach().numpy() @ below)
    assert _max_rel(net(X).detach().numpy(), np.array(expected)) < 1e-12


def test_trained_racmodule_imports_exactly_into_rac():
    net = _train(RACModule(depth=2, hidden=3, inputs=4, outputs=2, seed=0, dtype=torch.float64))
    rac = net.to_rac()
    assert isinstance(rac, RAC) and (rac.depth, rac.hidden, rac.inputs, rac.outputs) == (2, 3, 4, 2)
    X = torch.randn(32, 6, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        y = net(X).numpy()
    assert _max_rel(rac(X.numpy()), y) <= 1e-6
    assert _max_rel(rac(X).numpy(), y) <= 1e-6  # the RAC's torch backend too


def test_float32_racmodule_imports_within_float32_rounding():
    net = _train(RACModule(depth=2, hidden=3, inputs=3, seed=0))
    X = torch.randn(32, 6, 3, generator=torch.Generator().manual_seed(6))
    with torch.no_grad():
        y32 = net(X).numpy()
        y64 = net.double()(X.double()).numpy()
    rac = net.to_rac()
    assert _max_rel(rac(X.double().numpy()), y64) <= 1e-12  # float32 weights are exact in float64
    assert _max_rel(rac(X.double().numpy()), y32) <= 1e-5


def test_batch_first_false_is_the_transpose():
    a = RACModule(2, 3, 2, seed=0)
    b = RACModule(2, 3, 2, batch_first=False, seed=0)
    X = torch.randn(4, 5, 2)
    assert torch.allclose(a(X), b(X.transpose(0, 1)))


def test_from_rac_round_trip():
    rac = RAC.random(depth=2, hidden=3, inputs=2, outputs=2, seed=4)
    net = RACModule.from_rac(rac, dtype=torch.float64)
    X = np.eye(2)[np.random.default_rng(0).integers(0, 2, size=(6, 5))]
    assert _max_rel(net(torch.as_tensor(X)).detach().numpy(), rac(X)) < 1e-12
    with pytest.raises(InvalidParameterError):
        RACModule.from_rac(RAC.random_modular(1, 2, 2, prime=101))


def test_racmodule_rejects_bad_arguments():
    with pytest.raises(InvalidParameterError):
        RACModule(depth=0, hidden=2, inputs=2)
    net = RACModule(1, 2, 3)
    with pytest.raises(InvalidParameterError, match="X"):
        net(torch.randn(2, 4, 5))


def test_mirnn_identity_without_bias_is_a_racmodule():
    mi = MIRNN(2, 3, 2, outputs=2, nonlinearity="identity", bias=False, seed=3, dtype=torch.float64)
    rac = RACModule(2, 3, 2, outputs=2, seed=3, dtype=torch.float64)
    X = torch.randn(4, 5, 2, dtype=torch.float64)
    assert torch.allclose(mi(X), rac(X), rtol=1e-12, atol=0)


@pytest.mark.parametrize("phi", ["tanh", "relu", "sigmoid"])
def test_mirnn_matches_hand_written_recurrence(phi):
    net = MIRNN(1, 4, 3, nonlinearity=phi, seed=0, dtype=torch.float64)
    with torch.no_grad():
        net.biases[0].copy_(torch.linspace(-0.5, 0.5, 4))
    f = {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0), "sigmoid": lambda v: 1 / (1 + np.exp(-v))}[phi]
    Wh, Wi = net.hidden_weights[0].detach().numpy(), net.input_weights[0].detach().numpy()
    b, Wo = net.biases[0].detach().numpy(), net.output_weights.detach().numpy()
    X = np.random.default_rng(1).normal(size=(3, 5, 3))
    expected = []
    for seq in X:
        h = f(Wi @ seq[0] + b)
        for t in range(1, len(seq)):
            h = f((Wh @ h) * (Wi @ seq[t]) + b)
        expected.append(Wo @ h)
    assert _max_rel(net(torch.as_tensor(X)).detach().numpy(), np.array(expected)) < 1e-12


def test_mirnn_rejects_unknown_nonlinearity():
    with pytest.raises(InvalidParameterError, match="nonlinearity"):
        MIRNN(1, 2, 2, nonlinearity="gelu")


def test_importing_without_torch_raises_missing_dependency():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import tnrnn\n"
        "from tnrnn.errors import MissingDependencyError\n"
        "try:\n"
        "    import tnrnn.bridge.nn\n"
        "except MissingDependencyError as err:\n"
        "    print('refused:', err)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "refused:" in out.stdout and "tnrnn[torch]" in out.stdout
