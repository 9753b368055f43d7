"""tnrnn.bridge: importers checked against torch's own forward, file loading, validation, empirical spectra."""

import os
import pickle

import numpy as np
import pytest

import tnrnn
from tnrnn import RAC
from tnrnn.bridge import (
    Imported,
    empirical_spectrum,
    from_state_dict,
    load_weights,
    read_state_dict,
)
from tnrnn.errors import InvalidParameterError, UnsafeWeightsError, WeightsError

torch = pytest.importorskip("torch")
nn = torch.nn

from tnrnn.bridge.nn import MIRNN, RACModule  # noqa: E402

CELLS = {
    "rnn_tanh": lambda **kw: nn.RNN(nonlinearity="tanh", **kw),
    "rnn_relu": lambda **kw: nn.RNN(nonlinearity="relu", **kw),
    "gru": lambda **kw: nn.GRU(**kw),
    "lstm": lambda **kw: nn.LSTM(**kw),
}


def _max_rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / np.abs(b).max())


def _train(module, X, target, steps=4):
    """A few SGD steps; the weights must move and stay finite."""
    before = [p.detach().clone() for p in module.parameters()]
    opt = torch.optim.SGD(module.parameters(), lr=0.01)
    for _ in range(steps):
        opt.zero_grad()
        ((module(X) - target) ** 2).mean().backward()
        nn.utils.clip_grad_norm_(module.parameters(), 1.0)  # products of many factors: keep steps small
        opt.step()
    after = [p.detach() for p in module.parameters()]
    assert all(torch.isfinite(p).all() for p in after)
    assert any(not torch.equal(a, b) for a, b in zip(before, after, strict=True))
    return module


# -- torch modules ---------------------------------------------------------------------
@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("arch", list(CELLS))
def test_imported_recurrent_module_matches_torch(arch, batch_first):
    torch.manual_seed(0)
    module = CELLS[arch](input_size=3, hidden_size=5, num_layers=2, batch_first=batch_first).double()
    imported = tnrnn.bridge.from_module(module)
    assert imported.arch == arch and imported.rac is None and not imported.exact
    X = torch.randn(6, 7, 3, dtype=torch.float64)
    with torch.no_grad():
        out, state = module(X if batch_first else X.transpose(0, 1))
    out = out if batch_first else out.transpose(0, 1)
    h_n, c_n = state if arch == "lstm" else (state, None)
    for backend_X in (X.numpy(), X):  # numpy and torch backends
        got = imported.model.run(backend_X)
        assert _max_rel(np.asarray(got.output), out.numpy()) < 1e-12
        assert _max_rel(np.asarray(got.h_n), h_n.numpy()) < 1e-12
        if arch == "lstm":
            assert _max_rel(np.asarray(got.c_n), c_n.numpy()) < 1e-12
        else:
            assert got.c_n is None


@pytest.mark.parametrize("arch", list(CELLS))
def test_float32_module_matches_within_float32_rounding(arch):
    torch.manual_seed(1)
    module = CELLS[arch](input_size=4, hidden_size=6, num_layers=2, batch_first=True)
    X = torch.randn(8, 10, 4)
    with torch.no_grad():
        out, _ = module(X)
    got = tnrnn.bridge.from_module(module).model.run(X.double().numpy()).output
    assert _max_rel(got, out.numpy()) < 1e-5


def test_readout_and_no_bias():
    torch.manual_seed(2)
    lstm = nn.LSTM(3, 4, num_layers=2, bias=False, batch_first=True).double()
    fc = nn.Linear(4, 2).double()
    imported = tnrnn.bridge.from_module(lstm, readout=fc)
    assert imported.outputs == 2 and imported.model.layers[0].bias_ih is None
    X = torch.randn(5, 6, 3, dtype=torch.float64)
    with torch.no_grad():
        expected = fc(lstm(X)[0][:, -1]).numpy()
    assert _max_rel(imported(X.numpy()), expected) < 1e-12


