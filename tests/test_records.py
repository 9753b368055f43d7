"""The records layer: one JSON-lines reader/writer, one table formatter, the shared CLI options."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrnn.errors import InvalidParameterError
from tnrnn.records import JsonlWriter, Record, format_table, jsonable, load_results, read_records


@dataclass(frozen=True)
class _Point(Record):
    x: int
    y: float
    tag: str
    values: tuple


def test_record_round_trips_through_json_and_pandas():
    pd = pytest.importorskip("pandas")
    from tnrnn.records import to_pandas

    p = _Point(1, np.float64(0.25), "a", (np.int64(2), 3.5))
    d = json.loads(p.to_json())
    assert d == {"kind": "point", "x": 1, "y": 0.25, "tag": "a", "values": [2, 3.5]}
    assert type(d["y"]) is float and type(p.to_dict()["values"][0]) is int
    df = to_pandas([p, _Point(2, 0.5, "b", ())])
    assert isinstance(df, pd.DataFrame) and list(df["x"]) == [1, 2] and list(df["tag"]) == ["a", "b"]


def test_jsonable_refuses_what_json_cannot_hold():
    with pytest.raises(InvalidParameterError, match="record"):
        jsonable({"f": object()})


def test_table_has_no_trailing_whitespace_and_hoists_constant_columns():
    rows = [{"T": 4, "rank": 3, "energy": 1.0, "note": ""}, {"T": 16, "rank": 12, "energy": 1.0, "note": ""}]
    text = format_table(rows, drop_constant=True)
    lines = text.splitlines()
    assert lines == ["energy: 1", "T   rank", "4   3", "16  12"]


def test_table_shows_missing_and_non_finite_values_as_na():
    text = format_table([{"a": None, "b": math.nan, "c": math.inf, "d": 1.5}])
    assert text.splitlines()[1].split() == ["n/a", "n/a", "n/a", "1.5"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from("abc"), st.one_of(st.integers(-10**6, 10**6), st.text("xyz ", max_size=4),
                                                                    st.floats(allow_nan=True))), min_size=1, max_size=6))
def test_table_columns_align(rows):
    rows = [r for r in rows if r] or [{"a": 1}]
    lines = format_table(rows).split("\n")
    assert len(lines) == len(rows) + 1 and all(line == line.rstrip() for line in lines)


def test_truncated_last_line_rule(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": ')
    with pytest.warns(UserWarning, match="truncated last line"):
        assert read_records(path) == [{"a": 1}, {"a": 2}]
    with JsonlWriter(path, resume=True) as out:   # resume cuts the torn line off before appending
        assert out.existing == [{"a": 1}, {"a": 2}]
        out.write({"a": 3})
    assert path.read_text() == '{"a": 1}\n{"a": 2}\n{"a": 3}\n'
    assert read_records(path) == [{"a": 1}, {"a": 2}, {"a": 3}]
    with pytest.warns(DeprecationWarning, match="read_records"):
        assert load_results(path) == read_records(path)


def test_a_bad_interior_line_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"a": 1}\nnot json\n{"a": 2}\n')
    with pytest.raises(InvalidParameterError, match="line 2"):
        read_records(path)
    path.write_bytes(b'{"a": "\xff"}\n')
    with pytest.raises(InvalidParameterError, match="UTF-8"):
        read_records(path)


def test_writer_refuses_to_mix_runs_without_resume(tmp_path):
    path = tmp_path / "r.jsonl"
    with JsonlWriter(path) as out:
        out.write(_Point(1, 2.0, "a", ()))
    with pytest.raises(InvalidParameterError, match="resume"):
        JsonlWriter(path)
    assert json.loads(path.read_text()) == {"kind": "point", "x": 1, "y": 2.0, "tag": "a", "values": []}


def test_huge_integers_round_trip_exactly(tmp_path):
    big = 3 ** 20000
    path = tmp_path / "r.jsonl"
    with JsonlWriter(path) as out:
        out.write({"rank": big})
    assert read_records(path) == [{"rank": big}]


def test_every_subcommand_has_the_shared_options():
    """Walk the parser: every leaf has the universal options, and --out/--resume/--plot where it declares them."""
    from tnrnn.cli import build_parser
    from tnrnn.cli._common import FIGURE_OPTIONS, RECORD_OPTIONS, UNIVERSAL_OPTIONS, leaf_parsers

    leaves = list(leaf_parsers(build_parser()))
    assert len(leaves) >= 17
    for name, p in leaves:
        have = set(p._option_string_actions)
        produces = p.get_default("produces")
        assert produces is not None, f"{name} does not declare what it produces (cli._common.declare)"
        want = set(UNIVERSAL_OPTIONS) | (set(RECORD_OPTIONS) if "records" in produces else set()) | (
            set(FIGURE_OPTIONS) if "figure" in produces else set())
        assert want <= have, f"{name} lacks {sorted(want - have)}"
        assert p.get_default("func") is not None, name


def test_one_name_per_concept_and_one_concept_per_name():
    """Walk the parser: every option spelled like a vocabulary name is that concept, every concept has one
    live name (old spellings only as deprecated aliases), and every --json states its shape."""
    from tnrnn.cli import build_parser
    from tnrnn.cli._common import leaf_parsers, vocabulary_problems

    assert vocabulary_problems(leaf_parsers(build_parser())) == []


def test_the_vocabulary_check_fails_on_two_meanings_and_on_two_names():
    import argparse

    from tnrnn.cli._common import add_json_argument, add_term, vocabulary_problems

    two_meanings = argparse.ArgumentParser()   # --inputs as a distribution, as memory horizon once had it
    two_meanings.add_argument("--inputs", choices=("gaussian", "onehot"))
    assert any("--inputs means 'inputs'" in p for p in vocabulary_problems([("x", two_meanings)]))
    two_names = argparse.ArgumentParser()      # width as --widths, as memory curse once had it
    two_names.add_argument("--widths")
    assert any("replaced name of 'hidden'" in p for p in vocabulary_problems([("x", two_names)]))
    extra = argparse.ArgumentParser()          # a concept under a second live spelling
    add_term(extra, "hidden").option_strings.append("--units")
    assert any("spelled" in p for p in vocabulary_problems([("x", extra)]))
    shapeless = argparse.ArgumentParser()
    add_term(shapeless, "json", action="store_true")
    assert any("shape" in p for p in vocabulary_problems([("x", shapeless)]))
    fine = argparse.ArgumentParser()
    add_term(fine, "hidden", deprecated=("--widths", "-H"))
    add_json_argument(fine, "json")
    assert vocabulary_problems([("x", fine)]) == []


def test_deprecated_spellings_work_with_a_warning(capsys, tmp_path):
    """Old spellings of the renamed options still work for one release, with one warning line on stderr."""
    from tnrnn.cli import build_parser

    parser = build_parser()
    cases = [
        (["draw", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "-o", str(tmp_path / "c.png")], "output",
         str(tmp_path / "c.png"), "-o"),
        (["train", "ses", "--seeds", "4", "--out", "r"], "seeds", 4, "--seeds"),
        (["train", "ses", "-H", "9", "--out", "r"], "hidden", 9, "-H"),
        (["memory", "compare", "--out", "c", "--jobs", "3"], "jobs", 3, "--jobs"),
        (["memory", "horizon", "m.npz", "--inputs", "onehot"], "inputs", "onehot", "--inputs"),
        (["memory", "curse", "--widths", "1:3"], "widths", [1, 2, 3], "--widths"),
        (["bench", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "--budget", "3"], "budget", 3.0, "--budget"),
    ]
    for argv, dest, value, old in cases:
        args = parser.parse_args(argv)
        assert getattr(args, dest) == value, argv
        err = capsys.readouterr().err
        assert f"{old} is deprecated" in err and len(err.strip().splitlines()) == 1, err


def test_memory_hankel_takes_max_memory_and_writes_records(tmp_path, capsys):
    from tnrnn.cli import main

    out = tmp_path / "h.jsonl"
    assert main(["memory", "hankel", "--target", "exp", "--max-memory", "1GiB", "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert read_records(out) == [printed]
    assert main(["memory", "hankel", "--target", "exp", "--out", str(out)]) == 2   # no --resume: not mixed
    assert "--out" in capsys.readouterr().err


def test_the_vocabulary_is_documented():
    """docs/cli.rst lists every concept's name and every replaced spelling; CHANGELOG.md every rename."""
    import pathlib

    from tnrnn.cli._common import VOCABULARY

    root = pathlib.Path(__file__).resolve().parents[1]
    page, changelog = (root / "docs" / "cli.rst").read_text(), (root / "CHANGELOG.md").read_text()
    for term in VOCABULARY.values():
        assert f"``{term.name}``" in page, term.name
        for old in term.synonyms:
            assert f"``{old}``" in page and f"`{old}" in changelog, old


