import json

import pytest

from tnrnn.cli import main


def test_compile_text(capsys):
    assert main(["compile", "--depth", "2", "--hidden", "3", "--inputs", "2", "--length", "4"]) == 0
    out = capsys.readouterr().out
    assert "4, 3, 2, 1" in out and "equal to the closed form" in out
    assert "recurrence" in out and "flops" in out


def test_compile_json(capsys):
    argv = ["compile", "-L", "3", "-R", "2", "-M", "2", "-T", "3", "--json", "--optimize", "greedy,recurrence,optimal"]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["network"]["copies"] == [6, 3, 1]          # C(L+T-t-2, L-1) for L = 3, T = 3
    costs = {c["optimizer"]: c for c in record["costs"]}
    assert costs["greedy"]["output_size"] == 2 ** 3
    assert "error" in costs["optimal"]                        # exhaustive search refused on 28 tensors


def test_spectrum_text_and_json(capsys):
    argv = ["spectrum", "-L", "1", "-R", "3", "-M", "2", "-T", "8"]
    assert main(argv) == 0
    assert "numerical rank 3" in capsys.readouterr().out
    assert main(argv + ["--json", "--cut", "prefix:1"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["numerical_rank"] == 2 and record["backend"] == "numpy"     # min(R, M^1)
    assert record["seconds"] >= 0


def test_spectrum_torch_backend(capsys):
    pytest.importorskip("torch")
    argv = ["spectrum", "-L", "1", "-R", "3", "-M", "2", "-T", "8", "--json", "--backend", "torch", "--cut", "prefix:1"]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["numerical_rank"] == 2 and record["backend"] == "torch"     # min(R, M^1)


@pytest.mark.parametrize("argv", [
    ["compile", "-L", "0", "-R", "2", "-M", "2", "-T", "3"],
    ["compile", "-L", "1", "-R", "2", "-M", "2", "-T", "3", "--optimize", "nope"],
    ["spectrum", "-L", "1", "-R", "2", "-M", "2", "-T", "5"],                      # odd T, start-end
    ["spectrum", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "--backend", "jax"],
    ["spectrum", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "--tol", "-1"],
    ["spectrum", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "--method", "svd"],
    ["spectrum", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "--max-memory", "lots"],
])
def test_invalid_input_prints_one_line_and_exits_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "error" in err


@pytest.mark.parametrize("command", ["compile", "spectrum"])
def test_help_has_examples(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"tnrnn {command} --depth" in out


def test_spectrum_slices_on_a_cluster_what_the_memory_limit_refuses(capsys):
    pytest.importorskip("distributed")
    # T = 8: the contraction's peak (3 MiB) is above a limit (1600 KiB) that the network itself fits under
    argv = ["spectrum", "-L", "2", "-R", "8", "-M", "4", "-T", "8", "--method", "dense", "--json"]
    assert main(argv) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main([*argv, "--max-memory", "1600KiB"]) == 2
    assert "memory limit" in capsys.readouterr().err
    assert main([*argv, "--max-memory", "1600KiB", "--workers", "2"]) == 0
    sliced = json.loads(capsys.readouterr().out)
    assert sliced["numerical_rank"] == plain["numerical_rank"]
    top = plain["singular_values"][0]
    assert max(abs(a - b) for a, b in zip(sliced["singular_values"], plain["singular_values"])) <= 1e-12 * top
