"""tnrnn.bridge without torch: numpy models, empirical spectra, .npz and .safetensors files."""

import dataclasses
import json

import numpy as np
import pytest

from tnrnn import RAC
from tnrnn.bridge import (
    EmpiricalSpectrum,
    RecurrentLayer,
    RecurrentModel,
    empirical_spectrum,
    from_state_dict,
    load_weights,
    read_state_dict,
)
from tnrnn.errors import InvalidParameterError, UnsafeWeightsError, WeightsError


def test_empirical_spectrum_record():
    rac = RAC.random(depth=2, hidden=3, inputs=3, seed=0)
    spec = empirical_spectrum(rac, 6, samples=10, seed=7)
    assert isinstance(spec, EmpiricalSpectrum)
    assert not spec.exhaustive and spec.shape == (10, 10) and spec.seed == 7
    s = spec.singular_values
    assert np.all(np.diff(s) <= 0) and not s.flags.writeable
    assert spec.tolerance == pytest.approx(10 * np.finfo(float).eps * s[0])
    p = s**2 / np.sum(s**2)
    assert spec.effective_rank == pytest.approx(np.exp(-np.sum(p[p > 0] * np.log(p[p > 0]))))
    assert 1 <= spec.effective_rank <= spec.numerical_rank <= spec.max_rank
    d = json.loads(json.dumps(spec.to_dict()))
    assert d["numerical_rank"] == spec.numerical_rank and len(d["singular_values"]) == 10
    again = empirical_spectrum(rac, 6, samples=10, seed=7)
    assert np.array_equal(again.singular_values, s)
    assert "numerical rank" in str(spec)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.numerical_rank = 0


def test_empirical_spectrum_sampled_matrix_is_a_submatrix():
    # Sampled rows and columns are distinct assignments, so their rank bounds the full one from below.
    rac = RAC.random(depth=1, hidden=5, inputs=2, seed=1)
    full = empirical_spectrum(rac, 6)
    part = empirical_spectrum(rac, 6, samples=6, seed=0)
    assert full.shape == (8, 8) and part.shape == (6, 6)
    assert part.numerical_rank <= full.numerical_rank == 5


def test_empirical_spectrum_rejects_bad_arguments():
    rac = RAC.random(depth=1, hidden=2, inputs=2, seed=0)
    with pytest.raises(InvalidParameterError, match="length"):
        empirical_spectrum(rac, 5)
    with pytest.raises(InvalidParameterError, match="templates"):
        empirical_spectrum(rac, 4, templates=np.ones((3, 5)))
    with pytest.raises(InvalidParameterError, match="channel"):
        empirical_spectrum(rac, 4, channel=1)
    with pytest.raises(InvalidParameterError, match="backend"):
        empirical_spectrum(rac, 4, backend="jax")
    with pytest.raises(InvalidParameterError, match="network"):
        empirical_spectrum("not a network", 4)


def test_recurrent_model_validates_shapes():
    assert RecurrentModel("lstm", [RecurrentLayer(np.ones((4, 3)), np.ones((4, 1)))]).hidden == 1
    with pytest.raises(InvalidParameterError, match="weight_hh"):
        RecurrentModel("lstm", [RecurrentLayer(np.ones((3, 3)), np.ones((3, 1)))])
    with pytest.raises(InvalidParameterError, match="non-finite"):
        RecurrentModel("gru", [RecurrentLayer(np.full((3, 2), np.nan), np.ones((3, 1)))])
    with pytest.raises(InvalidParameterError, match="arch"):
        RecurrentModel("transformer", [RecurrentLayer(np.ones((1, 1)), np.ones((1, 1)))])


def test_npz_with_object_arrays_is_refused(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, weight_ih_l0=np.array([{"a": 1}], dtype=object))
    with pytest.raises(UnsafeWeightsError, match="pickle"):
        read_state_dict(path)


def test_rac_safetensors_round_trip(tmp_path):
    save_file = pytest.importorskip("safetensors.numpy").save_file

    rac = RAC.random(depth=2, hidden=3, inputs=2, outputs=2, seed=0)
    state = {f"hidden_weights.{i}": w for i, w in enumerate(rac.hidden_weights)}
    state.update({f"input_weights.{i}": w for i, w in enumerate(rac.input_weights)})
    state["output_weights"] = rac.output_weights
    path = tmp_path / "rac.safetensors"
    save_file({k: np.ascontiguousarray(v) for k, v in state.items()}, str(path))
    back = load_weights(path, arch="rac").rac
    X = np.eye(2)[np.random.default_rng(0).integers(0, 2, size=(8, 6))]
    assert np.array_equal(back(X), rac(X))


def test_numpy_rnn_matches_hand_written_recurrence():
    rng = np.random.default_rng(0)
    W_ih, W_hh, b_ih, b_hh = rng.normal(size=(3, 2)), rng.normal(size=(3, 3)), rng.normal(size=3), rng.normal(size=3)
    model = RecurrentModel("rnn_relu", [RecurrentLayer(W_ih, W_hh, b_ih, b_hh)])
    X = rng.normal(size=(4, 5, 2))
    for n in range(4):
        h = np.zeros(3)
        for t in range(5):
            h = np.maximum(W_ih @ X[n, t] + b_ih + W_hh @ h + b_hh, 0)
        assert np.allclose(model(X)[n], h, rtol=1e-13, atol=1e-13)


def test_state_dict_validation_names_the_key():
    rng = np.random.default_rng(1)
    state = {"weight_ih_l0": rng.normal(size=(3, 2)), "weight_hh_l0": rng.normal(size=(3, 3)),
             "bias_ih_l0": np.zeros(3)}
    with pytest.raises(WeightsError, match="missing") as err:
        from_state_dict(state, "rnn")
    assert err.value.name == "bias_hh_l0"
    state["bias_hh_l0"] = np.zeros(3)
    state["weight_ih_l0"][0, 0] = np.inf
    with pytest.raises(WeightsError, match="non-finite") as err:
        from_state_dict(state, "rnn")
    assert err.value.name == "weight_ih_l0"


def test_npz_round_trip(tmp_path):
    rac = RAC.random(depth=3, hidden=2, inputs=3, seed=2)
    state = {f"hidden_weights.{i}": w for i, w in enumerate(rac.hidden_weights)}
    state.update({f"input_weights.{i}": w for i, w in enumerate(rac.input_weights)})
    state["output_weights"] = rac.output_weights
    path = tmp_path / "rac.npz"
    np.savez(path, **state)
    imported = load_weights(path, arch="rac")
    X = np.random.default_rng(3).normal(size=(5, 4, 3))
    assert imported.exact and np.array_equal(imported.rac(X), rac(X))
