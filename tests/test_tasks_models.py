"""Task models: shapes, parameter counts against torch's own, orthogonality, export for the bridge."""

import numpy as np
import pytest

from tnrnn.errors import InvalidParameterError
from tnrnn.tasks.models import count_parameters, hidden_for_budget

torch = pytest.importorskip("torch")

from tnrnn.bridge import from_state_dict  # noqa: E402
from tnrnn.tasks.models import bridge_arch, build_model, export_state_dict, orthogonality_error  # noqa: E402


@pytest.mark.parametrize("arch", ["ortho", "lstm", "gru", "rac", "mirnn"])
@pytest.mark.parametrize("depth", [1, 3])
def test_parameter_count_is_the_exported_numel(arch, depth):
    net = build_model(arch, depth, 5, 4, 3, seed=0)
    state = export_state_dict(net)
    assert count_parameters(arch, depth, 5, 4, 3) == sum(v.numel() for v in state.values())
    if arch != "ortho":  # without the parametrisation, torch's trainable parameters are the same tensors
        assert count_parameters(arch, depth, 5, 4, 3) == sum(p.numel() for p in net.parameters())


def test_hidden_for_budget_is_closest():
    for L in (2, 3):
        budget = count_parameters("ortho", 1, 16, 5, 3)
        H = hidden_for_budget("ortho", L, 5, 3, budget)
        gaps = {h: abs(count_parameters("ortho", L, h, 5, 3) - budget) for h in range(1, 40)}
        assert gaps[H] == min(gaps.values())


@pytest.mark.parametrize("omap", ["matrix_exp", "cayley"])
def test_orthogonal_at_init_and_seeded(omap):
    a = build_model("ortho", 3, 6, 4, 2, orthogonal_map=omap, seed=1, dtype=torch.float64)
    b = build_model("ortho", 3, 6, 4, 2, orthogonal_map=omap, seed=1, dtype=torch.float64)
    assert orthogonality_error(a) < 1e-12
    sa, sb = export_state_dict(a), export_state_dict(b)
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    state = torch.random.get_rng_state()
    build_model("ortho", 1, 3, 2, 2, seed=5)
    assert torch.equal(state, torch.random.get_rng_state())  # the global generator is left alone


@pytest.mark.parametrize("arch", ["ortho", "lstm", "gru", "rac", "mirnn"])
def test_export_imports_through_the_bridge_and_reproduces(arch):
    net = build_model(arch, 2, 4, 3, 2, seed=0, dtype=torch.float64)
    x = torch.randn(5, 7, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    imported = from_state_dict(export_state_dict(net), bridge_arch(arch))
    with torch.no_grad():
        want = net(x).numpy()
    assert np.allclose(imported(x.numpy()), want, atol=1e-12)


def test_per_step_logits_and_refusals():
    net = build_model("gru", 1, 4, 3, 5, per_step=True)
    assert net(torch.zeros(2, 6, 3)).shape == (2, 6, 5)
    with pytest.raises(InvalidParameterError, match="arch"):
        build_model("rac", 1, 4, 3, 5, per_step=True)
    with pytest.raises(InvalidParameterError, match="arch"):
        build_model("transformer", 1, 4, 3, 5)
    with pytest.raises(InvalidParameterError, match="orthogonal_map"):
        build_model("ortho", 1, 4, 3, 5, orthogonal_map="householder")
