"""Cache and sidecar files are read without trusting what lies under their names."""

import json
import os
import signal

import pytest

from tnrnn.errors import InvalidParameterError
from tnrnn.network import optimizers
from tnrnn.safe_io import read_json_file


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(optimizers.CACHE_ENV, str(tmp_path))
    return tmp_path


def _with_alarm(fn, seconds=20):
    """Run ``fn`` and fail (instead of hanging the suite) if it blocks."""
    def boom(*_):
        raise AssertionError("blocked")
    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        return fn()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


KEY = ((("a", "b"), ("b", "c"), ("c",)), (), "auto-hq")


def test_a_valid_cache_entry_round_trips(cache_dir):
    optimizers._cache_write(KEY, ((0, 1), (0, 1)))
    assert optimizers._cache_read(KEY) == ((0, 1), (0, 1))


@pytest.mark.parametrize("content", [
    {"path": [[0, 5], [0, 1]]},          # index out of range
    {"path": [[0, 0], [0, 1]]},          # a tensor with itself
    {"path": [[0, 1]]},                  # too short
    {"path": [[0, True], [0, 1]]},       # not integers
    {"path": "nope"}, [1, 2], None,
])
def test_invalid_cache_contents_are_ignored(cache_dir, content):
    with open(optimizers._cache_file(KEY), "w") as fh:
        json.dump(content, fh)
    assert optimizers._cache_read(KEY) is None


def test_hostile_files_under_cache_names_are_ignored(cache_dir):
    target = optimizers._cache_file(KEY)
    os.mkfifo(target)
    assert _with_alarm(lambda: optimizers._cache_read(KEY)) is None
    os.remove(target)
    os.symlink("/dev/zero", target)
    assert _with_alarm(lambda: optimizers._cache_read(KEY)) is None
    os.remove(target)
    with open(target, "w") as fh:
        fh.write("[" * 200_000)
    assert optimizers._cache_read(KEY) is None
    os.remove(target)
    with open(target, "wb") as fh:
        fh.write(b" " * (2 << 20))    # larger than any cache entry
    assert optimizers._cache_read(KEY) is None


def test_named_files_raise_naming_the_parameter(tmp_path):
    p = tmp_path / "x.json"
    p.write_text("{" * 50_000)
    with pytest.raises(InvalidParameterError, match="sidecar"):
        read_json_file(p, name="sidecar")
    assert read_json_file(tmp_path / "missing.json", name="sidecar") is None
