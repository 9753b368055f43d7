"""Backends: one vocabulary and default-device rule; linear algebra agrees with numpy's own routines."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from tnrnn.backends import GPU_LABELS, LABELS, Backend, available, from_label, infer, missing, resolve
from tnrnn.errors import InvalidParameterError, MissingDependencyError

HAS_TORCH = importlib.util.find_spec("torch") is not None


def test_labels_round_trip():
    for label in LABELS:
        assert from_label(label).label == label
    assert set(GPU_LABELS) == {label for label in LABELS if from_label(label).is_gpu}


def test_numpy_is_always_available_and_cpu_only():
    assert missing("numpy") is None and available()[0] == "numpy"
    assert resolve("numpy") == Backend("numpy", "cpu")
    with pytest.raises(InvalidParameterError, match="device"):
        resolve("numpy", "cuda")


@pytest.mark.parametrize("bad", ["jax", "", None, 3])
def test_unknown_backends_are_refused(bad):
    with pytest.raises(InvalidParameterError, match="backend"):
        resolve(bad)
    with pytest.raises(InvalidParameterError, match="backend"):
        from_label("torch-rocm")


def test_restricted_callers_refuse_other_backends():
    with pytest.raises(InvalidParameterError, match="one of numpy, torch"):
        resolve("cupy", allowed=("numpy", "torch"))


@pytest.mark.skipif(HAS_TORCH, reason="torch is installed")
def test_missing_torch_is_a_missing_dependency():
    with pytest.raises(MissingDependencyError, match="tnrnn\\[torch\\]"):
        resolve("torch")
    assert missing("torch") == "torch is not installed"


def test_torch_default_device_rule():
    torch = pytest.importorskip("torch")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve("torch").device == expected
    assert resolve("torch", "cpu") == Backend("torch", "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(InvalidParameterError, match="CUDA"):
            resolve("torch", "cuda")
        assert missing("torch-cuda") == "torch sees no CUDA device"


def _backends():
    out = [resolve("numpy")]
    if HAS_TORCH:
        out.append(resolve("torch", "cpu"))
    return out


@pytest.mark.parametrize("backend", _backends(), ids=lambda b: b.label)
def test_linear_algebra_matches_numpy(backend):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 5))
    xb = backend.asarray(x)
    assert infer(xb).name == backend.name
    to_np = (lambda a: a.cpu().numpy()) if backend.name == "torch" else np.asarray
    assert np.allclose(to_np(backend.svdvals(xb)), np.linalg.svd(x, compute_uv=False))
    r = to_np(backend.qr_r(xb))
    assert np.allclose(r.T @ r, x.T @ x)                       # R^T R = X^T X for any QR
    g = x.T @ x
    s = to_np(backend.psd_sqrt(backend.asarray(g)))
    assert np.allclose(s @ s, g) and np.allclose(s, s.T)
    w, v = np.linalg.eigh(g)
    assert np.allclose(s, (v * np.sqrt(w)) @ v.T)


def test_psd_sqrt_clips_negative_rounding():
    g = np.diag([4.0, -1e-18])
    assert np.allclose(resolve("numpy").psd_sqrt(g), np.diag([2.0, 0.0]))


def test_asarray_copies_read_only_numpy_into_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(3.0)
    a.setflags(write=False)
    t = resolve("torch", "cpu").asarray(a)
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float64 and t.tolist() == [0.0, 1.0, 2.0]