def test_wrapper_module_found_without_arch():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(3, 4, num_layers=2, batch_first=True)
            self.fc = nn.Linear(4, 1)

        def forward(self, X):
            return self.fc(self.rnn(X)[0][:, -1])

    torch.manual_seed(3)
    net = Net().double()
    with pytest.raises(InvalidParameterError, match="arch"):
        tnrnn.bridge.from_module(net, arch="lstm")   # checked against the GRU inside
    X = torch.randn(4, 5, 3, dtype=torch.float64)
    with torch.no_grad():
        expected = net(X).numpy()
    for imported in (tnrnn.bridge.from_module(net), tnrnn.bridge.from_module(net, arch="gru")):
        assert imported.arch == "gru" and imported.embedding is None
        assert _max_rel(imported(X.numpy()), expected) < 1e-12


def test_bidirectional_and_projections_refused():
    with pytest.raises(InvalidParameterError, match="bidirectional"):
        tnrnn.bridge.from_module(nn.LSTM(3, 4, bidirectional=True))
    with pytest.raises(InvalidParameterError, match="proj_size"):
        tnrnn.bridge.from_module(nn.LSTM(3, 4, proj_size=2))
    state = nn.GRU(3, 4, bidirectional=True).state_dict()
    with pytest.raises(InvalidParameterError, match="bidirectional"):
        from_state_dict(state, "gru")


def test_arch_must_match_module():
    with pytest.raises(InvalidParameterError, match="arch"):
        tnrnn.bridge.from_module(nn.GRU(3, 4), arch="lstm")
    with pytest.raises(InvalidParameterError, match="arch"):
        tnrnn.bridge.from_module(RACModule(1, 2, 2), arch="mirnn")


def test_non_finite_module_weights_named():
    gru = nn.GRU(3, 4)
    with torch.no_grad():
        gru.weight_hh_l0[1, 2] = float("nan")
    with pytest.raises(WeightsError) as err:
        tnrnn.bridge.from_module(gru)
    assert err.value.name == "weight_hh_l0"


# -- RACModule and MIRNN ----------------------------------------------------------------------
def test_trained_racmodule_imports_exactly():
    net = RACModule(depth=2, hidden=3, inputs=4, outputs=2, seed=0, dtype=torch.float64)
    X = torch.randn(16, 6, 4, dtype=torch.float64)
    _train(net, X, torch.randn(16, 2, dtype=torch.float64))
    imported = tnrnn.bridge.from_module(net)
    assert imported.arch == "rac" and imported.exact and imported.dropped == ()
    assert isinstance(imported.rac, RAC) and imported.model is imported.rac
    with torch.no_grad():
        expected = net(X).numpy()
    assert _max_rel(imported.rac(X.numpy()), expected) <= 1e-6


def test_mirnn_import_reports_what_is_dropped():
    torch.manual_seed(4)
    net = MIRNN(depth=2, hidden=3, inputs=2, nonlinearity="tanh", seed=0, dtype=torch.float64)
    X = torch.randn(16, 5, 2, dtype=torch.float64)
    _train(net, X, torch.randn(16, 1, dtype=torch.float64))
    imported = tnrnn.bridge.from_module(net)
    assert imported.arch == "mirnn" and not imported.exact
    assert imported.dropped == ("nonlinearity tanh", "biases.0", "biases.1")
    assert "dropped" in str(imported) and imported.to_dict()["dropped"] == list(imported.dropped)
    # The model keeps the nonlinearity and biases: it reproduces the module.
    with torch.no_grad():
        expected = net(X).numpy()
    assert _max_rel(imported.model(X.numpy()), expected) < 1e-12
    # The RAC is the same weights without them.
    bare = RACModule(2, 3, 2, dtype=torch.float64)
    with torch.no_grad():
        for name, p in bare.named_parameters():
            p.copy_(dict(net.named_parameters())[name])
        assert _max_rel(imported.rac(X.numpy()), bare(X).numpy()) < 1e-12


