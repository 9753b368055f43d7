"""``tnrnn plot`` re-draws saved results; ``tnrnn import`` compares several models; records carry versions."""

import json

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")

from tnrnn.cli import main  # noqa: E402
from tnrnn.errors import InvalidParameterError, MissingDependencyError  # noqa: E402
from tnrnn.results import read_records, to_pandas  # noqa: E402


def _out(capsys, argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def _figure_lines(path):
    """The spectrum lines of a saved SVG, by gid."""
    text = path.read_text()
    return text.count('id="spectrum:'), text


def test_plot_bounds_records(tmp_path, capsys):
    out = _out(capsys, ["bounds", "-L", "1,2", "-R", "2", "-M", "2", "-T", "2:6:2", "--json", "--quiet"])
    records = json.loads(out)
    assert all(r["versions"]["tnrnn"] for r in records)
    path = tmp_path / "ranks.json"
    path.write_text(out)
    figure = tmp_path / "ranks.svg"
    assert "6 ranks records" in _out(capsys, ["plot", path, "--plot", figure])
    assert figure.stat().st_size > 0


def test_plot_bench_records_from_json_lines(tmp_path, capsys):
    out = tmp_path / "bench.jsonl"
    _out(capsys, ["bench", "-L", "1", "-R", "2", "-M", "2", "-T", "3,4", "--strategies", "greedy",
                  "--repeats", "1", "--out", out, "--quiet"])
    for kind in ("flops", "time"):
        figure = tmp_path / f"{kind}.png"
        assert "bench records" in _out(capsys, ["plot", out, "--plot-kind", kind, "--plot", figure])
        assert figure.read_bytes()[:4] == b"\x89PNG"


def test_plot_spectrum_record(tmp_path, capsys):
    out = _out(capsys, ["spectrum", "-L", "1", "-R", "3", "-M", "2", "-T", "6", "--json"])
    assert json.loads(out)["versions"]["numpy"] == np.__version__
    path = tmp_path / "spectrum.json"
    path.write_text(out)
    _out(capsys, ["plot", path, "--plot", tmp_path / "s.svg"])
    assert 'id="singular-values"' in (tmp_path / "s.svg").read_text()


def test_plot_refuses_what_it_cannot_draw(tmp_path, capsys):
    path = tmp_path / "compile.json"
    path.write_text(_out(capsys, ["compile", "-L", "1", "-R", "2", "-M", "2", "-T", "3", "--json"]))
    assert main(["plot", str(path), "--plot", str(tmp_path / "x.png")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["plot", str(tmp_path / "absent.json"), "--plot", str(tmp_path / "x.png")]) == 2


def test_import_several_models_one_table_one_overlay(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    paths = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        state = {f"rnn.{k}": v for k, v in nn.GRU(2, 3, batch_first=True).state_dict().items()}
        state.update({f"head.{k}": v for k, v in nn.Linear(3, 1).state_dict().items()})
        state["decoder.weight"] = torch.zeros(5, 7)
        paths.append(tmp_path / f"model{seed}.pt")
        torch.save(state, paths[-1])
    figure = tmp_path / "cmp.svg"
    out = _out(capsys, ["import", *paths, "--ignore", "decoder.", "-T", "4", "--spectrum", "--plot", figure, "-q"])
    lines = out.strip().splitlines()
    # columns equal on both rows (same architecture and shape) are said once, above the table
    constant = dict(line.split(": ", 1) for line in lines if ": " in line)
    assert constant["arch"] == "gru" and constant["R"] == "3" and constant["M"] == "2" and "energy" in constant
    table = [line for line in lines if ": " not in line]
    assert table[0].split()[0] == "model" and "arch" not in table[0].split()
    assert [line.split()[0] for line in table[1:]] == ["model0.pt", "model1.pt"]
    assert all(line == line.rstrip() for line in lines)
    n_lines, svg = _figure_lines(figure)
    assert n_lines == 2 and "model0.pt" in svg
    # the JSON list re-draws as the same overlay
    records = json.loads(_out(capsys, ["import", *paths, "--ignore", "decoder.", "-T", "4", "--spectrum", "--json"]))
    assert [r["label"] for r in records] == ["model0.pt", "model1.pt"]
    for r in records:
        s = np.array(r["spectrum"]["singular_values"])
        # the headline rank keeps 99.99% of sum s^2, and no fewer values would
        k = r["spectrum"]["rank"]
        assert np.sum(s[:k] ** 2) >= 0.9999 * np.sum(s**2) * (1 - 1e-12)
        assert k == 1 or np.sum(s[:k - 1] ** 2) < 0.9999 * np.sum(s**2)
    saved = tmp_path / "models.json"
    saved.write_text(json.dumps(records))
    _out(capsys, ["plot", saved, "--plot", tmp_path / "again.svg"])
    assert _figure_lines(tmp_path / "again.svg")[0] == 2
    # without --ignore the unknown key is named
    assert main(["import", str(paths[0])]) == 2
    assert "decoder.weight" in capsys.readouterr().err


def test_load_results_and_to_pandas(tmp_path, capsys):
    path = tmp_path / "ranks.json"
    path.write_text(_out(capsys, ["bounds", "-L", "1", "-R", "2", "-M", "2", "-T", "2,4", "--json", "-q"]))
    records = read_records(path)
    assert [r["length"] for r in records] == [2, 4]
    with pytest.raises(InvalidParameterError):
        read_records(tmp_path / "absent.json", missing_ok=False)
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(MissingDependencyError, match="pandas"):
            to_pandas(records)
    else:
        df = to_pandas(records)
        assert list(df["length"]) == [2, 4] and "versions.tnrnn" in df.columns
