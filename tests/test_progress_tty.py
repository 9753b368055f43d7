"""The README's long-running commands show progress on a terminal before they finish, and no ``\\r`` when piped.

Each command runs in a pseudo-terminal (stdout and stderr on the pty, as in an
interactive shell) and is stopped at its first output: it passes when some
output arrived while it was still running, or when it finished (successfully)
first. How soon the first output comes (the 2 s target) is measured by
``benchmarks/bench_refusals.py``, not asserted here: a loaded machine is not a
failure. The same command with stderr on a pipe must write no carriage return
(bars that redraw themselves belong on terminals only).
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time

import pytest

#: README commands that can run for longer than a couple of seconds (with their data prepared below).
COMMANDS = {
    "bounds": ["bounds", "--depth", "1,2,3", "--hidden", "3", "--inputs", "3", "--length", "4,8,12"],
    "bench": ["bench", "-L", "1,2", "-R", "4", "-M", "2", "-T", "4:12:4", "--out", "{tmp}/bench.jsonl"],
    "compile": ["compile", "-L", "2", "-R", "3", "-M", "3", "-T", "6"],
    "spectrum": ["spectrum", "-L", "2", "-R", "3", "-M", "3", "-T", "6"],
    "train": ["train", "ses", "--preset", "cpu", "--out", "{tmp}/ses"],
    "memory-curse": ["memory", "curse", "--target", "exp,pol", "--hidden", "1:64", "--out", "{tmp}/curse.jsonl"],
    "memory-plateau": ["memory", "plateau", "--target", "shift", "--delays", "2,4,6,8"],
    "memory-compare": ["memory", "compare", "--preset", "cpu", "--out", "{tmp}/compare"],
}

NEEDS_TORCH = {"train", "memory-curse", "memory-plateau", "memory-compare"}
#: How long a command may stay silent before the test gives up (a hang guard, not a timing target).
WINDOW = float(os.environ.get("TNRNN_TEST_WINDOW", "60.0"))
#: How long the pipe test watches stderr for a carriage return.
PIPE_WATCH = 3.0


def _argv(name, tmp_path):
    return [sys.executable, "-m", "tnrnn"] + [a.format(tmp=tmp_path) for a in COMMANDS[name]]


def _env(tmp_path):
    env = dict(os.environ)
    env.pop("TNRNN_QUIET", None)
    env["TNRNN_CACHE_DIR"] = str(tmp_path / "cache")
    env["COLUMNS"] = "100"
    return env


def _stop(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=30)


def _skip_without_torch(name):
    if name in NEEDS_TORCH:
        pytest.importorskip("torch")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_progress_on_a_terminal_before_the_end(name, tmp_path):
    _skip_without_torch(name)
    main, sub = pty.openpty()
    # a real terminal has a size (a 0 x 0 pty makes tqdm draw zero-width bars, i.e. nothing)
    fcntl.ioctl(sub, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    # the interpreter's own start-up is not the command's: time from a started, importing process
    proc = subprocess.Popen(_argv(name, tmp_path), stdin=sub, stdout=sub, stderr=sub,
                            env=_env(tmp_path), cwd=tmp_path, start_new_session=True)
    os.close(sub)
    start = time.monotonic()
    seen = b""
    first = None
    try:
        while time.monotonic() - start < WINDOW + 0.5:
            ready, _, _ = select.select([main], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(main, 4096)
                except OSError:  # the child closed the pty: it finished
                    break
                if chunk and first is None:
                    first = time.monotonic() - start
                seen += chunk
                if first is not None:
                    break
            if proc.poll() is not None and not ready:
                break
    finally:
        finished = proc.poll() is not None
        _stop(proc)
        os.close(main)
    if finished and proc.returncode == 0:
        return  # done before it needed to say anything
    assert first is not None, (
        f"tnrnn {' '.join(COMMANDS[name])}: nothing on the terminal while it ran ({WINDOW} s); saw {seen[:200]!r}")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_no_carriage_returns_when_stderr_is_a_pipe(name, tmp_path):
    _skip_without_torch(name)
    proc = subprocess.Popen(_argv(name, tmp_path), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=_env(tmp_path), cwd=tmp_path, start_new_session=True)
    os.set_blocking(proc.stderr.fileno(), False)
    err = b""
    deadline = time.monotonic() + PIPE_WATCH
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            err += proc.stderr.read() or b""
    finally:
        _stop(proc)
        err += proc.stderr.read() or b""
        proc.stderr.close()
    assert b"\r" not in err, f"tnrnn {' '.join(COMMANDS[name])} wrote \\r to a pipe: {err[:300]!r}"
