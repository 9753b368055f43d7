"""The factored engine with its sides stored as int32 (tnrnn.compact) against the grid engine's whole grid."""

import pytest

from tnrnn.circuits import RAC
from tnrnn.cuts import Cut
from tnrnn.field import DEFAULT_PRIME
from tnrnn.ranks import engines, factored

pytest.importorskip("numba")
pytest.importorskip("flint")


@pytest.mark.parametrize("L,R,M,T,s", [(2, 2, 2, 10, 5), (2, 3, 2, 12, 6), (3, 2, 2, 10, 5), (2, 2, 3, 8, 3)])
def test_compact_sides_match_the_whole_grid(monkeypatch, L, R, M, T, s):
    rac = RAC.random_modular(L, R, M, prime=DEFAULT_PRIME, seed=3)
    cut = Cut.prefix(T, s)
    grid = engines.exact_rank(rac, cut, engine="grid")
    assert grid.details["mode"] == "full"
    floats = engines.exact_rank(rac, cut, engine="factored")
    monkeypatch.setattr(factored, "_use_compact", lambda *a, **k: True)
    compact = engines.exact_rank(rac, cut, engine="factored")
    assert compact.details.get("storage", "").startswith("int32")
    assert compact.rank == floats.rank
    assert compact.rank <= grid.rank
    if compact.details["start_feature_rank"] == compact.details["features"] == compact.details[
            "end_coefficient_rank"]:
        assert compact.rank == grid.rank


def test_t64_takes_the_compact_path_within_the_default_limit():
    """L = 2, R = M = 4, T = 64: the float64 sides do not fit 4 GiB, the int32 ones do (no evaluation here)."""
    rac = RAC.random_modular(2, 4, 4, prime=DEFAULT_PRIME, seed=0)
    assert factored._use_compact(rac, Cut.start_end(64), None, 16, None)
    assert not factored._use_compact(rac, Cut.start_end(32), None, 16, None)


def test_grid_engine_int32_path_matches_flint(monkeypatch):
    """The grid engine's int32 storage (taken when float64 does not fit) against FLINT on the same grid."""
    import flint
    import numpy as np

    from tnrnn.ranks.evaluation import grid_matrix

    rac = RAC.random_modular(3, 2, 3, prime=DEFAULT_PRIME, seed=1)
    cut = Cut.start_end(8)
    rows, cols = engines._all_assignments(3, 4), engines._all_assignments(3, 4)
    z = np.remainder(grid_matrix(rac, cut, rows, cols, 0).astype(np.int64), DEFAULT_PRIME)
    want = flint.nmod_mat(z.tolist(), DEFAULT_PRIME).rank()
    r, _, _ = engines._compact_grid_rank(rac, cut, rows, cols, 0, None, None)
    assert r == want
    # the engine: float64 refused by the limit (its 128 MiB evaluation block), int32 accepted
    real = engines._grid_bytes
    monkeypatch.setattr(engines, "_grid_bytes",
                        lambda r, c, limit, compact=False: 4 * r * c if compact else real(r, c, limit))
    res = engines.exact_rank(rac, cut, engine="grid", max_memory="100MB")
    assert res.details == {"mode": "full", "storage": "int32 (tnrnn.compact)"} and res.rank == want
