"""Today's recurrent modules in the bridge: tnrnn's ssm/gla CircuitModule and mambapy's Mamba.

Every value is checked against the user's torch module itself (its own outputs on the same inputs).
"""

import itertools
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from tnrnn.bridge import detect_arch, from_module, from_state_dict, load_weights  # noqa: E402
from tnrnn.bridge.nn import CircuitModule  # noqa: E402
from tnrnn.circuits import GatedCircuit  # noqa: E402
from tnrnn.cli import main  # noqa: E402
from tnrnn.errors import WeightsError  # noqa: E402
from tnrnn.measures.drive import stepper  # noqa: E402


def _all_sequences(M, T):
    return np.array(list(itertools.product(range(M), repeat=T)))


class _Wrapped(nn.Module):
    """Embedding -> recurrent body -> (head), as training code writes it."""

    def __init__(self, body, vocab, width, head=None):
        super().__init__()
        self.emb = nn.Embedding(vocab, width)
        self.body = body
        self.head = head

    def forward(self, tokens):
        out = self.body(self.emb(tokens))
        if self.head is None:
            return out
        return self.head(out[:, -1])


# -- ssm / gla ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["ssm", "gla"])
def test_circuit_module_imports_exactly(kind):
    net = CircuitModule(kind, depth=2, hidden=3, inputs=4, outputs=2, seed=1).double()
    imported = from_module(net)
    assert imported.arch == kind and isinstance(imported.model, GatedCircuit) and imported.circuit is imported.model
    X = torch.randn(5, 6, 4, dtype=torch.float64)
    with torch.no_grad():
        want = net(X).numpy()
    np.testing.assert_allclose(imported(X.numpy()), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["ssm", "gla"])
def test_circuit_wrapper_folds_the_embedding(kind):
    torch.manual_seed(0)
    net = _Wrapped(CircuitModule(kind, 1, 3, 5, seed=2), vocab=4, width=5).double()
    imported = from_module(net)
    assert (imported.arch, imported.inputs, imported.embedding) == (kind, 4, "emb.weight")
    seqs = _all_sequences(4, 3)
    with torch.no_grad():
        want = net(torch.as_tensor(seqs)).numpy()
    np.testing.assert_allclose(imported(np.eye(4)[seqs]), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["ssm", "gla"])
def test_circuit_state_dict_detected_and_loaded(tmp_path, kind):
    from safetensors.torch import save_file

    torch.manual_seed(0)
    net = _Wrapped(CircuitModule(kind, 2, 3, 2, seed=0), vocab=3, width=2)
    state = {k: v.contiguous() for k, v in net.state_dict().items()}
    assert detect_arch(state) == kind
    path = tmp_path / "m.safetensors"
    save_file(state, str(path))
    imported = load_weights(path)
    seqs = _all_sequences(3, 4)
    with torch.no_grad():
        want = net.double()(torch.as_tensor(seqs)).numpy()
    np.testing.assert_allclose(imported(np.eye(3)[seqs]), want, rtol=1e-6, atol=1e-6)   # float32 weights, exact in float64


def test_circuit_state_dict_bad_input_named():
    rng = np.random.default_rng(0)
    with pytest.raises(WeightsError, match="layers.0.A"):
        detect_arch({f"layers.0.{k}": rng.normal(size=(2, 2)) for k in "ABQ"})
    state = {f"layers.0.{k}": rng.normal(size=(2, 3)) for k in "ABC"}
    state["output_weights"] = rng.normal(size=(1, 2))
    with pytest.raises(WeightsError, match="layers.0.A=the first layer of an ssm circuit: expected .* gla"):
        from_state_dict(state, "gla")
    state["layers.0.C"] = rng.normal(size=(2, 4))
    with pytest.raises(WeightsError, match="layers.0.C"):
        from_state_dict(state)


@pytest.mark.parametrize("kind", ["ssm", "gla"])
def test_stepper_of_circuits_reproduces_the_circuit(kind):
    c = GatedCircuit.random(kind, 2, 3, 4, 2, seed=3)
    X = np.random.default_rng(1).normal(size=(3, 5, 4))
    np.testing.assert_allclose(stepper(c)(X), c(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(stepper(c)(torch.as_tensor(X)).numpy(), c(X), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", ["ssm", "gla"])
def test_train_ssm_gla_and_import_the_checkpoint(tmp_path, kind):
    from tnrnn.tasks.training import load_checkpoint, run_config

    r = run_config(dict(task="ses", arch=kind, depth=1, hidden=3, length=4, alphabet=2, window=2, batch_size=8,
                        max_steps=3, eval_every=3, val_size=8, test_size=8, spectrum_samples=4, out=str(tmp_path)))
    assert r["config"]["arch"] == kind and r["spectrum"]["trained"]["shape"] == [4, 4]
    assert 1 <= r["certified"]["automaton_rank"] <= min(r["certified"]["states"], 4)   # T = 4, M = 2: a 4 x 4 grid
    imported, sidecar = load_checkpoint(r["checkpoint"])
    assert sidecar["arch"] == kind and isinstance(imported.model, GatedCircuit)
    # the parameter count is the number of stored weights
    from safetensors.numpy import load_file

    assert r["params"] == sum(v.size for v in load_file(r["checkpoint"]).values())


def test_train_cli_accepts_ssm(tmp_path, capsys):
    code = main(["train", "ses", "--arch", "gla", "--depth", "1", "--hidden", "2", "--length", "4", "--alphabet", "2",
                 "--window", "2", "--seeds", "1", "--out", str(tmp_path), "--dry-run", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["groups"][0]["arch"] == "gla"


def test_import_cli_ssm_file(tmp_path, capsys):
    net = CircuitModule("ssm", 1, 2, 3, seed=0)
    path = tmp_path / "ssm.pt"
    torch.save(net.state_dict(), path)
    code = main(["import", str(path), "--length", "4", "--spectrum", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["import"]["arch"] == "ssm" and out["spectrum"]["shape"] == [9, 9]
    # one ssm layer: the Start-End rank is at most R + 1 = 3 (tnrnn.circuits.kinds)
    assert out["spectrum"]["numerical_rank"] <= 3
