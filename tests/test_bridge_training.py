"""Ordinary training code imports without arguments: Embedding -> 2-layer LSTM -> Linear.

The reference is torch's own forward pass on every token sequence (the one-hot
sequences of the vocabulary), in float64; the imported network folds the
embedding into its input weights, so its spectrum over the vocabulary must be
the spectrum of that matrix.
"""

import itertools
import json

import numpy as np
import pytest

from tnrnn.bridge import empirical_spectrum, from_module
from tnrnn.cli import main

torch = pytest.importorskip("torch")
nn = torch.nn

V, D, H, T = 4, 3, 6, 4


class TokenModel(nn.Module):
    """The usual shape of a sequence classifier."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, D)
        self.lstm = nn.LSTM(D, H, num_layers=2, batch_first=True)
        self.head = nn.Linear(H, 2)

    def forward(self, tokens):
        return self.head(self.lstm(self.embed(tokens))[0][:, -1])


@pytest.fixture(scope="module")
def trained():
    """Trained for 150 Adam steps (about a second) to tell whether the first and last tokens agree."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: threads only contend with the other test worker
    try:
        gen = torch.Generator().manual_seed(0)
        torch.manual_seed(0)
        model = TokenModel()
        opt = torch.optim.Adam(model.parameters(), lr=0.03)
        for _ in range(150):
            tokens = torch.randint(0, V, (64, T), generator=gen)
            target = (tokens[:, 0] == tokens[:, -1]).long()
            loss = nn.functional.cross_entropy(model(tokens), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
    finally:
        torch.set_num_threads(threads)
    model.eval()
    return model, loss.item()


def _torch_matrix(model, channel):
    """A[a, b] = model(a on the start half, b on the end half)[channel], by torch in float64."""
    half = T // 2
    starts = list(itertools.product(range(V), repeat=half))
    ends = list(itertools.product(range(V), repeat=T - half))
    tokens = torch.tensor([a + b for a in starts for b in ends])
    ref = TokenModel().double()
    ref.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    with torch.no_grad():
        out = ref(tokens)[:, channel].numpy()
    return out.reshape(len(starts), len(ends))


def test_trained_model_learned_something(trained):
    _, loss = trained
    assert loss < 0.6  # chance is log 2 = 0.69


@pytest.mark.parametrize("channel", [0, 1])
def test_from_module_without_arguments_matches_torch(trained, channel):
    model, _ = trained
    imported = from_module(model)
    assert (imported.arch, imported.depth, imported.hidden, imported.inputs, imported.outputs) == ("lstm", 2, H, V, 2)
    assert imported.embedding == "embed.weight"
    A = _torch_matrix(model, channel)
    expected = np.linalg.svd(A, compute_uv=False)
    spec = empirical_spectrum(imported, T, channel=channel)
    assert spec.exhaustive and spec.shape == (V**2, V**2)
    assert np.max(np.abs(spec.singular_values - expected)) < 1e-6 * expected[0]
    # the one-hot sequences of the vocabulary are the token sequences
    tokens = torch.tensor([[1, 0, 3, 2], [2, 2, 1, 0]])
    with torch.no_grad():
        ref = model.double()(tokens).numpy()
    model.float()
    X = np.eye(V)[tokens.numpy()]
    assert np.max(np.abs(imported(X) - ref)) < 1e-6


def test_cli_import_without_arch_matches_torch(trained, tmp_path, capsys):
    model, _ = trained
    path = tmp_path / "model.pt"
    torch.save(model.state_dict(), path)
    code = main(["import", str(path), "--length", str(T), "--spectrum", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    record = json.loads(out)
    assert record["import"]["arch"] == "lstm" and record["import"]["inputs"] == V
    assert record["import"]["embedding"] == "embed.weight"
    expected = np.linalg.svd(_torch_matrix(model, 0), compute_uv=False)
    got = np.array(record["spectrum"]["singular_values"])
    assert np.max(np.abs(got - expected)) < 1e-6 * expected[0]


def test_wrapper_with_two_heads_is_refused_then_chosen(trained):
    model, _ = trained

    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = model
            self.aux = nn.Linear(H, 3)

    from tnrnn.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="readout"):
        from_module(TwoHeads())
    imported = from_module(TwoHeads(), readout="inner.head", ignore=["aux"])
    assert imported.outputs == 2 and imported.inputs == V


def test_headline_rank_tells_trained_from_untrained(trained):
    """The eps-tolerance rank is full for both; the energy rank sees what training added."""
    model, _ = trained
    torch.manual_seed(5)
    untrained = TokenModel()
    spectra = {name: empirical_spectrum(from_module(m), T) for name, m in (("trained", model), ("untrained", untrained))}
    assert spectra["trained"].numerical_rank == spectra["untrained"].numerical_rank == V**2
    assert spectra["untrained"].rank == 1 < spectra["trained"].rank
    for spec in spectra.values():
        s = spec.singular_values
        k = spec.rank  # the energy rank's definition, checked on the values themselves
        assert np.sum(s[:k] ** 2) >= spec.energy * np.sum(s**2) > np.sum(s[:k - 1] ** 2)
        assert spec.gap == pytest.approx(s[spec.gap_rank] / s[spec.gap_rank - 1])
