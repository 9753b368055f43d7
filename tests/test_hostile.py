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
    (["draw", *C, "--seed", "-1", "--plot", "{tmp}/x.png"], 2, "--seed"),
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
    (["draw", *C, "--cut", "sideways", "--plot", "{tmp}/x.png"], 2, "--cut"),
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
    (["bench", *C, "--strategy-seconds", "0", "--no-progress"], 2, "--strategy-seconds"),
    # ranges are counted before they are expanded
    (["bounds", "-L", "1", "-R", "2", "-M", "2", "--length", "2:1000000000:2"], 2, "--length"),
    (["bench", "-L", "1", "-R", "2", "-M", "2", "--length", "2:1000000000", "--no-progress"], 2, "--length"),
    (["bounds", "-L", "1:200", "-R", "1:200", "-M", "2", "-T", "4"], 2, "--depth/--hidden/--inputs/--length"),
    (["bounds", *C, "--length", "4:x"], 2, "--length"),
    # --max-memory on every subcommand, parsed with the arguments
    *[([cmd, *args, "--max-memory", bad], 2, "--max-memory") for cmd, args in [
        ("bounds", C), ("compile", C), ("spectrum", C), ("bench", C), ("draw", [*C, "--plot", "{tmp}/x.png"]),
        ("import", ["{tmp}/lstm.npz", "--arch", "lstm"])] for bad in ("lots", "0", "-1GiB")],
    # output paths: a missing folder, a folder, under a file, a wrong extension; before any work
    (["spectrum", *C, "--plot", "/nonexistent/x.png"], 2, "--plot"),
    (["bounds", *C, "--plot", "{tmp}/folder.png"], 2, "--plot"),
    (["bounds", *C, "--plot", "{tmp}/a_file/x.png"], 2, "--plot"),
    (["draw", *C, "--plot", "/nonexistent/x.png"], 2, "--plot"),
    (["draw", *C, "--plot", "{tmp}/a_file/x.svg"], 2, "--plot"),
    (["draw", *C, "--plot", "{tmp}/x.jpg"], 2, "--plot"),
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
    (["draw", "-L", "2", "-R", "3", "-M", "3", "-T", "500", "--plot", "{tmp}/x.png"], "drawing"),
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


# =====================================================================================================
# Hardening round (issue 23): cases by category.  Each table is one category; the closing note of the
# round counts them (tried / held).
# =====================================================================================================

