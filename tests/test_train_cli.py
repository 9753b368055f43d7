"""``tnrnn train`` from the command line: option checks naming the option, plans, progress lines, plot round trip."""

import json
import subprocess
import sys

import pytest

from tnrnn.cli import main

TINY = ["train", "ses", "--arch", "scornn", "--depth", "1,2", "--hidden", "4", "--length", "4", "--n-seeds", "3",
        "--alphabet", "2", "--window", "1", "--classes", "1", "--max-steps", "20", "--eval-every", "10",
        "--spectrum-samples", "4", "--val-size", "32", "--test-size", "32"]


@pytest.mark.parametrize("option,value", [("--hidden", "0"), ("--length", "1"), ("--batch-size", "0"),
                                          ("--alphabet", "0"), ("--n-seeds", "0"), ("--n-seeds", "100000"),
                                          ("--max-steps", "1000000000000"), ("--max-steps", "0"), ("--lr", "nan"),
                                          ("--lr", "-1"), ("--lr-decays", "11"), ("--depth", "0"),
                                          ("--budget", "equal"), ("--success", "1.5"), ("--hidden", "5000"),
                                          ("--eval-every", "0"), ("--spectrum-samples", "0")])
def test_out_of_range_options_are_refused_naming_the_option(tmp_path, capsys, option, value):
    args = ["train", "ses", "--length", "8", "--out", str(tmp_path / "o"), option, value]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tnrnn train: error:")
    assert (option if option != "--steps" else "--max-steps") in err
    assert not (tmp_path / "o").exists()  # refused before anything was written


def test_empty_out_and_non_integers_refused(capsys):
    assert main(["train", "ses", "--length", "8", "--out", ""]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["train", "ses", "--length", "8", "--out", "x", "--hidden", "4.5"]) == 2
    assert "--hidden" in capsys.readouterr().err


def test_memory_estimated_before_allocating(tmp_path, capsys):
    args = ["train", "ses", "--length", "64", "--alphabet", "32", "--window", "30", "--n-seeds", "1000",
            "--batch-size", "4096", "--hidden", "512", "--out", str(tmp_path / "o"), "--max-memory", "1GiB"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "memory limit" in err and "--n-seeds" in err


def test_paper_preset_dry_run_on_cpu(tmp_path, capsys):
    assert main(["train", "ses", "--preset", "paper", "--out", str(tmp_path / "p"), "--dry-run", "--json",
                 "--quiet"]) == 0
    plan = json.loads(capsys.readouterr().out)
    groups = plan["groups"]
    assert {g["seeds"] for g in groups} == {32} and {g["device"] for g in groups} == {"cuda"}
    assert {g["L"] for g in groups} == {1, 2, 3} and len({g["T"] for g in groups}) >= 3
    assert {g["H"] for g in groups if g["L"] == 1} == {64}
    assert main(["train", "ses", "--preset", "repro-cpu", "--out", str(tmp_path / "r"), "--dry-run"]) == 0
    out = capsys.readouterr()
    assert "seeds: 30" in out.out and "largest group needs" in out.out and "estimated time" in out.out
    assert plan["estimated_seconds"] > 0


def test_readme_dry_run_from_an_empty_folder(tmp_path, monkeypatch, capsys):
    """The README's command, verbatim, in a folder without results/: it plans, creates nothing, states a time."""
    from tnrnn.tasks.batched import stack_step_seconds

    monkeypatch.chdir(tmp_path)
    assert main(["train", "ses", "--preset", "repro-cpu", "--out", "results/repro", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "estimated time at most about" in out and not (tmp_path / "results").exists()
    # the estimate is the sum over the 20 groups of 30 stacked seeds of cap x the step model
    from tnrnn.tasks import PRESETS
    from tnrnn.tasks.data import make_task

    assert main(["train", "ses", "--preset", "repro-cpu", "--out", "results/repro", "--dry-run", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    p = PRESETS["repro-cpu"]["ses"]
    want = sum(p["max_steps"] * stack_step_seconds(
        g["seeds"], p["batch_size"], make_task("ses", g["T"], alphabet=4, window=4).length, g["H"], g["L"])
        for g in plan["groups"])
    assert len(plan["groups"]) == 20 and plan["estimated_seconds"] == pytest.approx(want, abs=0.1)


def test_train_stats_table_progress_lines_and_plot_round_trip(tmp_path, capsys):
    pytest.importorskip("torch")
    out = tmp_path / "res"
    cmd = [sys.executable, "-m", "tnrnn", *TINY, "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr and "tnrnn train:" in proc.stderr  # lines, not bars, on a pipe
    assert "Wilson" in proc.stdout and "Mann-Whitney p" in proc.stdout
    for name in ("success.png", "accuracy.png", "rank.png", "summary.jsonl", "records.jsonl"):
        assert (out / name).exists(), name
    from tnrnn.records import read_records

    summary = read_records(out / "summary.jsonl")
    assert {r["kind"] for r in summary} == {"train-summary", "train-comparison"}
    records = read_records(out / "records.jsonl")
    assert len(records) == 6 and {r["train"]["seeds_together"] for r in records} == {3}
    from tnrnn.cli.plot import record_kind

    assert {record_kind(r) for r in records} == {"train"}
    assert main(["plot", str(out / "records.jsonl"), "--plot", str(tmp_path / "again.png")]) == 0
    assert (tmp_path / "again.png").stat().st_size > 0
    assert main(TINY + ["--out", str(out), "--quiet"]) == 2          # one resume rule: refused before any work
    assert "--resume" in capsys.readouterr().err
    assert main(TINY + ["--out", str(out), "--quiet", "--json", "--resume"]) == 0
    quiet = capsys.readouterr()
    assert quiet.err == ""  # resumed, nothing retrained, nothing said
    assert [json.loads(line)["key"] for line in quiet.out.splitlines()] == [r["key"] for r in records]


def test_sensitivity_preset_is_the_repro_cells_at_t16_with_the_longer_rule(tmp_path, capsys):
    """repro-cpu-sensitivity: the repro-cpu cells at T = 16 (same widths, seeds, optimiser) with patience 10 and a
    6000-step cap; --patience / --max-steps give the single-factor arms."""
    from tnrnn.tasks import PRESETS

    base, arm = PRESETS["repro-cpu"]["ses"], PRESETS["repro-cpu-sensitivity"]["ses"]
    assert {k: v for k, v in arm.items() if k not in ("lengths", "patience", "max_steps")} == \
        {k: v for k, v in base.items() if k not in ("lengths", "patience", "max_steps")}
    assert (arm["lengths"], arm["patience"], arm["max_steps"]) == ([16], 10, 6000)
    assert (base["patience"], base["max_steps"]) == (4, 3000)
    assert main(["train", "ses", "--preset", "repro-cpu-sensitivity", "--out", str(tmp_path / "s"), "--dry-run",
                 "--json", "--quiet"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert {g["T"] for g in plan["groups"]} == {16} and {g["max_steps"] for g in plan["groups"]} == {6000}
    assert sorted((g["L"], g["H"]) for g in plan["groups"]) == [(1, 16), (2, 9), (2, 16), (3, 7), (3, 16)]
