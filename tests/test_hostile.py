"""Hostile inputs: every subcommand and the Python API, bad or oversized, answer in one line or refuse.

Three tables:

* ``BAD_CLI``: bad invocations of every subcommand (each case of issue #17 and more), run in-process
  through :func:`tnrnn.cli.main`; each must return the documented status with exactly one line on
  stderr naming the parameter, and no traceback.
* ``OVERSIZED``: requests that would need far more memory than allowed, run as subprocesses under an
  address-space limit (``RLIMIT_AS``), so that a regression (an allocation before the estimate) fails
  the test with a MemoryError instead of taking the machine down; each must be refused by its estimate,
  in one line, well before a generous guard timeout.
* ``BAD_API``: bad calls of the Python API; each raises a :class:`tnrnn.errors.TnrnnError` that is also
  the builtin a caller expects, and names the parameter as the caller passed it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tnrnn import RAC, errors
from tnrnn.cli import main
from tnrnn.cli._common import int_list

ROOT = Path(__file__).resolve().parents[1]
HAS_TORCH = __import__("importlib.util").util.find_spec("torch") is not None
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

#: Address-space limit of the oversized subprocesses: numpy/BLAS and the imports need well under 1.5 GiB
#: of virtual memory; 3 GiB leaves room and is far below what the refused requests would take.
ADDRESS_SPACE = 3 * 2**30

C = ["-L", "1", "-R", "2", "-M", "2", "-T", "4"]      # a small valid circuit


def _one_line(capsys, argv, status):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == status, (code, err)
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# -- fixtures that write hostile files -----------------------------------------------------------------------

@pytest.fixture
def files(tmp_path):
    """Weight files for the import cases, and paths for the output cases."""
    rng = np.random.default_rng(0)
    H, M = 3, 2
    lstm = {"weight_ih_l0": rng.normal(size=(4 * H, M)), "weight_hh_l0": rng.normal(size=(4 * H, H))}
    np.savez(tmp_path / "lstm.npz", **lstm)
    np.savez(tmp_path / "bool.npz", weight_ih_l0=np.ones((4 * H, M), bool), weight_hh_l0=np.ones((4 * H, H), bool))
    # weight_hh_l0 misshapen (not 4H rows), weight_ih_l0 fine for H = 3
    np.savez(tmp_path / "hh.npz", weight_ih_l0=lstm["weight_ih_l0"], weight_hh_l0=rng.normal(size=(4 * H - 1, H)))
    (tmp_path / "text.npz").write_text("not an archive\n")
    (tmp_path / "a_file").write_text("")
    (tmp_path / "folder.png").mkdir()
    return tmp_path


def _deflate_bomb(path: Path, nbytes: int) -> None:
    """An .npz whose one float64 member declares ``nbytes`` of zeros, deflated to a few hundred KiB."""
    n = nbytes // 8
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1))
    header["shape"] = (n,)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("weight_ih_l0.npy", "w", force_zip64=True) as fh:
            np.lib.format.write_array_header_1_0(fh, header)
            chunk = bytes(2**22)
            for _ in range(nbytes // len(chunk)):
                fh.write(chunk)


# -- bad invocations of every subcommand ---------------------------------------------------------------------

#: (argv, exit status, text the one line must contain); ``{tmp}`` is a temporary folder with the files above.
BAD_CLI = [
    # the seed, devices, huge sizes (issue: tracebacks instead of one line)
    (["compile", *C, "--seed", "-1"], 2, "--seed"),
    (["spectrum", *C, "--seed", "-1"], 2, "--seed"),
    (["draw", *C, "--seed", "-1", "-o", "{tmp}/x.png"], 2, "--seed"),
    (["bench", *C, "--seed", "-1", "--no-progress"], 2, "--seed"),
    (["spectrum", *C, "--device", "foo"], 2, "--device"),
    (["spectrum", *C, "--backend", "torch", "--device", "foo"], 2, "--device"),
    (["bounds", "-L", "2", "-R", str(10**30), "-M", "2", "-T", "4"], 2, "--max-memory"),
    # accepted silently or blamed on the wrong thing
    (["bounds", *C, "--engine", "foo"], 2, "--engine"),
    (["bounds", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--engine", "foo", "--method", "closed-form"], 2,
     "--engine"),
    (["bounds", *C, "--samples", "0"], 2, "--samples"),
    (["bounds", *C, "--samples", "-5", "--method", "closed-form"], 2, "--samples"),
    (["bounds", "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--cut", "prefix:0"], 2, "--cut='prefix:0'"),
    (["bounds", *C, "--cut", "0,1,2|2,3"], 2, "0..3"),
    (["spectrum", *C, "--cut", "prefix:9"], 2, "--cut"),
    (["draw", *C, "--cut", "sideways", "-o", "{tmp}/x.png"], 2, "--cut"),
    (["bench", "-L", "0", "-R", "2", "-M", "2", "-T", "4", "--no-progress"], 2, "--depth=0"),
    (["bench", "-L", "1", "-R", "2,0", "-M", "2", "-T", "4", "--no-progress"], 2, "--hidden=0"),
    (["bounds", "-L", "1", "-R", "2", "-M", "2", "-T", "1"], 2, "--length"),
    (["compile", "-L", "0", "-R", "2", "-M", "2", "-T", "3"], 2, "--depth"),
    (["compile", *C, "--optimize", "nope"], 2, "--optimize"),
    (["compile", "-L", "2", "-R", "3", "-M", "3", "-T", "450"], 2, "--optimize"),     # the planning work
    (["spectrum", *C, "--method", "svd"], 2, "--method"),
    (["spectrum", *C, "--tol", "-1"], 2, "--tol"),
    (["spectrum", *C, "--backend", "jax"], 2, "--backend"),
    (["bench", *C, "--repeats", "0", "--no-progress"], 2, "--repeats"),
    (["bench", *C, "--budget", "0", "--no-progress"], 2, "--budget"),
    # ranges are counted before they are expanded
    (["bounds", "-L", "1", "-R", "2", "-M", "2", "--length", "2:1000000000:2"], 2, "--length"),
    (["bench", "-L", "1", "-R", "2", "-M", "2", "--length", "2:1000000000", "--no-progress"], 2, "--length"),
    (["bounds", "-L", "1:200", "-R", "1:200", "-M", "2", "-T", "4"], 2, "--depth/--hidden/--inputs/--length"),
    (["bounds", *C, "--length", "4:x"], 2, "--length"),
    # --max-memory on every subcommand, parsed with the arguments
    *[([cmd, *args, "--max-memory", bad], 2, "--max-memory") for cmd, args in [
        ("bounds", C), ("compile", C), ("spectrum", C), ("bench", C), ("draw", [*C, "-o", "{tmp}/x.png"]),
        ("import", ["{tmp}/lstm.npz", "--arch", "lstm"])] for bad in ("lots", "0", "-1GiB")],
    # output paths: a missing folder, a folder, under a file, a wrong extension; before any work
    (["spectrum", *C, "--plot", "/nonexistent/x.png"], 2, "--plot"),
    (["bounds", *C, "--plot", "{tmp}/folder.png"], 2, "--plot"),
    (["bounds", *C, "--plot", "{tmp}/a_file/x.png"], 2, "--plot"),
    (["draw", *C, "-o", "/nonexistent/x.png"], 2, "--output"),
    (["draw", *C, "-o", "{tmp}/a_file/x.svg"], 2, "--output"),
    (["draw", *C, "-o", "{tmp}/x.jpg"], 2, "--output"),
    (["bench", *C, "--out", "/nonexistent/x.jsonl", "--no-progress"], 2, "--out"),
    (["bench", *C, "--out", "{tmp}", "--no-progress"], 2, "--out"),
    (["bench", *C, "--plot", "{tmp}/a_file/x.png", "--no-progress"], 2, "--plot"),
    (["import", "{tmp}/lstm.npz", "--arch", "lstm", "--length", "4", "--spectrum", "--plot", "/nonexistent/x.png"],
     2, "--plot"),
    # import: the nonlinearity of gated networks, booleans, the right key blamed, a text file named .npz
    (["import", "{tmp}/lstm.npz", "--arch", "lstm", "--nonlinearity", "relu"], 2, "--nonlinearity"),
    (["import", "{tmp}/lstm.npz", "--arch", "gru", "--nonlinearity", "tanh"], 2, "--nonlinearity"),
    (["import", "{tmp}/bool.npz", "--arch", "lstm"], 2, "bool"),
    (["import", "{tmp}/hh.npz", "--arch", "lstm"], 2, "weight_hh_l0"),
    (["import", "{tmp}/text.npz", "--arch", "lstm"], 2, "not a zip archive"),
    (["import", "{tmp}/absent.npz", "--arch", "lstm"], 2, "existing file"),
    (["import", "{tmp}/lstm.npz", "--arch", "transformer"], 2, "--arch"),
    (["import", "{tmp}/lstm.npz", "--arch", "lstm", "--spectrum"], 2, "--length"),
    # argparse's own errors are one line too
    (["bounds", "-L", "1"], 2, "required"),
    (["spectrum", *C, "--tol", "x"], 2, "--tol"),
]


@pytest.mark.parametrize("argv,status,needle", BAD_CLI, ids=[" ".join(c[0])[:60] for c in BAD_CLI])
def test_bad_invocation_gives_one_line(capsys, files, argv, status, needle):
    if "torch" in argv and not HAS_TORCH:
        pytest.skip("the torch backend needs torch")
    line = _one_line(capsys, [a.replace("{tmp}", str(files)) for a in argv], status)
    assert needle in line


@pytest.mark.skipif(IS_ROOT, reason="root may write anywhere")
def test_unwritable_folder_is_refused_before_work(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        line = _one_line(capsys, ["bounds", *C, "--plot", locked / "x.png"], 2)
        assert "--plot" in line and "writable" in line
    finally:
        locked.chmod(0o700)


def test_huge_closed_forms_print(capsys):
    """--depth 1:2000 with closed forms: a table and JSON instead of the int -> str digit limit."""
    from tnrnn.ranks import rank_bounds

    assert main(["bounds", "--depth", "1990:2000", "-R", "2", "-M", "2", "-T", "4", "--method", "closed-form"]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert len(rows) == 11 and rows[-1].split()[0] == "2000"
    assert main(["bounds", "--depth", "2000", "-R", "2", "-M", "2", "-T", "4", "--method", "closed-form",
                 "--json"]) == 0
    digits = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)      # the exact degree bound has about 5700 digits; Python's json caps at 4300
    try:
        (record,) = json.loads(capsys.readouterr().out)
    finally:
        sys.set_int_max_str_digits(digits)
    expected = rank_bounds(2000, 2, 2, 4, method="closed-form", mincut=False)
    assert record["degree_upper"] == expected.degree_upper and record["degree_upper"].bit_length() > 15000
    assert record["upper"] == expected.upper == 4                      # the grid cap M^2 = 4 is the least bound


def test_internal_error_says_debug_and_debug_shows_it(capsys, monkeypatch):
    import tnrnn.cli.compile as compile_cmd

    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(compile_cmd, "run", broken)
    line = _one_line(capsys, ["compile", *C], 1)
    assert "RuntimeError: boom" in line and "--debug" in line
    for argv in (["--debug", "compile", *C], ["compile", *C, "--debug"]):
        with pytest.raises(RuntimeError, match="boom"):
            main(argv)


def test_a_failed_write_after_the_work_keeps_the_results(capsys, monkeypatch, tmp_path):
    """The folder was fine when checked, the save fails later: exit 1, the records saved and named."""
    import tnrnn.plotting.ranks as ranks_plot

    def full_disk(records, path=None, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ranks_plot, "plot_ranks", full_disk)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    code = main(["bounds", "-L", "1", "-R", "2", "-M", "2", "-T", "4,6", "--plot", str(tmp_path / "r.png")])
    out, err = capsys.readouterr()
    assert code == 1 and len(err.strip().splitlines()) == 1 and "No space left" in err
    rescued = Path(err.strip().rsplit(" ", 1)[1])
    assert rescued.parent == tmp_path and not (tmp_path / "r.png").exists()
    records = json.loads(rescued.read_text())
    assert [(r["length"], r["lower"], r["upper"]) for r in records] == [(4, 2, 2), (6, 2, 2)]   # min(R, M^{T/2})


def test_figures_are_written_atomically(tmp_path):
    pytest.importorskip("matplotlib")
    from tnrnn.plotting.figure import new_figure, save_figure

    fig, ax = new_figure((2, 2))
    ax.plot([0, 1], [0, 1])
    path = tmp_path / "f.png"
    path.write_bytes(b"old")

    class Broken(Exception):
        pass

    def fail(*args, **kwargs):
        raise Broken

    fig.savefig, real = fail, fig.savefig
    with pytest.raises(Broken):
        save_figure(fig, path, "png")
    assert path.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["f.png"]   # no partial file left
    fig.savefig = real
    save_figure(fig, path, "png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and sorted(os.listdir(tmp_path)) == ["f.png"]


def test_two_runs_appending_to_one_file_are_told_apart(tmp_path):
    out = tmp_path / "b.jsonl"
    # a file is only continued with --resume, which appends the configurations it does not hold yet
    for lengths, more in (("3", []), ("3,4", ["--resume"])):
        assert main(["bench", "-L", "1", "-R", "2", "-M", "2", "-T", lengths, "-s", "greedy", "--repeats", "1",
                     "--no-progress", "--out", str(out), "--json", *more]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    runs = {(d["run_id"], d["timestamp"]) for d in lines}
    assert len(lines) == 2 and len(runs) == 2 and all(len(r) == 12 for r, _ in runs)



@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(1, 7))
def test_int_list_ranges_match_python(start, stop, step):
    text = f"{start}:{stop}:{step}"
    expected = list(range(start, stop + 1, step))
    if expected:
        assert int_list(text, "--length") == expected
        assert int_list(text, "--length", max_values=len(expected)) == expected
    if len(expected) > 1:
        with pytest.raises(errors.InvalidParameterError, match="--length"):
            int_list(text, "--length", max_values=len(expected) - 1)


# -- oversized requests: refused by their estimates, under an address-space limit ---------------------------

def _limit_address_space():   # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


#: (argv, text of the one line); every case would need gigabytes (or terabytes) if it were not refused.
OVERSIZED = [
    (["bounds", "-L", "10", "-R", "2", "-M", "2", "-T", "20", "--mincut"], "min-cut graph"),
    (["compile", "-L", "2", "-R", "3", "-M", "3", "-T", "2000"], "compiled network"),
    (["compile", "-L", "5", "-R", "2", "-M", "2", "-T", "40"], "compiled network"),
    (["draw", "-L", "2", "-R", "3", "-M", "3", "-T", "500", "-o", "{tmp}/x.png"], "drawing"),
    (["spectrum", "-L", "1", "-R", "30000", "-M", "2", "-T", "4", "--max-memory", "1GiB"], "weights"),
    (["spectrum", "-L", "1", "-R", "100000", "-M", "2", "-T", "4"], "weights"),
    (["spectrum", "-L", "2", "-R", "3", "-M", "3", "-T", "40"], "grid matricization"),
    (["spectrum", "-L", "3", "-R", "4", "-M", "4", "-T", "16", "--method", "dense"], "grid matricization"),
    (["spectrum", "-L", "2", "-R", "3", "-M", "3", "-T", "18", "--method", "gram", "--max-memory", "64MiB"],
     "memory limit"),
    (["bench", "-L", "2", "-R", "3", "-M", "3", "-T", "2000", "--no-progress"], "compiled network"),
    (["bounds", "-L", "2", "-R", str(10**6), "-M", "2", "-T", "4"], "weights"),
    (["import", "{tmp}/bomb.npz", "--arch", "lstm", "--max-memory", "64MiB"], "uncompressed"),
]


@pytest.fixture(scope="module")
def bomb_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("bomb")
    _deflate_bomb(path / "bomb.npz", 256 * 2**20)      # 256 MiB of zeros in about 256 KiB
    assert (path / "bomb.npz").stat().st_size < 2**21
    return path


@pytest.mark.parametrize("argv,needle", OVERSIZED, ids=[" ".join(c[0])[:60] for c in OVERSIZED])
def test_oversized_request_is_refused_by_its_estimate(bomb_dir, argv, needle):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONPATH=str(ROOT))
    argv = [a.replace("{tmp}", str(bomb_dir)) for a in argv]
    # the timeout is a guard against a hang, not a timing claim: refusals take about a second
    proc = subprocess.run([sys.executable, "-m", "tnrnn.cli", *argv], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120, preexec_fn=_limit_address_space)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert len(lines) == 1 and "memory limit" in lines[0] and needle in lines[0], proc.stderr[-2000:]
    assert proc.stdout == ""


# -- the Python API ------------------------------------------------------------------------------------------

def _rac():
    return RAC.random(1, 2, 3, seed=0)


def _bad_api():
    from tnrnn.bridge import read_state_dict
    from tnrnn.cuts import Cut
    from tnrnn.network.contract import plan_contraction
    from tnrnn.network.core import compile
    from tnrnn.network.mincut import mincut_bound_for
    from tnrnn.network.spectrum import spectrum
    from tnrnn.ranks import rank_bounds

    return [
        ("seed", lambda tmp: RAC.random(1, 2, 2, seed=-1), ValueError),
        ("seed", lambda tmp: RAC.random(1, 2, 2, seed=1.5), ValueError),
        ("hidden_weights", lambda tmp: RAC(None, None, None), ValueError),
        ("hidden_weights[0]", lambda tmp: RAC([[[1.0, 2.0], [3.0]]], [np.ones((2, 2))], np.ones(2)), ValueError),
        ("X", lambda tmp: _rac()(np.ones((2, 3), complex)), ValueError),
        ("X", lambda tmp: _rac()(np.ones((2, 4))), ValueError),
        ("samples", lambda tmp: rank_bounds(1, 2, 2, 4, samples=0), ValueError),
        ("samples", lambda tmp: rank_bounds(2, 2, 2, 4, samples=-5, method="closed-form"), ValueError),
        ("threads", lambda tmp: rank_bounds(2, 3, 3, 4, threads=-3), ValueError),
        ("progress", lambda tmp: rank_bounds(2, 3, 3, 4, progress=5), ValueError),
        ("engine", lambda tmp: rank_bounds(1, 2, 2, 4, engine="foo"), ValueError),
        ("cut", lambda tmp: rank_bounds(2, 2, 2, 4, cut="prefix:0"), ValueError),
        ("0..3", lambda tmp: Cut.parse("0,1,2|2,3", 4), ValueError),
        ("device", lambda tmp: spectrum(_rac(), "start-end", length=4, device="foo"), ValueError),
        ("slicing", lambda tmp: spectrum(_rac(), "start-end", length=4, slicing="yes"), ValueError),
        ("path", lambda tmp: read_state_dict(tmp / "text.npz"), ValueError),
        ("max_memory", lambda tmp: compile(_rac(), 4, max_memory="lots"), ValueError),
        # refusals by estimate: MemoryLimitError is also a MemoryError
        ("compiled network", lambda tmp: compile(RAC.random(2, 3, 3), 2000), MemoryError),
        ("min-cut graph", lambda tmp: mincut_bound_for(10, 2, 2, 20, "start-end"), MemoryError),
        ("weights", lambda tmp: RAC.random(1, 30000, 2, max_memory="1GiB"), MemoryError),
        ("weights", lambda tmp: rank_bounds(2, 10**30, 2, 4), MemoryError),
        ("result alone", lambda tmp: plan_contraction([("a", "b"), ("b", "c")], ("a", "c"),
                                                      {"a": 10**5, "b": 2, "c": 10**5}, "greedy"), MemoryError),
        ("uncompressed", lambda tmp: read_state_dict(tmp / "bomb.npz", max_memory="64MiB"), MemoryError),
    ]


@pytest.mark.parametrize("case", range(23))
def test_bad_api_call_raises_a_named_tnrnn_error(tmp_path, bomb_dir, case):
    cases = _bad_api()
    assert len(cases) == 23
    needle, call, builtin = cases[case]
    (tmp_path / "text.npz").write_text("hello")
    (tmp_path / "bomb.npz").symlink_to(bomb_dir / "bomb.npz")
    with pytest.raises(errors.TnrnnError) as info:
        call(tmp_path)
    assert isinstance(info.value, builtin)
    assert needle in str(info.value)
    if isinstance(info.value, errors.InvalidParameterError) and not needle.startswith("0.."):
        assert info.value.name == needle or info.value.name.startswith(needle)


def test_list_input_gives_the_array_answer():
    rac = _rac()
    X = np.eye(3)[[[0, 1, 2], [2, 2, 0]]]
    np.testing.assert_array_equal(rac(X.tolist()), rac(X))


def test_memory_estimates_bound_the_real_sizes():
    """The estimates are at least the bytes they stand for (counted independently here)."""
    from math import comb

    from tnrnn.circuits import weights_memory
    from tnrnn.network.core import NETWORK_BYTES_PER_TENSOR, network_memory

    L, R, M = 2, 5, 3
    rac = RAC.random(L, R, M)
    drawn = sum(w.nbytes for w in (*rac.hidden_weights, *rac.input_weights, rac.output_weights))
    assert weights_memory(L, R, M) >= drawn
    for depth, length in [(1, 5), (2, 7), (3, 9)]:
        tensors = 3 * (comb(length + depth, depth) - 1) + 1
        assert network_memory(depth, length) == tensors * NETWORK_BYTES_PER_TENSOR
    assert network_memory(2, 2000) == (3 * (comb(2002, 2) - 1) + 1) * NETWORK_BYTES_PER_TENSOR


def test_deflate_bomb_declares_its_size(bomb_dir):
    from tnrnn.bridge.files import payload_bytes

    with zipfile.ZipFile(bomb_dir / "bomb.npz") as archive:
        (info,) = archive.infolist()
    assert payload_bytes(bomb_dir / "bomb.npz") == info.file_size >= 256 * 2**20


def test_meta_device_module_is_refused():
    torch = pytest.importorskip("torch")
    from tnrnn.bridge import from_module

    with pytest.raises(errors.InvalidParameterError, match="meta") as info:
        from_module(torch.nn.LSTM(3, 4, device="meta"))
    assert info.value.name == "module"


def test_draw_to_a_missing_folder_is_refused_before_drawing(tmp_path):
    pytest.importorskip("matplotlib")
    from tnrnn.plotting import draw

    with pytest.raises(errors.InvalidParameterError) as info:
        draw(_rac(), cut="start-end", length=4, path=tmp_path / "missing" / "x.png")
    assert info.value.name == "path" and "does not exist" in str(info.value)


def test_imported_models_take_lists_and_refuse_complex_inputs():
    from tnrnn.bridge import from_state_dict

    rng = np.random.default_rng(0)
    model = from_state_dict({"weight_ih_l0": rng.normal(size=(12, 3)), "weight_hh_l0": rng.normal(size=(12, 4))},
                            "gru").model
    X = np.eye(3)[[[0, 1], [2, 2]]]
    np.testing.assert_array_equal(model(X.tolist()), model(X))
    with pytest.raises(errors.InvalidParameterError, match="complex") as info:
        model(X.astype(complex))
    assert info.value.name == "X"
