"""RAC construction, validation and forward evaluation against a plain Python loop."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from tnrnn import RAC
from tnrnn.errors import InvalidParameterError

from ._reference import forward_python


def one_hot_batch(M, T, N, seed):
    rng = np.random.default_rng(seed)
    return np.eye(M)[rng.integers(0, M, size=(N, T))]


def lists(rac):
    return ([w.tolist() for w in rac.hidden_weights], [w.tolist() for w in rac.input_weights],
            rac.output_weights.tolist())


@pytest.mark.parametrize("L,R,M,C", [(1, 3, 2, 1), (2, 2, 3, 1), (3, 4, 2, 2), (4, 2, 2, 3)])
def test_forward_equals_python_loop(L, R, M, C):
    rac = RAC.random(L, R, M, C, seed=L)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 6, M))  # arbitrary (not only one-hot) input vectors
    y = rac(X)
    wh, wi, wo = lists(rac)
    ref = np.array([forward_python(wh, wi, wo, x.tolist()) for x in X])
    np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-300)


def test_modular_forward_equals_python_integers():
    p = 2**31 - 1
    rac = RAC.random_modular(3, 3, 2, prime=p, seed=3)
    X = one_hot_batch(2, 7, 6, 1).astype(np.int64)
    wh, wi, wo = lists(rac)
    ref = [forward_python(wh, wi, wo, x.tolist(), modulus=p) for x in X]
    assert rac(X).tolist() == ref


def test_unbatched_and_states():
    rac = RAC.random(2, 3, 2, seed=0)
    X = one_hot_batch(2, 4, 1, 0)
    y, states = rac.forward(X[0], return_states=True)
    assert y.shape == (1,) and len(states) == 2 and states[0].shape == (3,)
    np.testing.assert_allclose(y, rac(X)[0])


def test_initial_states_enter_through_the_hidden_weights():
    rac = RAC.random(2, 2, 2, seed=5)
    h0 = (np.array([0.5, -1.0]), np.array([2.0, 0.25]))
    given = RAC(rac.hidden_weights, rac.input_weights, rac.output_weights, initial_states=h0)
    X = one_hot_batch(2, 3, 4, 2)
    wh, wi, wo = lists(rac)
    ref = [forward_python(wh, wi, wo, x.tolist(), initial_states=[h.tolist() for h in h0]) for x in X]
    np.testing.assert_allclose(given(X), np.array(ref), rtol=1e-12)
    assert not np.allclose(given(X), rac(X))


def test_orthogonal_hidden_weights():
    rac = RAC.random(3, 4, 2, seed=1, hidden_init="orthogonal")
    for W in rac.hidden_weights:
        np.testing.assert_allclose(W @ W.T, np.eye(4), atol=1e-12)


def test_torch_backend_matches_numpy():
    torch = pytest.importorskip("torch")
    rac = RAC.random(2, 3, 4, seed=2)
    X = one_hot_batch(4, 5, 3, 3)
    y = rac(torch.tensor(X))
    assert isinstance(y, torch.Tensor) and y.dtype == torch.float64
    np.testing.assert_allclose(y.numpy(), rac(X), rtol=1e-12)
    y32 = rac(torch.tensor(X, dtype=torch.float32))
    assert y32.dtype == torch.float32


def _cuda_available():
    if importlib.util.find_spec("cupy") is None:
        return False
    import cupy

    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


@pytest.mark.gpu
@pytest.mark.skipif(not _cuda_available(), reason="needs cupy and a CUDA device")
def test_cupy_backend_matches_numpy():
    import cupy

    rac = RAC.random(2, 3, 4, seed=2)
    X = one_hot_batch(4, 5, 3, 3)
    y = rac(cupy.asarray(X))
    assert isinstance(y, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(y), rac(X), rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs,name",
    [
        (dict(depth=0, hidden=2, inputs=2), "depth"),
        (dict(depth=1, hidden=0, inputs=2), "hidden"),
        (dict(depth=1, hidden=2, inputs=-1), "inputs"),
        (dict(depth=1.5, hidden=2, inputs=2), "depth"),
        (dict(depth=1, hidden=2, inputs=2, outputs=0), "outputs"),
        (dict(depth=1, hidden=2, inputs=2, hidden_init="uniform"), "hidden_init"),
    ],
)
def test_bad_parameters_name_themselves(kwargs, name):
    with pytest.raises(InvalidParameterError, match=name):
        RAC.random(**kwargs)


def test_bad_weights():
    good = RAC.random(2, 2, 3)
    with pytest.raises(InvalidParameterError, match=r"hidden_weights\[1\]"):
        RAC((good.hidden_weights[0], np.ones((3, 3))), good.input_weights, good.output_weights)
    with pytest.raises(InvalidParameterError, match=r"input_weights\[1\]"):
        RAC(good.hidden_weights, (good.input_weights[0], np.ones((2, 3))), good.output_weights)
    with pytest.raises(InvalidParameterError, match="output_weights"):
        RAC(good.hidden_weights, good.input_weights, np.ones((1, 5)))
    with pytest.raises(InvalidParameterError, match="finite"):
        RAC(good.hidden_weights, good.input_weights, np.array([[np.nan, 1.0]]))
    with pytest.raises(InvalidParameterError, match="modulus"):
        RAC(good.hidden_weights, good.input_weights, good.output_weights, modulus=100)
    with pytest.raises(InvalidParameterError, match="X"):
        good(np.ones((2, 3, 5)))


def test_to_field_keeps_values_mod_p():
    p = 10007
    rac = RAC.random(2, 2, 2, seed=0)
    field = rac.to_field(p)
    assert field.modulus == p and int(field.hidden_weights[0].max()) < p
    assert field.to_field(p) is field