def test_one_reader_gives_the_result_rows_of_a_sweep_file_with_kind(tmp_path, capsys):
    """A bounds --out file (sweep lines) and the --json output read back as the same rows, each with kind."""
    from tnrnn import rank_bounds
    from tnrnn.cli import main

    out, doc = tmp_path / "b.jsonl", tmp_path / "b.json"
    assert main(["bounds", "-L", "1", "-R", "2", "-M", "2", "-T", "2,4", "--method", "closed-form", "--out",
                 str(out), "-q"]) == 0
    capsys.readouterr()
    assert main(["bounds", "-L", "1", "-R", "2", "-M", "2", "-T", "2,4", "--method", "closed-form", "--json",
                 "-q"]) == 0
    doc.write_text(capsys.readouterr().out)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert {line["kind"] for line in lines} == {"sweep"}        # the file keeps its envelopes ...
    rows, again = read_records(out), read_records(doc)            # ... the reader gives the results
    assert [r["kind"] for r in rows] == ["bounds", "bounds"] and [r["length"] for r in rows] == [2, 4]
    strip = [{k: v for k, v in r.items() if k not in ("seconds", "versions", "run_id", "timestamp")} for r in rows]
    assert strip == [{k: v for k, v in r.items() if k not in ("seconds", "versions", "run_id", "timestamp")} for r in again]
    want = rank_bounds(1, 2, 2, 4, method="closed-form")
    assert rows[1]["upper"] == want.upper and want.to_dict()["kind"] == "bounds"


