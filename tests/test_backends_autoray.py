"""Other autoray backends (dask, jax): contractions and spectra agree with numpy."""

import numpy as np
import pytest

from tests._network_reference import dense_grid
from tnrnn import RAC, compile
from tnrnn.backends import resolve
from tnrnn.errors import InvalidParameterError
from tnrnn.network.spectrum import spectrum


def test_unknown_library_is_refused_by_name():
    with pytest.raises(InvalidParameterError, match="autoray"):
        resolve("no_such_array_library")
    with pytest.raises(InvalidParameterError, match="autoray"):
        resolve("not a name")


def _check(backend):
    rac = RAC.random(2, 2, 3, seed=1)
    net = compile(rac, 4)
    A = net.grid_tensor("greedy", backend=backend)
    assert type(A).__module__.split(".")[0] != "numpy"
    assert np.allclose(np.asarray(A), dense_grid(rac, 4), rtol=1e-10, atol=1e-14)
    X = np.random.default_rng(0).random((5, 4, 3))
    assert np.allclose(np.asarray(net.evaluate(X, backend=backend)), rac(X))
    reference = spectrum(rac, "start-end", length=4, method="dense").singular_values
    for method in ("dense", "factors"):
        s = spectrum(rac, "start-end", length=4, method=method, backend=backend)
        assert s.backend == backend and np.allclose(s.singular_values[:6], reference[:6], rtol=1e-8)


def test_dask():
    pytest.importorskip("dask.array")
    _check("dask")
    with pytest.raises(InvalidParameterError, match="eigh"):  # dask has no eigh: refused by name
        spectrum(RAC.random(2, 2, 3, seed=1), "start-end", length=4, method="gram", backend="dask")
    with pytest.raises(InvalidParameterError, match="device"):
        resolve("dask", "cuda")


def test_jax():
    jax = pytest.importorskip("jax")
    previous = jax.config.read("jax_enable_x64")
    try:
        jax.config.update("jax_enable_x64", False)
        with pytest.raises(InvalidParameterError, match="jax_enable_x64"):
            compile(RAC.random(1, 2, 2), 3).grid_tensor("greedy", backend="jax")
        jax.config.update("jax_enable_x64", True)
        _check("jax")
        s = spectrum(RAC.random(2, 2, 3, seed=1), "start-end", length=4, method="gram", backend="jax")
        assert s.numerical_rank == spectrum(RAC.random(2, 2, 3, seed=1), "start-end", length=4).numerical_rank
    finally:
        jax.config.update("jax_enable_x64", previous)
