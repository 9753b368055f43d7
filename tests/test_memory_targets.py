"""The paper's targets and the data generated from them."""

import numpy as np
import pytest

from tnrnn.errors import InvalidParameterError
from tnrnn.memory import generate_data, sample_kernel, target


def test_formulas():
    t = np.array([0.0, 1.0, 10.0])
    np.testing.assert_allclose(target("exp")(t), [1.0, np.e ** -1, np.e ** -10])
    np.testing.assert_allclose(target("pol")(t), [1.0, 1.1 ** -1.1, 2.0 ** -1.1])
    assert target("shift")([8.9, 9.1, 10.9, 11.1]).tolist() == [0.0, 1.0, 1.0, 0.0]
    np.testing.assert_allclose(target("twoparts")([9.0]), [np.exp(-9.0) + 1.0])
    # Ai(0) = 3^(-2/3) / Gamma(2/3) (Abramowitz & Stegun 10.4.4)
    from math import gamma
    np.testing.assert_allclose(target("airy")([6.0]), [3 ** (-2 / 3) / gamma(2 / 3)], rtol=1e-12)
    np.testing.assert_allclose(target("sin")(t), np.sin(t))


def test_delays_move_the_memory():
    assert target("shift:20")([20.0])[0] == 1.0 and target("shift:20")([10.0])[0] == 0.0
    np.testing.assert_allclose(target("airy:3")([3.0]), target("airy")([6.0]))


@pytest.mark.parametrize("spec", ["nope", "exp:3", "shift:x", "shift:-1", 3])
def test_invalid_targets(spec):
    with pytest.raises(InvalidParameterError):
        target(spec)


def test_sample_kernel_grid():
    h = sample_kernel("pol", horizon=2.0, dt=0.5)
    np.testing.assert_allclose(h, 0.5 * (1 + 0.1 * np.array([0.0, 0.5, 1.0, 1.5])) ** -1.1)
    with pytest.raises(InvalidParameterError):
        sample_kernel("pol", horizon=0.1, dt=0.5)


@pytest.mark.parametrize("inputs", ["white", "brownian"])
def test_generate_data_is_the_causal_convolution(inputs):
    x, y = generate_data("twoparts", length=40, samples=3, dt=0.25, inputs=inputs, seed=7)
    h = sample_kernel("twoparts", horizon=10.0, dt=0.25)
    ref = np.array([[sum(h[s] * x[n, t - s] for s in range(t + 1)) for t in range(40)] for n in range(3)])
    np.testing.assert_allclose(y, ref, rtol=1e-9, atol=1e-12)
    x2, _ = generate_data("twoparts", length=40, samples=3, dt=0.25, inputs=inputs, seed=7)
    np.testing.assert_array_equal(x, x2)


def test_brownian_increments():
    x, _ = generate_data("exp", length=200, samples=400, dt=0.04, inputs="brownian", seed=0)
    inc = np.diff(x, axis=1)
    assert abs(inc.var() / 0.04 - 1) < 0.05
    with pytest.raises(InvalidParameterError):
        generate_data("exp", 10, 2, inputs="pink")


def test_reference_brownian_convention_is_a_sqrt_dt_smaller():
    """'brownian-dt' (the Curse-of-memory code's cumsum of dt*xi) has increments N(0, dt^2)."""
    dt = 0.04
    x, _ = generate_data("exp", length=200, samples=400, dt=dt, inputs="brownian-dt", seed=0)
    inc = np.diff(x, axis=1, prepend=0.0)
    assert abs(inc.var() / dt ** 2 - 1) < 0.02
    a, _ = generate_data("exp", length=50, samples=3, dt=dt, inputs="brownian", seed=5)
    b, _ = generate_data("exp", length=50, samples=3, dt=dt, inputs="brownian-dt", seed=5)
    np.testing.assert_allclose(b, a * np.sqrt(dt), rtol=1e-12)


def test_a_target_zero_on_the_horizon_is_refused():
    from tnrnn.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="memory inside the horizon"):
        sample_kernel("shift:1000", 64.0, 0.1)