def test_every_record_type_carries_kind():
    """The package walk: every Record subclass's to_dict starts with its kind (whatever its own to_dict does)."""
    import dataclasses

    from tnrnn.records import Record

    @dataclasses.dataclass(frozen=True)
    class Custom(Record):
        x: int

        def to_dict(self):
            return {"x": self.x}

    assert Custom(1).to_dict() == {"kind": "custom", "x": 1}
    assert list(_Point(1, 2.0, "a", ()).to_dict())[0] == "kind"


def test_result_reprs_are_one_short_line():
    """quimb style: the repr of a result is one line of its scalars (no arrays dumped)."""
    from tnrnn import RAC, rank_bounds
    from tnrnn.measures import EchoStateNetwork, memory_capacity
    from tnrnn.network.spectrum import spectrum

    results = [rank_bounds(2, 3, 3, 6, method="closed-form"), spectrum(RAC.random(1, 3, 2, seed=0), length=6),
               memory_capacity(EchoStateNetwork.random(30, seed=0), lags=40, length=3000, seed=0)]
    for r in results:
        text = repr(r)
        assert "\n" not in text and len(text) <= 120 and "array(" not in text, text
        assert text.startswith(type(r).__name__ + "(")
    b = results[0]
    assert repr(b) == (f"RankBounds(L=2, R=3, M=3, T=6, cut='start-end', lower={b.lower}, upper={b.upper}, "
                       f"exact={b.exact}, method='closed-form')")


def test_the_append_lock_excludes_another_process(tmp_path):
    """The writer's lock (filelock, portable) is held across processes: a second one times out while it is held."""
    import subprocess
    import sys

    from tnrnn.records import _append_lock

    path = tmp_path / "r.jsonl"
    probe = ("import sys; from filelock import Timeout; from tnrnn.records import _append_lock\n"
             "try:\n    _append_lock(sys.argv[1]).acquire(timeout=0.2); print('free')\n"
             "except Timeout:\n    print('held')")
    with _append_lock(path):
        held = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=120)
    free = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=120)
    assert (held.stdout.strip(), free.stdout.strip()) == ("held", "free"), (held.stderr, free.stderr)