def test_mirnn_identity_without_bias_is_exact():
    net = MIRNN(2, 3, 2, nonlinearity="identity", bias=False, seed=0)
    imported = tnrnn.bridge.from_module(net)
    assert imported.exact and imported.dropped == ()


@pytest.mark.parametrize(("depth", "hidden", "inputs", "length"), [(2, 2, 3, 4), (2, 2, 2, 6), (2, 3, 2, 4)])
def test_trained_racmodule_exact_rank_equals_generic(depth, hidden, inputs, length):
    net = RACModule(depth, hidden, inputs, seed=1, dtype=torch.float64)
    X = torch.randn(16, length, inputs, dtype=torch.float64)
    _train(net, X, torch.randn(16, 1, dtype=torch.float64))
    rac = tnrnn.bridge.from_module(net).rac
    got = tnrnn.cut_rank(rac, "start-end", length)
    generic = tnrnn.rank_bounds(depth=depth, hidden=hidden, inputs=inputs, length=length, method="exact", seed=0)
    assert got.exact and generic.exact
    assert got.lower == generic.lower
    # The float spectrum of the same one-hot grid matrix can only undercount the certified rank.
    assert empirical_spectrum(rac, length).numerical_rank <= got.lower


# -- empirical spectra ----------------------------------------------------------------------
@pytest.mark.parametrize(("hidden", "inputs", "length"), [(3, 2, 4), (5, 3, 4), (4, 2, 6), (7, 2, 4)])
def test_shallow_racmodule_empirical_rank_is_min_of_r_and_grid(hidden, inputs, length):
    # Levine et al. (2020), Theorem 1: a shallow RAC's Start-End rank is min(R, M**(T/2)).
    net = RACModule(1, hidden, inputs, seed=2, dtype=torch.float64)
    X = torch.randn(16, length, inputs, dtype=torch.float64)
    _train(net, X, torch.randn(16, 1, dtype=torch.float64))
    spec = empirical_spectrum(tnrnn.bridge.from_module(net), length)
    assert spec.exhaustive and spec.shape == (inputs ** (length // 2),) * 2
    assert spec.numerical_rank == min(hidden, inputs ** (length // 2))






def test_empirical_spectrum_torch_backend_agrees():
    torch.manual_seed(5)
    imported = tnrnn.bridge.from_module(nn.LSTM(3, 4, num_layers=2, batch_first=True), readout=nn.Linear(4, 1))
    a = empirical_spectrum(imported, 4, backend="numpy")
    b = empirical_spectrum(imported, 4, backend="torch", device="cpu", batch_size=7)
    assert a.shape == b.shape == (9, 9)
    assert np.allclose(a.singular_values, b.singular_values, rtol=1e-10, atol=1e-14)
    assert b.backend == "torch" and b.device == "cpu"


@pytest.mark.gpu
def test_empirical_spectrum_cuda():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    rac = RAC.random(depth=2, hidden=3, inputs=2, seed=0)
    a = empirical_spectrum(rac, 6)
    b = empirical_spectrum(rac, 6, backend="torch", device="cuda")
    assert np.allclose(a.singular_values, b.singular_values, rtol=1e-9, atol=1e-12)


def test_empirical_spectrum_of_nonlinear_network_with_embedding_templates():
    torch.manual_seed(6)
    emb = nn.Embedding(5, 3)
    gru = nn.GRU(3, 4, batch_first=True).double()
    imported = tnrnn.bridge.from_module(gru, readout=nn.Linear(4, 2).double())
    spec = empirical_spectrum(imported, 4, templates=emb.weight, channel=1)
    assert spec.templates == 5 and spec.shape == (25, 25) and spec.channel == 1
    # independent evaluation of one entry through torch
    table = emb.weight.detach().double()
    seq = table[[2, 4, 0, 3]][None]
    with torch.no_grad():
        y = imported.model(seq)[0, 1].item()
    rows = np.arange(25)
    assert rows[2 * 5 + 4] == 14  # start (2, 4) is row 14, end (0, 3) column 3
    # rebuild the matrix entry from the spectrum's definition: A[14, 3]
    A = np.array([[imported.model(np.asarray(table[[a // 5, a % 5, b // 5, b % 5]])[None])[0, 1]
                   for b in range(25)] for a in range(25)])
    assert A[14, 3] == pytest.approx(y)
    assert np.allclose(np.linalg.svd(A, compute_uv=False), spec.singular_values, rtol=1e-9, atol=1e-13)






# -- weight files ---------------------------------------------------------------------------------
class _Payload:
    """Unpickling this would create a file: the pickle names ``open`` and its arguments."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


@pytest.mark.parametrize("writer", ["torch.save", "pickle"])
def test_malicious_pickle_is_refused_and_not_executed(tmp_path, writer):
    target = tmp_path / "pwned.txt"
    path = tmp_path / "model.pt"
    payload = {"weight_ih_l0": torch.zeros(4, 3), "weight_hh_l0": torch.zeros(4, 4), "x": _Payload(str(target))}
    if writer == "torch.save":
        torch.save(payload, path)
    else:
        with open(path, "wb") as f:
            pickle.dump(payload, f)
    assert not target.exists()
    with pytest.raises(UnsafeWeightsError, match="execute code"):
        load_weights(path, arch="rnn")
    assert not target.exists()
    # a check that the payload is live: plain unpickling does create the file
    if writer == "pickle":
        with open(path, "rb") as f:
            pickle.load(f).clear()
        assert target.exists()


def test_pickled_module_is_refused(tmp_path):
    path = tmp_path / "whole.pth"
    torch.save(nn.GRU(3, 4), path)
    with pytest.raises(UnsafeWeightsError, match="state_dict"):
        read_state_dict(path)




def _lstm_state():
    torch.manual_seed(7)
    lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True)
    fc = nn.Linear(4, 2)
    state = {f"rnn.{k}": v for k, v in lstm.state_dict().items()}
    state.update({f"fc.{k}": v for k, v in fc.state_dict().items()})
    return lstm.double(), fc.double(), state


def _save(state, path):
    suffix = path.suffix
    if suffix in (".pt", ".pth"):
        torch.save(state, path)
    elif suffix == ".safetensors":
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    else:
        np.savez(path, **{k: v.numpy() for k, v in state.items()})


@pytest.mark.parametrize("suffix", [".pt", ".pth", ".safetensors", ".npz"])
def test_weight_file_round_trip(tmp_path, suffix):
    lstm, fc, state = _lstm_state()
    path = tmp_path / f"model{suffix}"
    _save(state, path)
    imported = load_weights(path, arch="lstm")
    assert isinstance(imported, Imported) and imported.source == str(path)
    assert (imported.depth, imported.hidden, imported.inputs, imported.outputs) == (2, 4, 3, 2)
    X = torch.randn(5, 6, 3, dtype=torch.float64)
    with torch.no_grad():
        expected = fc(lstm(X)[0][:, -1]).numpy()
    assert _max_rel(imported(X.numpy()), expected) < 1e-12


def test_checkpoint_with_wrapped_state_dict(tmp_path):
    net = RACModule(2, 3, 2, seed=0)
    path = tmp_path / "ckpt.pt"
    torch.save({"epoch": 3, "state_dict": net.state_dict()}, path)
    imported = load_weights(path, arch="rac")
    assert imported.exact and imported.rac.depth == 2




@pytest.mark.parametrize(
    ("edit", "key", "match"),
    [
        (lambda s: s.pop("rnn.weight_hh_l1"), "rnn.weight_hh_l1", "missing"),
        (lambda s: s.pop("rnn.bias_ih_l0"), "rnn.bias_ih_l0", "missing"),
        (lambda s: s.__setitem__("rnn.extra", torch.zeros(2)), "rnn.extra", "unexpected"),
        (lambda s: s.__setitem__("decoder.weight", torch.zeros(2, 2)), "decoder.weight", "unexpected"),
        (lambda s: s.__setitem__("rnn.weight_ih_l1", torch.zeros(16, 5)), "rnn.weight_ih_l1", "shape"),
        (lambda s: s.__setitem__("fc.bias", torch.zeros(3)), "fc.bias", "shape"),
        (lambda s: s["rnn.weight_hh_l0"].__setitem__((0, 0), float("nan")), "rnn.weight_hh_l0", "NaN"),
        (lambda s: s["fc.weight"].__setitem__((1, 1), float("inf")), "fc.weight", "inf"),
    ],
)
def test_bad_weights_name_the_key(tmp_path, edit, key, match):
    _, _, state = _lstm_state()
    state = {k: v.clone() for k, v in state.items()}
    edit(state)
    path = tmp_path / "bad.safetensors"
    _save(state, path)
    with pytest.raises(WeightsError, match=match) as err:
        load_weights(path, arch="lstm")
    assert err.value.name == key
    assert key in str(err.value)


def test_given_dimensions_are_checked(tmp_path):
    _, _, state = _lstm_state()
    path = tmp_path / "m.npz"
    _save(state, path)
    with pytest.raises(WeightsError) as err:
        load_weights(path, arch="lstm", inputs=5)
    assert err.value.name == "rnn.weight_ih_l0"
    with pytest.raises(WeightsError) as err:
        load_weights(path, arch="gru")
    assert err.value.name == "rnn.weight_hh_l0"     # H is read off weight_hh_l0, so it is checked first
    with pytest.raises(WeightsError) as err:
        load_weights(path, arch="lstm", layers=3)
    assert err.value.name == "rnn.weight_ih_l2"
    assert load_weights(path, arch="lstm", inputs=3, hidden=4, layers=2).depth == 2
    with pytest.raises(WeightsError) as err:
        load_weights(path, arch="lstm", readout=False)
    assert err.value.name == "fc.bias"


def test_ignore_and_explicit_prefix():
    _, _, state = _lstm_state()
    state["decoder.weight"] = torch.zeros(7, 5)     # reads neither the inputs nor the state: refused
    with pytest.raises(WeightsError) as err:
        from_state_dict(state, "lstm")
    assert err.value.name == "decoder.weight"
    imported = from_state_dict(state, "lstm", ignore=["decoder."], prefix="rnn", readout="fc")
    assert imported.outputs == 2 and imported.inputs == 3 and imported.embedding is None
    state["embedding.weight"] = torch.randn(10, 3)   # folded: the network reads the vocabulary
    imported = from_state_dict(state, ignore=["decoder."])
    assert (imported.arch, imported.inputs, imported.embedding) == ("lstm", 10, "embedding.weight")
    kept = from_state_dict(state, ignore=["decoder.", "embedding."])
    assert kept.inputs == 3


def test_file_errors(tmp_path):
    with pytest.raises(InvalidParameterError, match="existing"):
        read_state_dict(tmp_path / "absent.pt")
    (tmp_path / "w.h5").write_bytes(b"")
    with pytest.raises(InvalidParameterError, match="ending"):
        read_state_dict(tmp_path / "w.h5")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises((WeightsError, UnsafeWeightsError)):
        read_state_dict(tmp_path / "junk.pt")
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 16)
    with pytest.raises(WeightsError):
        read_state_dict(tmp_path / "junk.safetensors")
    torch.save([torch.zeros(2)], tmp_path / "list.pt")
    with pytest.raises(WeightsError, match="state dict"):
        read_state_dict(tmp_path / "list.pt")
    assert os.listdir(tmp_path)