@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Hostile files of every kind the commands read, and files a command must not overwrite."""
    import struct

    tmp_path = tmp_path_factory.mktemp("hostile")

    rng = np.random.default_rng(0)
    H, M = 3, 2
    good = {"weight_ih_l0": rng.normal(size=(H, M)), "weight_hh_l0": rng.normal(size=(H, H))}
    np.savez(tmp_path / "lstm.npz", weight_ih_l0=rng.normal(size=(4 * H, M)), weight_hh_l0=rng.normal(size=(4 * H, H)))
    np.savez(tmp_path / "zero.npz", weight_ih_l0=np.zeros((0, M)), weight_hh_l0=np.zeros((0, 0)))
    np.savez(tmp_path / "huge.npz", weight_ih_l0=good["weight_ih_l0"], weight_hh_l0=1e300 * np.eye(H))
    np.savez(tmp_path / "nan.npz", weight_ih_l0=np.full((H, M), np.nan), weight_hh_l0=np.eye(H))
    np.savez(tmp_path / "inf.npz", weight_ih_l0=good["weight_ih_l0"], weight_hh_l0=np.full((H, H), np.inf))
    np.savez(tmp_path / "objects.npz", weight_ih_l0=np.array([None, 1], dtype=object), weight_hh_l0=np.eye(H))
    np.savez(tmp_path / "rac100.npz", **{"hidden_weights.0": 1e100 * np.eye(H),
                                         "input_weights.0": 1e100 * np.ones((H, M)), "output_weights": np.ones((1, H))})
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1))
    header["shape"] = (10**6, 10**6)
    with zipfile.ZipFile(tmp_path / "header.npz", "w") as archive:     # declares 8 TB, holds 64 bytes
        with archive.open("weight_hh_l0.npy", "w") as fh:
            np.lib.format.write_array_header_1_0(fh, header)
            fh.write(bytes(64))
    for name in ("random.pt", "random.npz", "random.safetensors"):
        (tmp_path / name).write_bytes(np.random.default_rng(1).bytes(4096))
    (tmp_path / "header.safetensors").write_bytes(struct.pack("<Q", 2**60) + b"{}")
    meta = json.dumps({"weight_hh_l0": {"dtype": "F64", "shape": [10**6, 10**6],
                                        "data_offsets": [0, 8 * 10**12]}}).encode()
    (tmp_path / "shape.safetensors").write_bytes(struct.pack("<Q", len(meta)) + meta + bytes(64))
    (tmp_path / "dtype.safetensors").write_bytes(
        struct.pack("<Q", 60) + json.dumps({"w": {"dtype": "X9", "shape": [1], "data_offsets": [0, 1]}}).encode()
        .ljust(60) + b"\0")
    # results files for tnrnn plot
    (tmp_path / "latin1.jsonl").write_bytes(b'{"a": "\xff\xfe"}\n')
    (tmp_path / "nested.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "nested.jsonl").write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    (tmp_path / "number.json").write_text("42")
    (tmp_path / "noise.jsonl").write_bytes(np.random.default_rng(2).bytes(2000))
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "fields.json").write_text(json.dumps(
        [{"depth": 1, "hidden": 2, "inputs": 2, "length": 4, "cut": "start-end", "lower": 2, "upper": 2}]))
    (tmp_path / "typed.json").write_text(json.dumps({"singular_values": "abc", "tolerance": 0, "numerical_rank": 1}))
    (tmp_path / "nonfinite.json").write_text('[{"singular_values": [1.0, NaN], "tolerance": "x", '
                                             '"numerical_rank": 1}]')
    (tmp_path / "results.d").mkdir()
    # outputs that must not be overwritten or mixed into
    (tmp_path / "notes.txt").write_text("my notes\n")
    (tmp_path / "notes.png").write_text("not a figure\n")
    (tmp_path / "notes.npz").write_text("not an archive\n")
    (tmp_path / "old.jsonl").write_text(json.dumps({"task": "bounds", "config": {}, "status": "ok"}) + "\n")
    if HAS_TORCH:
        import torch

        torch.save({"weight_ih_l0": torch.ones(H, M), "weight_hh_l0": torch.eye(H).to_sparse()},
                   tmp_path / "sparse.pt")
        torch.save({"weight_hh_l0": torch.zeros(7, 7)}, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
        data = bytearray((tmp_path / "legacy.pt").read_bytes())
        at = data.find(bytes([ord("K"), 49]), data.find(b"cpu"))    # the storage's element count, 49
        data[at:at + 2] = b"J" + struct.pack("<i", 700_000_000)     # now it declares 2.8 GB
        (tmp_path / "legacy-big.pt").write_bytes(bytes(data))
    return tmp_path


#: inputs: bad invocations of every kind, refused in one line naming the option and the full subcommand.
INPUTS = [
    # output paths, checked before any work on every subcommand
    (["bounds", *C, "--out", "/nonexistent/dir/x.jsonl"], "--out"),
    (["bounds", *C, "--out", "/proc/x.jsonl"], "proc"),
    (["bounds", *C, "--out", "/dev/full"], "device"),
    (["bounds", *C, "--out", ""], "--out"),
    (["bounds", *C, "--out", "{tmp}/notes.txt", "--resume"], "neither"),
    (["bounds", *C, "--out", "{tmp}/old.jsonl"], "--resume"),          # refused by the sweep, before it runs
    (["bounds", *C, "--out", "{tmp}/results.d"], "folder"),
    (["bounds", *C, "--plot", "/proc/x.png"], "--plot"),
    (["bounds", *C, "--plot", "{tmp}/notes.png"], "overwritten"),
    (["compile", *C, "--out", "/sys/x.jsonl"], "--out"),
    (["compile", *C, "--out", "/dev/zero"], "device"),
    (["spectrum", *C, "--plot", "/proc/x.svg"], "--plot"),
    (["draw", *C, "--plot", "/proc/x.png"], "--plot"),
    (["plot", "{tmp}/fields.json", "--plot", "/proc/x.png"], "--plot"),
    (["memory", "hankel", "--target", "exp", "--save", "/proc/s.npz"], "tnrnn memory hankel: error: argument --save"),
    (["memory", "hankel", "--target", "exp", "--save", "{tmp}/notes.npz"], "--save"),
    (["train", "ses", "--out", ""], "tnrnn train: error: argument --out"),
    (["train", "ses", "--out", "/proc/run"], "holds files"),
    (["train", "ses", "--out", "{tmp}/notes.txt"], "folder"),
    # conflicting options
    (["bounds", *C, "--mincut", "--no-mincut"], "--no-mincut"),
    (["bounds", *C, "--no-mincut", "--mincut"], "--mincut"),
    (["bounds", *C, "--method", "closed-form", "--engine", "grid"], "--engine"),
    (["bounds", *C, "--method", "closed-form", "--samples", "10"], "--samples"),
    (["bounds", *C, "--method", "closed-form", "--prime", "101"], "--prime"),
    (["bounds", *C, "--workers", "2", "--scheduler", "tcp://x:1"], "--scheduler"),
    # empty list items, numeric ranges
    (["bounds", "-L", "1,", "-R", "2", "-M", "2", "-T", "4"], "--depth"),
    (["bounds", "-L", "1", "-R", "2", "-M", "2", "-T", "4,,6"], "--length"),
    (["compile", *C, "--optimize", "greedy,"], "--optimize"),
    (["bench", *C, "-s", ",greedy", "--no-progress"], "--strategies"),
    (["spectrum", *C, "--tol", "nan"], "--tol"),
    (["bench", *C, "--strategy-seconds", "inf", "--no-progress"], "--strategy-seconds"),
    (["bounds", *C, "--seed", "-1"], "--seed"),
    (["import", "{tmp}/zero.npz", "--seed", "-1"], "tnrnn import: error: argument --seed"),
    (["memory", "capacity", "model.pt", "--seed", "-1"], "tnrnn memory capacity: error: argument --seed"),
    (["bounds", *C, "--workers", "0"], "--workers"),
    (["bounds", *C, "--max-memory", "1e999"], "--max-memory"),
    (["bounds", "-L", "99999999999999999999", "-R", "2", "-M", "2", "-T", "4"], "--depth"),
    (["bounds", "-L", "2", "-R", "2", "-M", "2", "-T", "99999999999999999999"], "--length"),
    (["compile", "-L", "2", "-R", "2", "-M", "99999999999999999999", "-T", "4"], "--inputs"),
    # tnrnn plot on results files that are not records
    (["plot", "{tmp}/latin1.jsonl", "--plot", "{tmp}/x.png"], "RESULTS"),
    (["plot", "{tmp}/nested.json", "--plot", "{tmp}/x.png"], "RESULTS"),
    (["plot", "{tmp}/nested.jsonl", "--plot", "{tmp}/x.png"], "RESULTS"),
    (["plot", "{tmp}/number.json", "--plot", "{tmp}/x.png"], "JSON objects"),
    (["plot", "{tmp}/noise.jsonl", "--plot", "{tmp}/x.png"], "RESULTS"),
    (["plot", "{tmp}/empty.jsonl", "--plot", "{tmp}/x.png"], "at least one record"),
    (["plot", "{tmp}/fields.json", "--plot", "{tmp}/x.png"], "fields"),
    (["plot", "{tmp}/typed.json", "--plot", "{tmp}/x.png"], "fields"),
    (["plot", "{tmp}/nonfinite.json", "--plot", "{tmp}/x.png"], "spectrum"),
    (["plot", "{tmp}/results.d", "--plot", "{tmp}/x.png"], "RESULTS"),
    (["plot", "/dev/zero", "--plot", "{tmp}/x.png"], "RESULTS"),
]


@pytest.mark.parametrize("argv,needle", INPUTS, ids=[" ".join(c[0])[:70] for c in INPUTS])
def test_inputs_are_refused_in_one_line_before_any_work(capsys, hostile, argv, needle):
    pytest.importorskip("matplotlib")
    line = _one_line(capsys, [a.replace("{tmp}", str(hostile)) for a in argv], 2)
    command = " ".join(a for a in argv[:2] if not a.startswith("-") and "/" not in a and "{" not in a
                       and a in ("bounds", "compile", "spectrum", "draw", "plot", "bench", "import", "memory",
                                 "hankel", "capacity", "train"))
    assert line.startswith(f"tnrnn {command}: error: "), line
    assert needle in line and "internal error" not in line, line


def _cli(argv, *, limit=ADDRESS_SPACE, timeout=60, env=None, stdout=subprocess.PIPE):
    """``python -m tnrnn.cli argv`` in a subprocess under an address-space cap; ``(proc, seconds)``."""
    import time

    def cap():   # pragma: no cover - runs in the child
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    full = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONPATH=str(ROOT),
                **(env or {}))
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "tnrnn.cli", *argv], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, env=full, cwd=ROOT, timeout=timeout, preexec_fn=cap)
    return proc, time.perf_counter() - start


#: oversized: each would run for minutes or allocate gigabytes; refused by its estimate, under a 3 GiB cap.
OVERSIZED_WORK = [
    (["bounds", "-L", "2", "-R", "1000", "-M", "1000", "-T", "8"], "would take an estimated"),
    (["bounds", "-L", "4", "-R", "4", "-M", "4", "-T", "24", "--max-seconds", "30"], "would take an estimated"),
    (["bounds", "-L", "3", "-R", "3", "-M", "3", "-T", "30", "--engine", "grid", "--max-seconds", "30"],
     "would take an estimated"),
    (["bounds", "-L", "99999999999999999999", "-R", "2", "-M", "2", "-T", "4"], "--depth"),
    (["bounds", "-L", "1000", "-R", "1000", "-M", "2", "-T", "1000", "--method", "closed-form"], "digits"),
    (["compile", "-L", "2", "-R", "2", "-M", "2", "-T", "300", "--optimize", "greedy"], "planning"),
    (["compile", "-L", "2", "-R", "2", "-M", "2", "-T", "250", "--optimize", "random-greedy"], "planning"),
    (["import", "{tmp}/lstm.npz", "-T", "1000000", "--spectrum"], "empirical matrix"),
    (["import", "{tmp}/lstm.npz", "-T", "100000", "--spectrum", "--samples", "1000"], "empirical matrix"),
    (["import", "{tmp}/header.npz", "--arch", "rnn"], "declares shape"),
    (["import", "{tmp}/header.npz", "--arch", "rnn", "--max-memory", "1MiB"], "declares shape"),
    (["import", "{tmp}/shape.safetensors", "--arch", "rnn"], "declares shape"),
    (["import", "{tmp}/header.safetensors", "--arch", "rnn"], "header declares"),
    (["import", "{tmp}/legacy-big.pt", "--arch", "rnn"], "storages declare"),
    (["plot", "{tmp}/nested.json", "--plot", "{tmp}/x.png", "--max-memory", "64KiB"], "memory limit"),
]


@pytest.mark.parametrize("argv,needle", OVERSIZED_WORK, ids=[" ".join(c[0])[:70] for c in OVERSIZED_WORK])
def test_oversized_work_is_refused_by_its_estimate(hostile, argv, needle):
    """Refused in one line by the estimate, before the work (how fast: benchmarks/bench_refusals.py)."""
    if any(a.endswith(".pt") for a in argv) and not HAS_TORCH:
        pytest.skip("needs torch")
    proc, _ = _cli([a.replace("{tmp}", str(hostile)) for a in argv])
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert len(lines) == 1 and needle in lines[0] and "internal error" not in lines[0], proc.stderr[-2000:]


#: files: hostile weight files, each one line naming the file or the key (exit 2), nothing executed.
FILES = [
    ("zero.npz", "rnn", "non-empty"),
    ("huge.npz", "rnn", "overflows float64"),
    ("nan.npz", "rnn", "non-finite"),
    ("inf.npz", "rnn", "non-finite"),
    ("objects.npz", "rnn", "pickle"),
    ("random.pt", "rnn", "random.pt"),
    ("random.npz", "rnn", "not a zip archive"),
    ("random.safetensors", "rnn", "random.safetensors"),
    ("dtype.safetensors", "rnn", "dtype"),
    ("sparse.pt", "rnn", "sparse"),
]


@pytest.mark.parametrize("name,arch,needle", FILES, ids=[c[0] for c in FILES])
def test_hostile_weight_files_give_one_line(capsys, hostile, name, arch, needle):
    if name.endswith(".pt") and not HAS_TORCH:
        pytest.skip("needs torch")
    line = _one_line(capsys, ["import", str(hostile / name), "--arch", arch], 2)
    assert line.startswith("tnrnn import: error: ") and needle in line, line
    assert name == "objects.npz" or "execute code" not in line, line     # random bytes are not called unsafe


def test_overflowing_states_are_an_error_not_nan(capsys, hostile):
    """Weights of 1e100 are finite, their products over six steps are not: an error, never nan with exit 0."""
    line = _one_line(capsys, ["import", str(hostile / "rac100.npz"), "--arch", "rac", "--length", "6",
                              "--spectrum"], 2)
    assert "non-finite" in line


def test_declared_bytes_match_an_independent_count(hostile):
    """The sizes read from headers equal numel * itemsize of what the files hold (counted by numpy/torch)."""
    from tnrnn.bridge.files import declared_bytes

    arrays = {"a": np.zeros((3, 5)), "b": np.ones(7, dtype=np.int32)}
    np.savez_compressed(hostile / "two.npz", **arrays)
    assert declared_bytes(hostile / "two.npz") == sum(a.nbytes for a in arrays.values())
    if HAS_TORCH:
        import torch

        state = {"w": torch.zeros(3, 4), "b": torch.zeros(5, dtype=torch.float64), "i": torch.zeros(2, dtype=torch.int16)}
        torch.save(state, hostile / "old.pt", _use_new_zipfile_serialization=False)
        assert declared_bytes(hostile / "old.pt") == sum(t.numel() * t.element_size() for t in state.values())


# -- data safety ------------------------------------------------------------------------------------------

def _keys(path):
    from collections import Counter

    from tnrnn.runner import config_key

    return Counter(config_key(json.loads(line)["config"]) for line in Path(path).read_text().splitlines())


#: 600 configurations of closed forms (milliseconds each, one fsynced line each: the two writers overlap)
SWEEP = ["bounds", "-L", "1:10", "-R", "2:4", "-M", "2", "--method", "closed-form", "--no-mincut", "-T", "4:42:2", "-q"]


@pytest.mark.parametrize("resume", [False, True], ids=["fresh", "resume"])
def test_two_concurrent_writers_leave_every_configuration_once(tmp_path, resume):
    """Before this round (main at eda51de) the resume case ended with 1050 lines for 600 configurations."""
    out = tmp_path / "same.jsonl"
    if resume:   # a part of it already there: two --resume runs complete it together
        assert main([*SWEEP[:-2], "4:12:2", "-q", "--out", str(out)]) == 0
    argv = [*SWEEP, "--out", str(out), *(["--resume"] if resume else [])]
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    procs = [subprocess.Popen([sys.executable, "-m", "tnrnn.cli", *argv], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT) for _ in range(2)]
    errs = [p.communicate(timeout=120)[1] for p in procs]
    codes = sorted(p.returncode for p in procs)
    # without --resume, a run that opens the file after the other wrote its first line is refused (exit 2)
    assert codes == [0, 0] or (not resume and codes == [0, 2] and "--resume" in "".join(errs)), errs
    counts = _keys(out)
    assert len(counts) == 600 and set(counts.values()) == {1}


def test_resume_retries_transient_failures_only(tmp_path, capsys):
    from tnrnn.runner import config_key

    out = tmp_path / "r.jsonl"
    assert main(["bounds", "-L", "1", "-R", "2", "-M", "2", "-T", "4,6,8", "-q", "--out", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    lines[0].update(status="error", result=None, error="RuntimeError: no compiled object yet")   # Ctrl-C in numba
    lines[1].update(status="error", result=None, error="MemoryError: ")
    lines[2].update(status="error", result=None, error="InvalidParameterError: invalid x=1: expected y")  # lasting
    out.write_text("".join(json.dumps(d) + "\n" for d in lines))
    capsys.readouterr()
    assert main(["bounds", "-L", "1", "-R", "2", "-M", "2", "-T", "4,6,8", "-q", "--out", str(out), "--resume"]) == 2
    after = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(after) == 5                           # the two transient ones ran again, the lasting one did not
    ok = {config_key(d["config"]) for d in after if d["status"] == "ok"}
    assert ok == {config_key(lines[0]["config"]), config_key(lines[1]["config"])}


def test_json_to_a_full_device_is_rescued_to_a_named_file(tmp_path):
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "tnrnn.cli", "bounds", *C, "--json"], stdout=full,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT,
                              env=dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path)))
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1 and "No space left" in lines[0], proc.stderr
    rescued = Path(lines[0].rsplit(" ", 1)[1])
    assert rescued.parent == tmp_path
    (record,) = json.loads(rescued.read_text())
    assert (record["lower"], record["upper"]) == (2, 2)             # min(R, M^{T/2}) = min(2, 4)


def test_a_full_disk_during_a_sweep_rescues_the_records(tmp_path, monkeypatch, capsys):
    import tempfile

    from tnrnn.records import JsonlWriter

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    real, calls = JsonlWriter._read_new, []

    def full_after_two(self):
        calls.append(1)
        if len(calls) > 2:
            raise OSError(28, "No space left on device")
        return real(self)

    monkeypatch.setattr(JsonlWriter, "_read_new", full_after_two)
    out = tmp_path / "r.jsonl"
    code = main(["bounds", "-L", "1", "-R", "2", "-M", "2", "-T", "4,6,8,10", "-q", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "No space left" in err[0], err
    rescued = Path(err[0].rsplit(" ", 1)[1])
    lengths = [json.loads(line)["config"]["length"] for line in out.read_text().splitlines()]
    lengths += [json.loads(line)["config"]["length"] for line in rescued.read_text().splitlines()]
    assert sorted(lengths) == [4, 6, 8, 10]                         # nothing lost, nothing twice


def test_writer_to_a_full_device_rescues(tmp_path, monkeypatch):
    import tempfile

    from tnrnn.records import JsonlWriter, read_records

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    with JsonlWriter("/dev/full", rescue=True) as writer:
        writer.write({"a": 1})
        writer.write({"a": 2})
    assert writer.write_error and read_records(writer.rescued) == [{"a": 1}, {"a": 2}]
    with pytest.raises(OSError), JsonlWriter("/dev/full") as plain:
        plain.write({"a": 1})


def test_two_writers_in_one_process_keep_each_key_once(tmp_path):
    from tnrnn.records import JsonlWriter, read_records

    path = tmp_path / "k.jsonl"
    a = JsonlWriter(path, key=lambda r: r["k"])
    b = JsonlWriter(path, key=lambda r: r["k"])
    assert a.write({"k": 1, "by": "a"}) is not None
    assert b.write({"k": 1, "by": "b"}) is None                     # b sees a's line under the lock
    assert b.write({"k": 2, "by": "b"}) is not None and a.write({"k": 2, "by": "a"}) is None
    assert [b.poll(), a.poll()] == [[], []]
    a.close()
    b.close()
    assert [(r["k"], r["by"]) for r in read_records(path)] == [(1, "a"), (2, "b")]


def _swallowing_task(config):
    """A task whose Ctrl-C happens inside a C callback (as in numba's compiler): the exception is swallowed and
    the task then fails with a side effect, the way numba reports 'no compiled object yet'."""
    import ctypes

    if config["n"] == 1:
        @ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
        def compare(a, b):
            raise KeyboardInterrupt

        values = (ctypes.c_int * 2)(2, 1)
        ctypes.CDLL(None).qsort(values, 2, ctypes.sizeof(ctypes.c_int), compare)
        raise RuntimeError("no compiled object yet")
    return {"n": config["n"]}


def test_ctrl_c_swallowed_by_a_c_callback_stops_the_sweep(tmp_path, capsys):
    from tnrnn.runner import exit_status, read_task_records, run_sweep

    out = tmp_path / "s.jsonl"
    sweep = run_sweep(_swallowing_task, [{"n": 0}, {"n": 1}, {"n": 2}], out=out)
    assert sweep.interrupted and exit_status(sweep) == 130
    assert [r.result for r in read_task_records(out)] == [{"n": 0}]      # the side effect is not a result
    assert "Exception ignored" not in capsys.readouterr().err
    again = run_sweep(_swallowing_task, [{"n": 0}, {"n": 2}], out=out, resume=True)
    assert (again.resumed, again.ran, again.interrupted) == (1, 1, False)


def test_a_command_whose_ctrl_c_a_c_callback_swallowed_exits_130(capsys, monkeypatch):
    import tnrnn.cli.compile as compile_cmd

    def swallowed(args):
        _swallowing_task({"n": 1})

    monkeypatch.setattr(compile_cmd, "run", swallowed)
    assert _one_line(capsys, ["compile", *C], 130) == "tnrnn compile: interrupted"


# -- the Python API ---------------------------------------------------------------------------------------

def test_api_refuses_hangs_at_once():
    """Each refused before any work (how fast: benchmarks/bench_refusals.py)."""
    from tnrnn.network import mincut_bound
    from tnrnn.ranks import rank_bounds

    cases = [
        (lambda: rank_bounds(depth=10**30, hidden=2, inputs=2, length=4), errors.InvalidParameterError, "depth"),
        (lambda: rank_bounds(2, 2, 2, 10**7), errors.InvalidParameterError, "length"),
        (lambda: rank_bounds(4, 4, 4, 24, max_seconds=30), errors.TnrnnError, "would take"),
        (lambda: rank_bounds(2, 1000, 1000, 8), errors.TnrnnError, "would take"),
        (lambda: rank_bounds(1000, 1000, 2, 1000, method="closed-form"), errors.TnrnnError, "digits"),
        (lambda: mincut_bound("x"), errors.InvalidParameterError, "network"),
        (lambda: mincut_bound(None, "start-end"), errors.InvalidParameterError, "network"),
    ]
    for call, kind, needle in cases:
        with pytest.raises(kind, match=needle):
            call()


def test_closed_form_bits_match_the_integers():
    from tnrnn.ranks.bounds import degree_bound
    from tnrnn.ranks.cost import closed_form_bits

    for L, R, E in [(1, 5, 3), (2, 4, 8), (3, 3, 10), (5, 7, 6), (40, 3, 2), (2, 200, 50)]:
        assert abs(closed_form_bits(L, R, E) - degree_bound(L, R, E).bit_length()) <= 1.5


def test_check_output_rules(tmp_path):
    from tnrnn.limits import check_output

    (tmp_path / "fig.png").write_bytes(b"\x89PNG\r\n\x1a\n....")
    (tmp_path / "recs.jsonl").write_text('{"a": 1}\n')
    assert check_output(tmp_path / "fig.png", "--plot", "figure") == str(tmp_path / "fig.png")   # redrawn
    assert check_output(tmp_path / "recs.jsonl", "--out", "records", resume=True)
    assert check_output(os.devnull, "--out", "records") == os.devnull
    assert check_output(tmp_path / "new-folder", "--out", "folder")
    for path, kind, needle in [(tmp_path / "recs.jsonl", "records", "--resume"), ("/dev/full", "file", "device"),
                               ("/proc/x", "file", "proc"), (tmp_path / "recs.jsonl", "folder", "folder"),
                               ("   ", "file", "path"), ("/proc/new", "folder", "proc")]:
        with pytest.raises(errors.InvalidParameterError, match=needle):
            check_output(path, "--x", kind)


def test_python_api_is_quiet_without_progress(capfd):
    import tnrnn

    tnrnn.bench([(1, 2, 2, 3)], ["greedy"], repeats=1)
    assert capfd.readouterr().err == ""
