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
