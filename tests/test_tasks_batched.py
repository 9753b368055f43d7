"""Stacked training: each seed equals its separate run; scoRNN stays orthogonal and re-imports through the bridge."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tnrnn.errors import InvalidParameterError  # noqa: E402
from tnrnn.tasks.batched import SeedStack, StackedOptimizer, modrelu  # noqa: E402
from tnrnn.tasks.data import StartEndSimilarity, batches, split_seeds  # noqa: E402
from tnrnn.tasks.training import make_config, run_seeds  # noqa: E402

torch.set_num_threads(1)

BASE = {"task": "ses", "length": 8, "alphabet": 4, "window": 2, "hidden": 6, "depth": 2, "batch_size": 32,
        "val_size": 64, "test_size": 64, "spectrum_samples": 8, "eval_every": 10, "patience": 2, "lr_decays": 1,
        "max_steps": 50, "dtype": "float64"}


def _trajectory(arch, seeds, steps=50):
    """Train a stack of ``seeds`` by hand for ``steps`` steps: per-seed losses and final weights."""
    task = StartEndSimilarity(8, 4, 2)
    stack = SeedStack(arch, 2, 6, task.inputs, task.outputs, seeds, dtype=torch.float64)
    opt = StackedOptimizer(stack, "rmsprop" if arch == "scornn" else "adam", 3e-3, lr_recurrent=1e-3, clip=0.5)
    streams = [batches(task, 16, split_seeds(s)[0]) for s in seeds]
    losses = []
    for _ in range(steps):
        parts = [next(g) for g in streams]
        x = torch.as_tensor(np.stack([p.x for p in parts]), dtype=torch.float64)
        y = torch.as_tensor(np.stack([p.y for p in parts]))
        logits = stack(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),
                                                 reduction="none").reshape(len(seeds), -1).mean(1)
        opt.zero_grad()
        loss.sum().backward()
        opt.step()
        losses.append(loss.detach().numpy())
    return np.array(losses), stack


@pytest.mark.parametrize("arch", ["ortho", "scornn"])
def test_three_seeds_together_equal_three_separate_runs(arch):
    together, stack = _trajectory(arch, [3, 5, 7])
    for i, s in enumerate([3, 5, 7]):
        alone, one = _trajectory(arch, [s])
        np.testing.assert_allclose(together[:, i], alone[:, 0], rtol=1e-9, atol=1e-12)
        for k, v in stack.params.items():
            np.testing.assert_allclose(v[i].detach().numpy(), one.params[k][0].detach().numpy(), rtol=1e-8,
                                       atol=1e-11, err_msg=k)
    _, init = _trajectory(arch, [3, 5, 7], steps=0)
    moved = max(float((v - init.params[k]).detach().abs().max()) for k, v in stack.params.items())
    assert moved > 1e-3  # they did train


def test_run_seeds_records_equal_separate_run_seeds():
    configs = [make_config(**BASE, arch="scornn", seed=s) for s in range(3)]
    together = run_seeds(configs)
    for c, r in zip(configs, together):
        alone = run_seeds([c])[0]
        assert r["key"] == alone["key"]
        assert r["train"]["stopped"] == alone["train"]["stopped"]
        assert r["train"]["steps"] == alone["train"]["steps"] and r["train"]["best_step"] == alone["train"]["best_step"]
        assert r["test_accuracy"] == pytest.approx(alone["test_accuracy"], abs=1e-12)
        assert r["test_loss"] == pytest.approx(alone["test_loss"], rel=1e-9)
        assert r["train"]["seeds_together"] == 3 and alone["train"]["seeds_together"] == 1


def _cayley(A, d):
    eye = np.eye(A.shape[0])
    return np.linalg.solve(eye + A, eye - A) @ np.diag(d)


def test_scornn_parametrisation_and_orthogonality_after_training():
    _, stack = _trajectory("scornn", [0, 1], steps=60)
    for k in range(2):
        A = stack.params[f"skew_{k}"].detach().numpy()
        assert np.array_equal(A, -A.transpose(0, 2, 1))  # exactly skew after RMSProp on V^T - V
        d = stack.buffers[f"_diag_{k}"].numpy()
        assert d.tolist() == [[-1.0] * 3 + [1.0] * 3] * 2  # D = +-1, half and half
        W = stack.recurrent(k).detach().numpy()
        for i in range(2):
            np.testing.assert_allclose(W[i], _cayley(A[i], d[i]), atol=1e-12)  # an independent Cayley transform
            assert np.abs(W[i].T @ W[i] - np.eye(6)).max() <= 1e-6
    # float32 training: the error is the rounding of W, still <= 1e-6
    configs = [make_config(**{**BASE, "dtype": "float32"}, arch="scornn", seed=s) for s in range(2)]
    for r in run_seeds(configs):
        assert r["orthogonality_error"] <= 1e-6


def test_scornn_gradient_is_the_papers():
    """A's update direction is V^T - V, V = (I + A)^{-T} dL/dW (D + W^T), computed here by hand."""
    stack = SeedStack("scornn", 1, 4, 3, 2, [0], dtype=torch.float64)
    x = torch.randn(1, 5, 6, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    W = stack.recurrent(0)
    W_leaf = W.detach().clone().requires_grad_(True)
    # dL/dW with W as a free matrix: run the layer by hand
    Wih, b = stack.params["weight_ih_0"], stack.params["bias_0"]
    h = stack.buffers["_h0_0"][0].expand(5, 4)
    for t in range(6):
        h = modrelu(x[0, :, t] @ Wih[0].T + h @ W_leaf[0].T, b[0])
    out = h @ stack.params["readout_weight"][0].T + stack.params["readout_bias"][0]
    G = torch.autograd.grad(out.sum(), W_leaf)[0][0].numpy()
    A = stack.params["skew_0"][0].detach().numpy()
    D = np.diag(stack.buffers["_diag_0"][0].numpy())
    Wn = W[0].detach().numpy()
    V = np.linalg.solve((np.eye(4) + A).T, G @ (D + Wn.T))
    want = V.T - V
    stack(x).sum().backward()
    g = stack.params["skew_0"].grad[0].numpy()
    np.testing.assert_allclose(g - g.T, want, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("arch", ["scornn", "ortho"])
def test_bridge_reimport_reproduces_outputs(arch):
    from tnrnn.bridge import from_state_dict
    from tnrnn.bridge.modules import from_scornn_state

    _, stack = _trajectory(arch, [0, 1], steps=30)
    x = torch.eye(5)[torch.randint(0, 5, (2, 16, 8), generator=torch.Generator().manual_seed(1))].double()
    with torch.no_grad():
        want = stack(x).numpy()
    for i in range(2):
        state = stack.export(i)
        imported = from_scornn_state(state) if arch == "scornn" else from_state_dict(state, "rnn_tanh")
        assert imported.rac is None
        got = imported(x[i].numpy())
        assert np.abs(got - want[i]).max() < 1e-5
        if arch == "scornn":  # torch evaluation of the imported model agrees too
            assert np.abs(imported(x[i]).numpy() - want[i]).max() < 1e-5


def test_scornn_checkpoint_round_trip(tmp_path):
    from tnrnn.tasks.training import load_checkpoint

    r = run_seeds([make_config(**{**BASE, "max_steps": 20}, arch="scornn", seed=0, out=str(tmp_path))])[0]
    imported, sidecar = load_checkpoint(r["checkpoint"])
    assert sidecar["arch"] == "scornn" and imported.arch == "scornn"
    test = StartEndSimilarity(8, 4, 2).batch(64, split_seeds(0)[2])
    acc = np.mean(imported(test.x.astype(np.float64)).argmax(-1) == test.y)
    assert acc == pytest.approx(r["test_accuracy"], abs=1e-12)


def test_run_seeds_refuses_mixed_shapes_and_memory():
    with pytest.raises(InvalidParameterError, match="configs"):
        run_seeds([make_config(**BASE, arch="ortho", seed=0), make_config(**{**BASE, "hidden": 5}, arch="ortho", seed=1)])
    with pytest.raises(InvalidParameterError, match="arch"):
        run_seeds([make_config(**BASE, arch="lstm", seed=0)])
    from tnrnn.errors import MemoryLimitError

    with pytest.raises(MemoryLimitError, match="seeds together"):
        run_seeds([make_config(**BASE, arch="ortho", seed=s) for s in range(2)], max_memory="1KiB")
