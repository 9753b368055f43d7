"""Hostile inputs, third round (issue 30): each group by a representative, under an address-space cap."""

import subprocess
import sys

import pytest

from tnrnn.errors import InvalidParameterError, MemoryLimitError, TnrnnError

CAP = 3 * 2**30   # 3 GiB of address space for the CLI runs


def _tnrnn(*argv, timeout=120):
    code = (f"import resource, sys; resource.setrlimit(resource.RLIMIT_AS, ({CAP}, {CAP})); "
            "from tnrnn.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=timeout)


def _one_line(result, status=2):
    assert result.returncode == status, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return lines[0]


def test_scheduler_that_is_not_an_address_is_one_line():
    line = _one_line(_tnrnn("bounds", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--scheduler", "notaurl"))
    assert "--scheduler" in line and "tcp://host:8786" in line


def test_kernel_far_above_the_memory_limit_is_refused_before_allocation():
    from tnrnn.memory.targets import sample_kernel

    with pytest.raises(MemoryLimitError, match="horizon") as info:
        sample_kernel("exp", horizon=1e12, dt=1e-3)
    assert isinstance(info.value, TnrnnError)


@pytest.mark.parametrize("address", ["tcp://h:0", "tcp://h:99999", "http://h:8786", "tcp://h", "ｔcp://h:1"])
def test_scheduler_addresses_are_checked(address):
    from tnrnn.clusters import check_scheduler_address

    with pytest.raises(InvalidParameterError, match="scheduler"):
        check_scheduler_address(address)


@pytest.fixture(scope="module")
def linear_npz(tmp_path_factory):
    import numpy as np

    path = tmp_path_factory.mktemp("lin") / "lin.npz"
    rng = np.random.default_rng(0)
    np.savez(path, W=0.3 * rng.standard_normal((4, 4)), U=rng.standard_normal((4, 1)), c=rng.standard_normal(4))
    return str(path)


@pytest.mark.parametrize("argv, option", [
    (["memory", "lyapunov", "{npz}", "--arch", "linear", "--steps", "99999999999"], "--steps"),
    (["memory", "horizon", "{npz}", "--arch", "linear", "--lags", "99999999999"], "--lags"),
    (["memory", "function", "{npz}", "--arch", "linear", "--directions", "1000000000"], "--directions"),
])
def test_sizes_growing_with_an_option_are_estimated_before_allocation(linear_npz, argv, option):
    if argv[1] in ("lyapunov", "horizon"):   # measured through torch (autograd, Jacobians)
        pytest.importorskip("torch")
    line = _one_line(_tnrnn(*[a.format(npz=linear_npz) for a in argv]))
    assert "estimated" in line and option in line and "missed" not in line


def test_huge_depth_sweeps_are_refused_at_once():
    line = _one_line(_tnrnn("bounds", "-L", "1:10000", "-R", "2", "-M", "2", "-T", "4"))
    assert "--depth" in line and "split the sweep" in line


def test_compare_lengths_are_estimated_before_any_data(tmp_path):
    line = _one_line(_tnrnn("memory", "compare", "--length", "100000000", "--out", str(tmp_path / "c")))
    assert "estimated" in line and "--length" in line
    assert not (tmp_path / "c").exists()


@pytest.mark.slow
def test_quiet_compare_prints_nothing_on_a_pipe(tmp_path):
    pytest.importorskip("torch")
    r = _tnrnn("memory", "compare", "--preset", "smoke", "--units", "gru", "--length", "8", "--seeds", "0",
               "--max-steps", "3", "--out", str(tmp_path / "c"), "-q", timeout=600)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""


def test_slice_counts_are_bounded_before_contracting():
    line = _one_line(_tnrnn("spectrum", "-L", "2", "-R", "3", "-M", "3", "-T", "6", "--slice-to", "1", "--slice"))
    assert "--slice-to" in line and "slices" in line


# -- resume onto another command's records ------------------------------------------------------------
_BENCH_LINE = '{"kind": "sweep", "task": "bench", "config": {"depth": 1}, "status": "ok", "result": []}\n'
_BOUNDS_LINE = '{"kind": "bounds", "depth": 1, "hidden": 2, "inputs": 2, "length": 4, "lower": 2, "upper": 2}\n'


@pytest.mark.parametrize("argv, content, expected, holds", [
    (["bounds", "-L", "1", "-R", "2", "-M", "2", "-T", "4"], _BENCH_LINE, "bounds", "bench"),
    (["memory", "curse", "--no-train", "-R", "1"], _BOUNDS_LINE, "approximation", "bounds"),
    (["bounds", "-L", "1", "-R", "2", "-M", "2", "-T", "4"], '{"a": 1}\n', "bounds", "no-kind"),
])
def test_resume_onto_another_commands_records_is_one_line(tmp_path, argv, content, expected, holds):
    out = tmp_path / "records.jsonl"
    out.write_text(content)
    line = _one_line(_tnrnn(*argv, "--resume", "--out", str(out), "-q"))
    assert "--out" in line and f"{expected} records" in line and f"holds {holds} records" in line
    assert out.read_text() == content   # nothing appended


def test_train_and_compare_folders_holding_bounds_records_are_refused(tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "records.jsonl").write_text(_BOUNDS_LINE)
    line = _one_line(_tnrnn("train", "copy", "--preset", "cpu", "--out", str(tmp_path / "t"), "--resume", "-q"))
    assert "--out" in line and "train records" in line and "bounds" in line
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "compare.jsonl").write_text(_BOUNDS_LINE)
    line = _one_line(_tnrnn("memory", "compare", "--preset", "smoke", "--out", str(tmp_path / "c"), "--resume", "-q"))
    assert "--out" in line and "compare records" in line and "bounds" in line


def test_writer_checks_kinds_of_sweep_lines_and_records(tmp_path):
    from tnrnn.records import JsonlWriter

    path = tmp_path / "r.jsonl"
    path.write_text(_BENCH_LINE)
    with JsonlWriter(path, resume=True, kinds=("bench",)) as w:   # the same task: resumed
        assert len(w.existing) == 1
    with pytest.raises(InvalidParameterError, match="holds bench records"):
        JsonlWriter(path, resume=True, kinds=("bounds",), name="--out")
    with JsonlWriter(path, resume=True) as w:   # no kinds declared: the caller checks
        assert len(w.existing) == 1


# -- full disks: train and memory compare rescue their records ---------------------------------------------
def _full_disk(monkeypatch):
    import errno

    from tnrnn.records import JsonlWriter

    def full(self):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(JsonlWriter, "_read_new", full)   # every append fails as on a full device


def _rescued(capsys, status):
    assert status == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and "could not write --out" in lines[0] and "No space left" in lines[0], lines
    rescue = lines[0].rsplit("saved to ", 1)[1].strip()
    from tnrnn.records import read_records

    return read_records(rescue, missing_ok=False)


def test_train_on_a_full_disk_exits_1_with_a_rescue_file(tmp_path, monkeypatch, capsys):
    pytest.importorskip("torch")
    pytest.importorskip("safetensors")
    from tnrnn.cli import main
    from tnrnn.tasks import training

    def fake(c, **kw):
        return {"kind": "train", "key": training.config_key(c), "config": c}
    monkeypatch.setattr(training, "run_config", fake)
    monkeypatch.setattr(training, "run_seeds", lambda group, **kw: [fake(c) for c in group])
    _full_disk(monkeypatch)
    rescued = _rescued(capsys, main(["train", "copy", "--preset", "cpu", "--out", str(tmp_path / "t"), "-q"]))
    assert rescued and all(r["kind"] == "train" for r in rescued)


def test_memory_compare_on_a_full_disk_exits_1_with_a_rescue_file(tmp_path, monkeypatch, capsys):
    pytest.importorskip("torch")
    from tnrnn.cli import main
    from tnrnn.measures import compare

    monkeypatch.setattr(compare, "run_network", lambda c: {"kind": "compare", "key": compare.config_key(c)})
    _full_disk(monkeypatch)
    rescued = _rescued(capsys, main(["memory", "compare", "--preset", "smoke", "--out", str(tmp_path / "c"), "-q"]))
    assert rescued and all(r["kind"] == "compare" for r in rescued)


# -- strict ASCII integers -----------------------------------------------------------------------------------
def test_no_option_parses_integers_with_bare_int():
    from tnrnn.cli import build_parser
    from tnrnn.cli._common import leaf_parsers

    bare = [(name, a.dest) for name, p in leaf_parsers(build_parser()) for a in p._actions if a.type in (int, float)]
    assert bare == []


@pytest.mark.parametrize("text", ["٠.٥", "１", "1_0.5", "0x1p-3", "", "e3", "1e", "--1"])
def test_parse_float_refuses_what_is_not_an_ascii_number(text):
    from tnrnn.validation import check_finite, parse_float

    with pytest.raises(ValueError):
        parse_float(text)
    with pytest.raises(InvalidParameterError):
        check_finite(text, "dt")
    for good in ("0.5", "-1e-3", ".5", "5.", "+2E+2", " 1 "):
        assert parse_float(good) == float(good)


def test_unicode_digits_in_number_options_are_one_line():
    line = _one_line(_tnrnn("memory", "hankel", "--target", "exp", "--dt", "٠.١"))
    assert "--dt" in line


@pytest.mark.parametrize("text", ["٣", "３", "1_0", "²", "3.0", "", "+", "0x3"])
def test_parse_int_refuses_what_is_not_ascii_digits(text):
    from tnrnn.validation import parse_int

    with pytest.raises(ValueError):
        parse_int(text)
    assert parse_int(" -7 ") == int(" -7 ")


@pytest.mark.parametrize("argv, option", [
    (["bounds", "-L", "٣", "-R", "2", "-M", "2", "-T", "4"], "--depth"),
    (["bounds", "-L", "1:٣", "-R", "2", "-M", "2", "-T", "4"], "--depth"),
    (["draw", "-L", "٣", "-R", "2", "-M", "2", "-T", "4"], "--depth"),
    (["bounds", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "--seed", "٣"], "--seed"),
    (["bounds", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "--cut", "prefix:٢"], "--cut"),
])
def test_unicode_digits_are_refused_in_one_line(argv, option):
    from tnrnn.cli import main

    assert main(argv) == 2


def test_unicode_digits_one_line_under_the_cap():
    line = _one_line(_tnrnn("spectrum", "-L", "٣", "-R", "2", "-M", "2", "-T", "4"))
    assert "--depth" in line


# -- conflicts and options that would do nothing ----------------------------------------------------------------
def test_conflicting_and_no_op_options_are_one_line(tmp_path, linear_npz):
    from tnrnn.cli import main

    bounds = tmp_path / "bounds.jsonl"
    from tnrnn import rank_bounds

    bounds.write_text(rank_bounds(1, 2, 2, 4, method="closed-form").to_json() + "\n")
    cases = [
        (["draw", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "--no-cut", "--cut", "prefix:2",
          "--plot", str(tmp_path / "d.png")], "--cut"),
        (["memory", "function", linear_npz, "--arch", "linear", "--nonlinearity", "relu"], "--nonlinearity"),
        (["memory", "capacity", linear_npz, "--arch", "linear", "--nonlinearity", "relu"], "--nonlinearity"),
        (["plot", str(bounds), "--plot-kind", "time", "--plot", str(tmp_path / "p.png")], "--plot-kind"),
        (["memory", "plateau", "--delays", "0"], "--delays"),
        (["train", "copy", "--alphabet", "1", "--out", str(tmp_path / "t"), "--dry-run"], "--alphabet"),
    ]
    for argv, option in cases:
        line = _one_line(_tnrnn(*argv))
        assert option in line, (argv, line)
    assert not (tmp_path / "d.png").exists() and not (tmp_path / "p.png").exists()
    assert main(["plot", str(bounds), "--plot", str(tmp_path / "p.png")]) == 0   # without --plot-kind: drawn


def test_copy_task_of_one_symbol_is_refused():
    from tnrnn.tasks.data import CopyMemory

    with pytest.raises(InvalidParameterError, match="alphabet"):
        CopyMemory(memory=2, blanks=3, alphabet=1)


def test_cut_names_are_normalised_to_their_canonical_spelling():
    from tnrnn import rank_bounds

    typed = rank_bounds(1, 2, 2, 4, cut="START-END", method="closed-form")
    canonical = rank_bounds(1, 2, 2, 4, cut="start-end", method="closed-form")
    def same(r):
        return {k: v for k, v in r.to_dict().items() if k not in ("seconds", "times")}
    assert same(typed) == same(canonical) and typed.cut == "start-end"


# -- API keywords that would do nothing, and messages in the caller's terms ------------------------------------
def test_from_module_refuses_keywords_it_would_ignore():
    torch = pytest.importorskip("torch")
    from tnrnn.bridge.modules import from_module

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb, self.rnn = torch.nn.Embedding(10, 3), torch.nn.GRU(3, 4, batch_first=True)
            self.head = torch.nn.Linear(4, 1)

    for module, kw, name in [(torch.nn.GRU(3, 4), {"nonlinearity": "bogus"}, "nonlinearity"),
                             (torch.nn.RNN(3, 4), {"nonlinearity": "relu"}, "nonlinearity"),
                             (Model(), {"nonlinearity": "bogus"}, "nonlinearity"),
                             (torch.nn.LSTM(3, 4), {"prefix": "nothing"}, "prefix"),
                             (torch.nn.LSTM(3, 4), {"embedding": "nothing"}, "embedding"),
                             (Model(), {"prefix": "nothing"}, "prefix")]:
        with pytest.raises(InvalidParameterError, match=f"invalid {name}="):
            from_module(module, **kw)
    assert from_module(torch.nn.RNN(3, 4), nonlinearity="tanh").arch == "rnn_tanh"   # its own: accepted
    assert from_module(Model(), prefix="rnn").embedding == "emb.weight"


def test_api_errors_name_the_keyword_that_is_wrong():
    import numpy as np

    from tnrnn import RAC
    from tnrnn.measures import EchoStateNetwork
    from tnrnn.measures.capacity import memory_capacity
    from tnrnn.memory import LinearRNN
    from tnrnn.memory.hankel import balanced_truncation, hankel_spectrum
    from tnrnn.network.core import compile

    with pytest.raises(InvalidParameterError, match="invalid rows=10"):
        hankel_spectrum(0.5 ** np.arange(8), rows=10)
    with pytest.raises(InvalidParameterError, match="invalid length=3"):
        memory_capacity(EchoStateNetwork(0.5 * np.eye(3), np.ones((3, 1))), length=3)
    with pytest.raises(InvalidParameterError, match="invalid width=5.*state size"):
        balanced_truncation(LinearRNN(0.5 * np.eye(2), np.ones((2, 1)), np.ones(2)), 5)
    net = compile(RAC.random(1, 2, 2, seed=0), 1)   # T = 1 compiles (one forward step) but has no cut
    with pytest.raises(InvalidParameterError, match="length"):
        net.matricize("start-end")


def test_weights_errors_name_the_file_and_the_option(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "rnn2.pt"
    torch.save(torch.nn.RNN(3, 4, num_layers=2).state_dict(), path)
    line = _one_line(_tnrnn("import", str(path), "--depth", "3"))
    assert str(path) in line and "--depth" in line
    line = _one_line(_tnrnn("memory", "capacity", str(path), "--arch", "gru"))
    assert str(path) in line and "--arch" in line


@pytest.mark.parametrize("measure", ["capacity", "horizon", "lyapunov"])
def test_plot_of_measure_records_whose_fields_are_strings_is_one_line(tmp_path, linear_npz, measure):
    if measure != "capacity":   # horizon and lyapunov records are made through torch
        pytest.importorskip("torch")
    import json

    from tnrnn.cli import main
    from tnrnn.records import read_records

    out = tmp_path / "m.jsonl"
    assert main(["memory", measure, linear_npz, "--arch", "linear", "--out", str(out), "-q", "--json"]) == 0
    (record,) = read_records(out)
    strings = tmp_path / "s.jsonl"
    strings.write_text(json.dumps({k: v if k == "kind" else json.dumps(v) for k, v in record.items()}) + "\n")
    line = _one_line(_tnrnn("plot", str(strings), "--plot", str(tmp_path / "s.png")))
    assert "RESULTS" in line and "a number" in line
    assert not (tmp_path / "s.png").exists()
    assert main(["plot", str(out), "--plot", str(tmp_path / "m.png")]) == 0   # the record as written draws


# -- weights files whose headers lie about their size ----------------------------------------------------------
def _forged_npz(path, *, patch_compressed):
    """An .npz whose .npy header declares 16000 x 16000 float64 (2 GB) and whose zip sizes say the same."""
    import io
    import struct
    import zipfile

    import numpy as np

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (16000, 16000)})
    member = header.getvalue() + np.zeros(4).tobytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("weight_hh_l0.npy", member)
    data = bytearray(path.read_bytes())
    claimed = len(header.getvalue()) + 16000 * 16000 * 8
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    data[local + 22:local + 26] = struct.pack("<I", claimed)      # uncompressed size
    data[central + 24:central + 28] = struct.pack("<I", claimed)
    if patch_compressed:
        data[local + 18:local + 22] = struct.pack("<I", claimed)
        data[central + 20:central + 24] = struct.pack("<I", claimed)
    path.write_bytes(bytes(data))
    return str(path)


@pytest.mark.parametrize("patch_compressed", [False, True])
def test_npz_whose_zip_and_npy_headers_lie_is_refused_before_reading(tmp_path, patch_compressed):
    path = _forged_npz(tmp_path / "lie.npz", patch_compressed=patch_compressed)
    from tnrnn.bridge.files import declared_bytes
    from tnrnn.errors import WeightsError

    with pytest.raises(WeightsError, match="declares"):
        declared_bytes(path)
    line = _one_line(_tnrnn("import", path, "--arch", "rnn"))
    assert "lie.npz" in line and "declares" in line and "estimate missed" not in line


def test_safetensors_whose_header_declares_more_than_the_file_is_refused(tmp_path):
    import json
    import struct

    header = json.dumps({"w": {"dtype": "F64", "shape": [16000, 16000], "data_offsets": [0, 16000 * 16000 * 8]}})
    path = tmp_path / "lie.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header.encode() + bytes(32))
    pytest.importorskip("safetensors")
    line = _one_line(_tnrnn("import", str(path), "--arch", "rnn"))
    assert "lie.safetensors" in line and "estimate missed" not in line
