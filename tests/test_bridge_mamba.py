"""mambapy's Mamba in the bridge: imports checked against the torch module's own outputs."""

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
pytest.importorskip("mambapy")

from mambapy.mamba import Mamba, MambaConfig  # noqa: E402

from tnrnn.bridge import empirical_spectrum, from_module, load_weights  # noqa: E402
from tnrnn.errors import InvalidParameterError  # noqa: E402
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


# -- Mamba -------------------------------------------------------------------------------------
def _mamba_net(seed=0, vocab=3, d_model=4, layers=2, head=1, **config):
    torch.manual_seed(seed)
    net = _Wrapped(Mamba(MambaConfig(d_model=d_model, n_layers=layers, **config)), vocab, d_model,
                   nn.Linear(d_model, head))
    with torch.no_grad():   # move the parameters away from their structured initial values
        for p in net.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return net.double().eval()


def test_mamba_spectrum_equals_svd_of_the_models_own_outputs():
    """Done-when: 2 layers, T = 6, M = 3, all 27 x 27 assignments, to 1e-4 of sigma_1."""
    net = _mamba_net(d_state=3, d_conv=3)
    imported = from_module(net)
    assert (imported.arch, imported.depth, imported.inputs, imported.embedding) == ("mamba", 2, 3, "emb.weight")
    seqs = _all_sequences(3, 6)   # the Start-End rows are the first three tokens, in this lexicographic order
    with torch.no_grad():
        grid = net(torch.as_tensor(seqs))[:, 0].numpy().reshape(27, 27)
    want = np.linalg.svd(grid, compute_uv=False)
    spec = empirical_spectrum(imported, 6, samples=27)
    assert spec.exhaustive and spec.shape == (27, 27)
    assert np.max(np.abs(spec.singular_values - want)) <= 1e-4 * want[0]
    spec_t = empirical_spectrum(net, 6, samples=27, backend="torch", device="cpu")   # the module itself, via torch
    assert np.max(np.abs(spec_t.singular_values - want)) <= 1e-4 * want[0]


@pytest.mark.parametrize("config", [dict(bias=True, conv_bias=False), dict(inner_layernorms=True),
                                    dict(mup=True), dict(d_conv=1, expand_factor=1), dict(dt_rank=3, d_state=1),
                                    dict(pscan=False, rms_norm_eps=1e-2)])
def test_mamba_configs_reproduced(config):
    net = _mamba_net(seed=1, layers=1, **config)
    imported = from_module(net)
    seqs = np.random.default_rng(0).integers(0, 3, size=(40, 7))
    with torch.no_grad():
        want = net(torch.as_tensor(seqs)).numpy()
    np.testing.assert_allclose(imported(np.eye(3)[seqs]), want, rtol=1e-9, atol=1e-9)


def test_bare_mamba_with_readout_and_stepper():
    torch.manual_seed(0)
    body = Mamba(MambaConfig(d_model=3, n_layers=2, d_state=2)).double()
    head = nn.Linear(3, 2).double()
    imported = from_module(body, readout=head)
    X = torch.randn(4, 5, 3, dtype=torch.float64)
    with torch.no_grad():
        want = head(body(X)[:, -1]).numpy()
    np.testing.assert_allclose(imported(X.numpy()), want, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(stepper(imported)(X.numpy()), want, rtol=1e-10, atol=1e-10)


def test_mamba_file_import(tmp_path):
    from safetensors.torch import save_file

    net = _mamba_net(seed=2).float()
    path = tmp_path / "mamba.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path))
    imported = load_weights(path)
    seqs = _all_sequences(3, 3)
    with torch.no_grad():
        want = net.double()(torch.as_tensor(seqs)).numpy()
    np.testing.assert_allclose(imported(np.eye(3)[seqs]), want, rtol=1e-6, atol=1e-6)


def test_mamba_unrepresentable_refused_by_name():
    # mambapy.mamba2 needs einops, which is not a dependency: a stand-in of its class, as mambapy names it
    Mamba2 = type("Mamba2", (nn.Module,), {"__module__": "mambapy.mamba2"})
    with pytest.raises(InvalidParameterError, match="Mamba2"):
        from_module(Mamba2())
    with pytest.raises(InvalidParameterError, match="Mamba2"):
        from_module(_Wrapped(Mamba2(), 3, 4))
    net = _mamba_net(layers=1)
    net.body.layers[0].norm = nn.LayerNorm(4).double()
    with pytest.raises(InvalidParameterError, match="norm"):
        from_module(net)
    net = _mamba_net(layers=1)
    net.body.layers[0].mixer.drop = nn.Dropout(0.1)
    with pytest.raises(InvalidParameterError, match="Dropout"):
        from_module(net)
