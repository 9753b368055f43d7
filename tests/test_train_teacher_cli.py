"""``tnrnn train teacher`` from the command line: refused values naming the option, the presets, a tiny run."""

import json
import os

import pytest

from tnrnn.cli import main

BASE = ["train", "teacher", "--teacher-hidden", "3", "--inputs", "3", "--length", "4", "--depth", "1,2",
        "--hidden", "2"]


@pytest.mark.parametrize("option,value", [
    ("--length", "5"), ("--length", "1"), ("--teacher-circuit", "lstm"), ("--teacher-depth", "0"),
    ("--teacher-depth", "x"), ("--teacher-hidden", "0"), ("--inputs", "1"), ("--min-floor", "1.5"),
    ("--min-floor", "nan"), ("--budget", "match"), ("--depth", "4"), ("--teacher-seed", "-1"), ("--n-seeds", "0"),
    ("--max-steps", "0"), ("--alphabet", "4"), ("--preset", "repro-cpu"), ("--lr", "-1"),
    ("--student-circuit", "lstm"), ("--student-circuit", "rac,lstm"), ("--student-circuit", ""),
])
def test_bad_values_are_one_line_naming_the_option(tmp_path, capsys, option, value):
    args = [*BASE, "--out", str(tmp_path / "o"), option, value]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tnrnn train: error:")
    assert option in err
    assert not (tmp_path / "o").exists()


def test_teacher_options_refused_on_other_tasks(tmp_path, capsys):
    assert main(["train", "ses", "--length", "8", "--out", str(tmp_path / "o"), "--teacher-depth", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--teacher-depth" in err


def test_grid_memory_refused_before_allocating(tmp_path, capsys):
    assert main([*BASE, "--length", "30", "--out", str(tmp_path / "o"), "--max-memory", "1GiB"]) == 2
    err = capsys.readouterr().err
    assert "memory limit" in err and "--length" in err


def test_cpu_preset_plan(tmp_path, capsys):
    assert main(["train", "teacher", "--preset", "cpu", "--out", str(tmp_path / "p"), "--dry-run", "--json",
                 "--quiet"]) == 0
    plan = json.loads(capsys.readouterr().out)
    groups = plan["groups"]
    assert {g["seeds"] for g in groups} == {20} and {g["L"] for g in groups} == {1, 2, 3}
    assert len({g["T"] for g in groups}) >= 3 and len({g["teacher R"] for g in groups}) >= 2
    assert main(["train", "teacher", "--preset", "gpu", "--out", str(tmp_path / "g"), "--dry-run"]) == 0


def test_tiny_run_table_figure_and_plot_round_trip(tmp_path, capsys):
    pytest.importorskip("torch")
    out = tmp_path / "t"
    args = [*BASE, "--n-seeds", "2", "--max-steps", "20", "--eval-every", "10", "--val-size", "32",
            "--batch-size", "16", "--out", str(out), "--quiet"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "depth-1 floor" in text and "p Holm" in text
    assert (out / "teacher.npz").exists() and (out / "teacher.png").stat().st_size > 0
    with open(out / "records.jsonl") as f:
        kinds = [json.loads(line)["kind"] for line in f]
    assert kinds.count("teacher-student") == 2 * 3 and kinds.count("teacher-spectrum") == 1
    assert main(["plot", str(out / "records.jsonl"), "--plot", str(tmp_path / "again.png"), "--quiet"]) == 0
    assert os.path.getsize(tmp_path / "again.png") > 0
    assert "depth-1 floor" in capsys.readouterr().out
    # the one resume rule: a folder with records is refused without --resume; --resume retrains nothing
    assert main(args) == 2 and "--resume" in capsys.readouterr().err
    assert main([*args, "--resume"]) == 0
    with open(out / "records.jsonl") as f:
        assert len(f.readlines()) == len(kinds)


def test_bad_student_circuit_names_the_allowed_kinds(tmp_path, capsys):
    assert main([*BASE, "--out", str(tmp_path / "o"), "--student-circuit", "mamba"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--student-circuit" in err and "mamba" in err
    assert all(k in err for k in ("rac", "ssm", "gla"))
    assert main(["train", "ses", "--length", "8", "--out", str(tmp_path / "s"), "--student-circuit", "ssm"]) == 2
    assert "--student-circuit" in capsys.readouterr().err


def test_student_circuit_gla_tiny_run(tmp_path, capsys):
    pytest.importorskip("torch")
    out = tmp_path / "g"
    args = [*BASE, "--student-circuit", "gla", "--budget", "none", "--n-seeds", "2", "--max-steps", "10",
            "--eval-every", "5", "--val-size", "16", "--batch-size", "8", "--out", str(out), "--quiet", "--no-plot"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "depth-1 floor" in text and "gla" in text
    with open(out / "records.jsonl") as f:
        students = [r for r in map(json.loads, f) if r["kind"] == "teacher-student"]
    assert {(r["student_circuit"], r["depth"], r["hidden"]) for r in students} == {("gla", 1, 2), ("gla", 2, 2)}
    assert all(set(r["weights"]) == {f"{n}{k}" for n in "AKVQ" for k in range(1, r["depth"] + 1)} | {"WO"}
               for r in students)
    assert main(["train", "teacher", "--student-circuit", "rac,gla,rac", "--preset", "cpu", "--out",
                 str(tmp_path / "p"), "--dry-run", "--json", "--quiet"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["spec"]["student_circuits"] == ["rac", "gla"]
    assert {g["student"] for g in plan["groups"]} == {"rac", "gla"}
