"""``tnrnn import``: weights files in, import summary and empirical spectrum out."""

import json

import numpy as np
import pytest

from tnrnn.cli import main

torch = pytest.importorskip("torch")
nn = torch.nn

from tnrnn.bridge.nn import RACModule  # noqa: E402


def _run(capsys, *argv):
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def lstm_file(tmp_path):
    torch.manual_seed(0)
    lstm, fc = nn.LSTM(3, 4, num_layers=2, batch_first=True), nn.Linear(4, 1)
    state = {f"rnn.{k}": v for k, v in lstm.state_dict().items()}
    state.update({f"fc.{k}": v for k, v in fc.state_dict().items()})
    path = tmp_path / "model.pt"
    torch.save(state, path)
    return path


def test_import_lstm_json_spectrum(capsys, lstm_file):
    code, out, err = _run(capsys, "import", lstm_file, "--arch", "lstm", "--length", 4, "--spectrum", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["import"]["arch"] == "lstm"
    assert (result["import"]["depth"], result["import"]["hidden"], result["import"]["inputs"]) == (2, 4, 3)
    spec = result["spectrum"]
    assert spec["shape"] == [9, 9] and spec["exhaustive"] and spec["seed"] == 0
    assert 1 <= spec["numerical_rank"] <= 9 and len(spec["singular_values"]) == 9
    assert spec["singular_values"] == sorted(spec["singular_values"], reverse=True)


def test_import_table_output_and_sampling(capsys, lstm_file):
    code, out, _ = _run(capsys, "import", lstm_file, "--arch", "lstm", "--length", 6, "--spectrum",
                        "--samples", 5, "--seed", 3, "--tol", "1e-9")
    assert code == 0
    assert "numerical rank" in out and "5 x 5" in out and "seed 3" in out and "tol 1.00e-09" in out


def test_import_without_spectrum(capsys, lstm_file):
    code, out, _ = _run(capsys, "import", lstm_file, "--arch", "lstm", "--json")
    assert code == 0
    assert "spectrum" not in json.loads(out)


def test_shallow_rac_file_has_rank_r(capsys, tmp_path):
    net = RACModule(depth=1, hidden=3, inputs=2, seed=0)
    path = tmp_path / "rac.safetensors"
    from safetensors.torch import save_file

    save_file(net.state_dict(), str(path))
    code, out, err = _run(capsys, "import", path, "--arch", "rac", "--inputs", 2, "--hidden", 3, "--length", 4,
                          "--spectrum", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["import"]["exact"] is True
    assert result["spectrum"]["numerical_rank"] == 3  # min(R, M**(T/2)) = min(3, 4)
    # the certified rank beside it: Theorem 1's min(R, M**(T/2)) = 3 is also the GF(p) rank here
    assert result["spectrum"]["certified"]["lower"] == result["spectrum"]["certified"]["upper"] == 3


def _one_line_error(code, out, err):
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


def test_malicious_file_is_refused_in_one_line(capsys, tmp_path):
    target = tmp_path / "created.txt"

    class Payload:
        def __reduce__(self):
            return (open, (str(target), "w"))

    path = tmp_path / "evil.pt"
    torch.save({"weight_ih_l0": torch.zeros(4, 3), "payload": Payload()}, path)
    err = _one_line_error(*_run(capsys, "import", path, "--arch", "rnn", "--length", 4, "--spectrum"))
    assert "tnrnn import: error: refused to load" in err
    assert not target.exists()


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--hidden", "5"], "rnn.weight_ih_l0"),
        (["--arch", "gru"], "rnn.weight_hh_l0"),
        (["--spectrum"], "--length"),
        (["--length", "5", "--spectrum"], "length"),
        (["--length", "4", "--spectrum", "--channel", "3"], "channel"),
        (["--length", "4", "--spectrum", "--samples", "0"], "samples"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, lstm_file, extra, needle):
    argv = ["import", lstm_file, "--arch", "lstm", *extra]
    err = _one_line_error(*_run(capsys, *argv))
    assert needle in err


def test_missing_file_and_bad_arch(capsys, tmp_path):
    err = _one_line_error(*_run(capsys, "import", tmp_path / "absent.npz", "--arch", "gru"))
    assert "existing file" in err
    assert main(["import", str(tmp_path / "x.npz"), "--arch", "transformer"]) == 2   # argparse's choices
    assert "--arch" in capsys.readouterr().err


def test_npz_with_nan_names_the_key(capsys, tmp_path):
    rng = np.random.default_rng(0)
    state = {"weight_ih_l0": rng.normal(size=(3, 2)), "weight_hh_l0": rng.normal(size=(3, 3))}
    state["weight_hh_l0"][1, 1] = np.nan
    path = tmp_path / "rnn.npz"
    np.savez(path, **state)
    err = _one_line_error(*_run(capsys, "import", path, "--arch", "rnn"))
    assert "weight_hh_l0" in err and "NaN" in err
