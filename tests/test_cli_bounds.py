from __future__ import annotations

import json
import shutil
import subprocess
import sys
from math import comb

import pytest

from tnrnn.cli import main


def test_table_has_a_row_per_length(capsys):
    assert main(["bounds", "--depth", "2", "--hidden", "4", "--inputs", "4", "--length", "4,8,12"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4
    header = lines[0].split()
    assert header[:8] == ["L", "R", "M", "T", "cut", "lower", "upper", "certified"]
    row = dict(zip(header, lines[3].split()))
    assert row["lower"] == row["upper"] == str(4 * comb(4 + 6 - 1, 6)) and row["certified"] == "exact"


def test_json_records(capsys):
    assert main(["bounds", "-L", "1,2", "-R", "2", "-M", "2", "-T", "4:6:2", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [(r["depth"], r["length"]) for r in records] == [(1, 4), (1, 6), (2, 4), (2, 6)]
    required = {"depth", "hidden", "inputs", "length", "cut", "lower", "upper", "exact", "theorem_lower",
                "degree_upper", "prime", "seed", "seconds"}
    assert all(required <= set(r) for r in records)
    assert all(r["lower"] <= r["upper"] for r in records)


def test_other_cuts_and_closed_form(capsys):
    assert main(["bounds", "-L", "2", "-R", "3", "-M", "2", "-T", "7", "--cut", "prefix:3", "--json"]) == 0
    (r,) = json.loads(capsys.readouterr().out)
    assert r["cut"] == "prefix:3" and r["lower"] == r["upper"] == 2**3
    assert main(["bounds", "-L", "3", "-R", "4", "-M", "4", "-T", "32", "--method", "closed-form"]) == 0
    assert "interval" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["--depth", "0", "--hidden", "2", "--inputs", "2", "--length", "4"], "depth"),
        (["--depth", "2", "--hidden", "2", "--inputs", "2", "--length", "5"], "length"),
        (["--depth", "2", "--hidden", "2", "--inputs", "2", "--length", "4", "--cut", "zigzag"], "cut"),
        (["--depth", "2", "--hidden", "2", "--inputs", "2", "--length", "4", "--prime", "100"], "prime"),
        (["--depth", "x", "--hidden", "2", "--inputs", "2", "--length", "4"], "--depth"),
        (["--depth", "2", "--hidden", "4", "--inputs", "4", "--length", "32", "--engine", "grid",
          "--max-memory", "1MiB"], "memory limit"),
    ],
)
def test_bad_input_prints_one_line_and_exits_2(capsys, argv, needle):
    assert main(["bounds", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err


def test_console_script_exits_2_without_traceback():
    exe = shutil.which("tnrnn") or None
    cmd = [exe] if exe else [sys.executable, "-m", "tnrnn.cli"]
    proc = subprocess.run([*cmd, "bounds", "--depth", "2", "--hidden", "2", "--inputs", "2", "--length", "3"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    missing = subprocess.run([*cmd, "bounds", "--depth", "2"], capture_output=True, text=True)
    assert missing.returncode == 2 and "required" in missing.stderr


def test_help_has_examples(capsys):
    with pytest.raises(SystemExit) as info:
        main(["bounds", "--help"])
    assert info.value.code == 0
    assert "examples:" in capsys.readouterr().out


TIMINGS = ("seconds", "details", "run_id", "timestamp")  # timings, and the identity of the run that printed them


def _untimed(records):
    return [{k: v for k, v in r.items() if k not in TIMINGS} for r in records]


def test_out_streams_and_resume_runs_only_the_missing(tmp_path, capsys):
    out = tmp_path / "ranks.jsonl"
    base = ["bounds", "-L", "1,2", "-R", "2", "-M", "2", "--no-progress", "--out", str(out)]
    assert main([*base, "-T", "4,6"]) == 0
    capsys.readouterr()
    assert len(out.read_text().splitlines()) == 4
    assert main([*base, "-T", "4,6"]) == 2  # never mixed into without --resume
    assert "--resume" in capsys.readouterr().err
    assert main([*base, "-T", "4:8:2", "--resume", "--json"]) == 0
    captured = capsys.readouterr()
    records = json.loads(captured.out)
    assert [(r["depth"], r["length"]) for r in records] == [(L, T) for L in (1, 2) for T in (4, 6, 8)]
    assert "2 configurations appended" in captured.err and "(4 already there)" in captured.err
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted((d["config"]["depth"], d["config"]["length"]) for d in lines) == \
        [(L, T) for L in (1, 2) for T in (4, 6, 8)]
    assert main(["bounds", "-L", "1,2", "-R", "2", "-M", "2", "-T", "4:8:2", "--json"]) == 0
    assert _untimed(json.loads(capsys.readouterr().out)) == _untimed(records)  # resumed = run at once


def test_a_failing_configuration_is_reported_and_the_others_go_on(tmp_path, capsys):
    out = tmp_path / "ranks.jsonl"
    # an explicit sample is never shrunk to fit (without --samples the grid engine samples what fits)
    argv = ["bounds", "-L", "2", "-R", "4", "-M", "4", "-T", "4,32", "--engine", "grid", "--max-memory", "200MiB",
            "--samples", "4000", "--out", str(out), "--no-progress"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    rows = captured.out.strip().splitlines()
    assert len(rows) == 2 and rows[1].split()[3] == "4"  # the T=4 row
    errors = [line for line in captured.err.splitlines() if "error" in line]
    assert len(errors) == 1 and "T=32" in errors[0] and "memory limit" in errors[0]
    statuses = sorted((json.loads(line)["config"]["length"], json.loads(line)["status"])
                      for line in out.read_text().splitlines())
    assert statuses == [(4, "ok"), (32, "error")]


def test_workers_give_the_serial_records(capsys):
    pytest.importorskip("distributed")
    argv = ["bounds", "-L", "1,2", "-R", "2,3", "-M", "2", "-T", "4,6", "--json", "--no-progress"]
    assert main(argv) == 0
    serial = json.loads(capsys.readouterr().out)
    assert main([*argv, "--workers", "2"]) == 0
    assert _untimed(json.loads(capsys.readouterr().out)) == _untimed(serial)
    # one or the other (an argparse error: one line, status 2)
    assert main([*argv, "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "not allowed with" in capsys.readouterr().err
    assert main([*argv, "--resume"]) == 2 and "--out" in capsys.readouterr().err
