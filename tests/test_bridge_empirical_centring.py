"""Centred empirical Start-End spectra: the algebra against numpy, and a trained depth-2 SES model."""

import itertools

import numpy as np
import pytest

from tnrnn import RAC
from tnrnn.bridge import empirical_spectrum


def _matrix(model, T, M):
    """A[a, b] = model(one-hot a on the start half, b on the end half)[0], built here by enumeration."""
    half = T // 2
    starts = list(itertools.product(range(M), repeat=half))
    ends = list(itertools.product(range(M), repeat=T - half))
    X = np.eye(M)[np.array([a + b for a in starts for b in ends])]
    return np.asarray(model(X))[:, 0].reshape(len(starts), len(ends))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_centring_against_numpy(seed):
    rac = RAC.random(depth=2, hidden=3, inputs=3, seed=seed)
    A = _matrix(rac, 4, 3)
    spec = empirical_spectrum(rac, 4, centre=True)
    raw = empirical_spectrum(rac, 4)
    assert spec.centred and not raw.centred and raw.raw_singular_values is None
    np.testing.assert_allclose(spec.singular_values, np.linalg.svd(A - A.mean(), compute_uv=False), atol=1e-12)
    np.testing.assert_allclose(spec.raw_singular_values, np.linalg.svd(A, compute_uv=False), atol=1e-12)
    np.testing.assert_allclose(raw.singular_values, spec.raw_singular_values, atol=1e-12)
    assert spec.constant == pytest.approx(A.mean())
    assert spec.constant_share == pytest.approx(A.mean() ** 2 * A.size / np.sum(A**2))
    # ||A||^2 = ||A - mean||^2 + mean^2 * size: the centred part is orthogonal to the constant one
    assert np.sum(spec.singular_values**2) + A.mean() ** 2 * A.size == pytest.approx(np.sum(A**2))
    assert abs(spec.rank - spec.raw_rank) <= 1 and spec.raw_rank == raw.rank
    assert spec.numerical_rank == raw.numerical_rank  # always the raw matrix's
    s = spec.singular_values  # the headline rank is the energy rank of the centred values
    k = spec.rank
    assert np.sum(s[:k] ** 2) >= spec.energy * np.sum(s**2) * (1 - 1e-12) > np.sum(s[:k - 1] ** 2)
    back = type(spec).from_dict(spec.to_dict())
    assert back.centred and np.array_equal(back.raw_singular_values, spec.raw_singular_values)


def test_constant_function_centres_to_zero():
    rac = RAC.random(depth=1, hidden=2, inputs=2, seed=0)
    spec = empirical_spectrum(rac, 2, templates=np.ones((3, 2)), centre=True)  # every input the same
    assert spec.constant_share == pytest.approx(1.0) and spec.rank == 0 and spec.raw_rank == 1


def test_trained_depth2_ses_model_centred_rank():
    """A depth-2 scoRNN trained on SES to >= 0.9: its centred headline rank is > 1 and not the untrained one."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    from tnrnn.tasks.training import make_config, run_seeds

    base = {"task": "ses", "length": 8, "alphabet": 4, "window": 4, "batch_size": 64, "max_steps": 1500,
            "eval_every": 100, "patience": 4, "lr_decays": 1, "val_size": 256, "test_size": 512,
            "spectrum_samples": 64, "arch": "scornn", "depth": 2, "hidden": 8, "lr": 1e-2, "lr_recurrent": 1e-3,
            "dtype": "float64"}
    r = run_seeds([make_config(**base, seed=0)])[0]
    assert r["test_accuracy"] >= 0.9, r["test_accuracy"]
    trained, untrained = r["spectrum"]["trained"], r["spectrum"]["untrained"]
    assert trained["centred"] and trained["rank"] > 1
    assert trained["rank"] != untrained["rank"]
    assert 0 <= trained["constant_share"] <= 1 and trained["raw_rank"] >= 1
