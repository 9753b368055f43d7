"""tnrnn.compact: the int32-stored, panel-by-panel elimination against FLINT on hostile matrices."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrnn.compact import COMPACT_DTYPE, PROCESS_RESERVE, compact_memory, panel_width, rank_compact, to_compact
from tnrnn.errors import InvalidParameterError, MemoryLimitError
from tnrnn.field import DEFAULT_PRIME, PREVIOUS_DEFAULT_PRIME

flint = pytest.importorskip("flint")
pytest.importorskip("numba")


def flint_rank(z, p):
    z = np.asarray(z, dtype=object)
    return flint.nmod_mat(z.shape[0], z.shape[1], [int(v) % p for v in z.ravel()], p).rank()


def hostile(rng, m, n, r, p):
    """A rank <= r matrix with zero columns, a repeated row and extreme representatives."""
    if r:
        z = (rng.integers(0, p, (m, r)).astype(object) @ rng.integers(0, p, (r, n)).astype(object)) % p
    else:
        z = np.zeros((m, n), dtype=object)
    z[:, rng.integers(0, n, max(1, n // 4))] = 0
    if m > 2:
        z[-1] = z[0]
    z = np.array(z, dtype=np.int64)
    z[z == 1] = p + 1          # the same residues, other representatives
    z[z == 2] = -(p - 2)
    return z


@pytest.mark.parametrize("p", [3, 7, 101, DEFAULT_PRIME, PREVIOUS_DEFAULT_PRIME])
@pytest.mark.parametrize("panel,chunk", [(1, 1), (3, 2), (8, 3), (64, 512), (None, 512)])
def test_rank_matches_flint_on_hostile_matrices(p, panel, chunk):
    rng = np.random.default_rng([p % 1000, panel or 0, chunk])
    for m, n, r in [(40, 30, 12), (30, 40, 30), (50, 50, 0), (17, 60, 17), (64, 9, 5), (1, 5, 1), (6, 1, 1)]:
        z = hostile(rng, m, n, r, p)
        A = np.asfortranarray(to_compact(z, p))
        assert A.dtype == COMPACT_DTYPE and np.abs(A).max(initial=0) <= (p + 3) // 2
        assert rank_compact(A, p, panel=panel, chunk=chunk) == flint_rank(z, p)


def test_full_rank_and_dependent_panels_at_the_default_prime():
    """Panels that add no pivot (columns repeating earlier ones) and full-rank products of many chunks."""
    p = DEFAULT_PRIME
    rng = np.random.default_rng(5)
    base = rng.integers(-(p // 2), p // 2, (300, 120))
    z = np.concatenate([base, base[:, :40], rng.integers(0, p, (300, 30))], axis=1)  # rank 150
    assert rank_compact(np.asfortranarray(to_compact(z, p)), p, panel=40, chunk=16) == flint_rank(z, p) == 150


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 30), st.integers(1, 30), st.integers(0, 30), st.integers(1, 12), st.integers(1, 9),
       st.sampled_from([5, 31, 65521, DEFAULT_PRIME]), st.integers(0, 2**32 - 1))
def test_rank_property(m, n, r, panel, chunk, p, seed):
    rng = np.random.default_rng(seed)
    z = hostile(rng, m, n, min(r, m, n), p)
    assert rank_compact(np.asfortranarray(to_compact(z, p)), p, panel=panel, chunk=chunk) == flint_rank(z, p)


def test_memory_and_panels():
    assert panel_width(26196, 26180) >= 2048                        # T = 64 fits the default 4 GiB
    assert compact_memory(26196, 26180, panel_width(26196, 26180)) + PROCESS_RESERVE <= 4 * 2**30
    assert panel_width(100, 80) == 80
    with pytest.raises(MemoryLimitError):
        rank_compact(np.zeros((2000, 2000), dtype=np.int32, order="F"), 7, max_memory="1MB")


def test_invalid_arguments():
    a = np.zeros((3, 3), dtype=np.int32, order="F")
    with pytest.raises(InvalidParameterError, match="p="):
        rank_compact(a, 4)
    with pytest.raises(InvalidParameterError, match="A="):
        rank_compact(np.zeros((3, 3), dtype=np.int64), 7)
    with pytest.raises(InvalidParameterError, match="A="):
        rank_compact(np.zeros((3, 3), dtype=np.int32, order="C")[:, :2], 7)
    with pytest.raises(InvalidParameterError, match="panel="):
        rank_compact(a, 7, panel=0)
