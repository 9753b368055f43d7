"""Progress reports: on a terminal by default, forced by --progress, silenced by --quiet; stdout stays clean."""

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tnrnn.cli import main

ROOT = Path(__file__).resolve().parents[1]

# every command that can run for more than a moment, with a small problem and what its report names
COMMANDS = {
    "compile": (["compile", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--optimize", "greedy"], "planning with greedy"),
    "spectrum": (["spectrum", "-L", "1", "-R", "2", "-M", "2", "-T", "4"], "planning, contracting and the SVD"),
    "draw": (["draw", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--plot", "{tmp}/net.png"], "min-cut and drawing"),
    "bounds": (["bounds", "-L", "1", "-R", "2", "-M", "2", "-T", "4"], "configurations:"),  # the sweep's bar
    "bench": (["bench", "-L", "1", "-R", "2", "-M", "2", "-T", "3", "--strategies", "greedy", "--repeats", "1"],
              "networks:"),
}


def _argv(name, tmp_path):
    argv, text = COMMANDS[name]
    return [a.replace("{tmp}", str(tmp_path)) for a in argv], text


def _on_a_terminal(argv, tmp_path):
    """Run ``python -m tnrnn ARGV`` with stderr on a pseudo-terminal; returns (code, stdout, terminal text)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a terminal of 120 columns
    env = dict(os.environ, PYTHONPATH=str(ROOT), TNRNN_CACHE_DIR=str(tmp_path / "paths"), COLUMNS="120")
    proc = subprocess.Popen([sys.executable, "-m", "tnrnn", *argv], stdout=subprocess.PIPE, stderr=slave,
                            stdin=subprocess.DEVNULL, cwd=tmp_path, env=env)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    out = proc.stdout.read().decode()
    code = proc.wait(timeout=60)
    os.close(master)
    return code, out, b"".join(chunks).decode(errors="replace")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_progress_on_a_terminal_and_clean_stdout(name, tmp_path):
    argv, text = _argv(name, tmp_path)
    code, out, terminal = _on_a_terminal(argv, tmp_path)
    assert code == 0, terminal
    assert text in terminal
    assert text not in out  # reports never reach stdout


@pytest.mark.parametrize("name", ["compile", "spectrum", "bounds"])
def test_forced_quiet_and_json(name, tmp_path, capsys):
    argv, text = _argv(name, tmp_path)
    # not a terminal (pytest captures stderr): silent by default
    assert main(argv) == 0
    assert text not in capsys.readouterr().err
    assert main(argv + ["--progress"]) == 0
    captured = capsys.readouterr()
    assert text in captured.err and text not in captured.out
    assert main(argv + ["--quiet", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    json.loads(captured.out)  # stdout is exactly the JSON document
    assert main(argv + ["--progress", "--json"]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)
    assert text in captured.err


def test_progress_and_quiet_exclude_each_other(capsys):
    assert main(["compile", "-L", "1", "-R", "2", "-M", "2", "-T", "3", "--progress", "--quiet"]) == 2
    assert "not allowed" in capsys.readouterr().err


def test_python_dash_m_tnrnn_runs_the_command(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "tnrnn", "--version"], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("tnrnn ")
