"""``tnrnn memory function|hankel|curse|plateau``: validation at parse time, progress lines, `tnrnn plot` round-trips."""

import json
import subprocess
import sys

import numpy as np
import pytest

from tnrnn.cli import main
from tnrnn.memory import LinearRNN


def _plot_roundtrip(tmp_path, out, capsys, kind):
    png = tmp_path / f"{kind}.png"
    assert main(["plot", str(out), "--plot", str(png), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["record_kind"] == kind and png.stat().st_size > 0


def test_curse_records_redraw(tmp_path, capsys):
    out = tmp_path / "c.jsonl"
    assert main(["memory", "curse", "--target", "exp,pol", "--hidden", "1:3", "--horizon", "12", "--dt", "1",
                 "--no-train", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "noise floor" in text and "floor" in text.splitlines()[2]          # exp's bounds are at the floor
    _plot_roundtrip(tmp_path, out, capsys, "curse")
    # --resume: nothing recomputed, the same records
    assert main(["memory", "curse", "--target", "exp,pol", "--hidden", "1:3", "--horizon", "12", "--dt", "1",
                 "--no-train", "--out", str(out), "--resume", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 6 and len(out.read_text().splitlines()) == 6


def test_plateau_records_redraw_and_summary(tmp_path, capsys):
    pytest.importorskip("torch")
    out = tmp_path / "p.jsonl"
    assert main(["memory", "plateau", "--delays", "1,2", "--hidden", "3", "--horizon", "4", "--dt", "0.2",
                 "--steps", "60", "--seeds", "0:2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "plateau median" in text and "range over seeds" in text
    assert len(out.read_text().splitlines()) == 6                                # 2 delays x 3 seeds
    _plot_roundtrip(tmp_path, out, capsys, "plateau")


def test_hankel_records_redraw(tmp_path, capsys):
    out = tmp_path / "h.jsonl"
    assert main(["memory", "hankel", "--target", "exp,pol", "--horizon", "16", "--dt", "0.5", "--eps", "1e-3,1e-30",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "eps at the noise floor" in text and "noise floor N eps sigma_1" in text
    _plot_roundtrip(tmp_path, out, capsys, "hankel")


def test_memory_function_records_redraw(tmp_path, capsys):
    rnn = LinearRNN.random(3, seed=2)
    path = tmp_path / "lin.npz"
    np.savez(path, W=rnn.W, U=rnn.U, c=rnn.c)
    out = tmp_path / "f.jsonl"
    assert main(["memory", "function", str(path), "--arch", "linear", "--lags", "20", "--reference", "zero",
                 "--out", str(out)]) == 0
    assert "from the zero state" in capsys.readouterr().out
    _plot_roundtrip(tmp_path, out, capsys, "memory-function")


@pytest.mark.parametrize("argv, option", [
    (["memory", "curse", "--hidden", "0", "--no-train"], "--hidden"),
    (["memory", "curse", "--hidden", "1:x"], "--hidden"),
    (["memory", "curse", "--horizon", "0"], "--horizon"),
    (["memory", "curse", "--dt", "nan"], "--dt"),
    (["memory", "curse", "--lrs", "0.01,-1"], "--lrs"),
    (["memory", "curse", "--seeds", "-1"], "--seeds"),
    (["memory", "curse", "--target", "shift:1000", "--no-train"], "--target"),
    (["memory", "plateau", "--delays", "-1"], "--delays"),
    (["memory", "plateau", "--delays", "inf"], "--delays"),
    (["memory", "plateau", "--threshold", "2"], "--threshold"),
    (["memory", "plateau", "--delays", "1000"], "--delays"),
    (["memory", "plateau", "--target", "exp"], "--target"),
    (["memory", "hankel", "--kernel", "1,inf"], "--kernel"),
    (["memory", "hankel", "--kernel", "1,1e400"], "--kernel"),
    (["memory", "hankel", "--kernel", "0,0,0"], "--kernel"),
    (["memory", "hankel", "--target", "shift:1000"], "--target"),
    (["memory", "hankel", "--target", "exp", "--eps", "0"], "--eps"),
    (["memory", "hankel", "--target", "exp", "--hidden", "0"], "--hidden"),
    (["memory", "hankel", "--target", "exp", "--horizon", "1e9"], "memory limit"),
    (["memory", "function", "m.npz", "--arch", "linear", "--lags", "0"], "--lags"),
    (["memory", "function", "m.npz", "--arch", "linear", "--amplitude", "0"], "--amplitude"),
    (["memory", "function", "m.npz", "--arch", "linear", "--horizon-tol", "-1"], "--horizon-tol"),
])
def test_numeric_options_are_checked_and_named(capsys, argv, option):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and option in err
    assert err.startswith(f"tnrnn memory {argv[1]}")


def test_huge_widths_are_refused_at_once_with_the_estimate(capsys):
    assert main(["memory", "curse", "--hidden", "1:10000"]) == 2   # refused by the estimate, before any work
    err = capsys.readouterr().err
    assert "needs an estimated" in err and "--hidden" in err


def test_progress_lines_and_no_carriage_returns(tmp_path):
    pytest.importorskip("torch")
    cmd = [sys.executable, "-m", "tnrnn", "memory", "curse", "--target", "exp", "--hidden", "1,2", "--horizon", "8",
           "--dt", "1", "--max-steps", "40", "--lrs", "0.01", "--seeds", "0", "--progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stderr.readline()    # how soon it comes: benchmarks/bench_refusals.py
    rest = proc.stderr.read()
    proc.wait()
    assert proc.returncode == 0 and first.startswith("tnrnn memory curse [")
    lines = (first + rest).splitlines()
    assert "\r" not in first + rest and sum("m=" in line for line in lines) == 2   # one line per configuration
    quiet = subprocess.run(cmd[:-1], capture_output=True, text=True)             # piped, no --progress: none
    assert quiet.returncode == 0 and quiet.stderr == ""
