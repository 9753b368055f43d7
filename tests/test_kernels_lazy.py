"""Nothing is compiled or loaded that a request does not use (issue 29): kernel groups load on first use."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _modules_after(code: str) -> str:
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          check=True, timeout=300).stdout.split()[-1]


def test_a_closed_form_query_imports_no_numba():
    code = ("import sys; from tnrnn.cli import main; main(['bounds', '-L1', '-R2', '-M2', '-T4', '--quiet']); "
            "print('numba' in sys.modules)")
    assert _modules_after(code) == "False"


def test_groups_load_only_when_used():
    pytest.importorskip("numba")
    code = ("from tnrnn.ranks import _kernels; from tnrnn.elimination import rank_blas; import numpy as np; "
            "rank_blas(np.eye(40, dtype=np.int64), 101); print(_kernels.kernels.cache_info().currsize)")
    assert _modules_after(code) == "1"   # the elimination's group, nothing else


def test_rank_bounds_seconds_exclude_warm_up(monkeypatch):
    """Warming a group up is counted in warm_seconds and left out of a record's seconds.  The clock is
    made to jump 1000 s during the warm-up (no sleeping, no wall-clock margin): a record that kept the
    warm-up would report at least 1000 s."""
    pytest.importorskip("numba")
    import time

    from tnrnn.ranks import _kernels, certify

    real_warm, real_clock, jump = _kernels._warm_group, time.perf_counter, [0.0]

    def slow(nk, group):
        jump[0] += 1000.0
        real_warm(nk, group)

    monkeypatch.setattr(_kernels, "_warm_group", slow)
    monkeypatch.setattr(time, "perf_counter", lambda: real_clock() + jump[0])
    _kernels.kernels.cache_clear()
    try:
        warm0 = _kernels.warm_seconds
        rec = certify.rank_bounds(2, 4, 4, 16, engine="grid", samples=1100, retry=False, mincut=False)
        warmed = _kernels.warm_seconds - warm0
    finally:
        _kernels.kernels.cache_clear()
    assert jump[0] >= 1000.0 and warmed >= 1000.0        # a group was warmed up inside the timed call
    assert rec.seconds >= 0 and 1000.0 > rec.seconds     # and its (jumped) time is not in the record
