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
    assert d == {"x": 1, "y": 0.25, "tag": "a", "values": [2, 3.5]}
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
    assert load_results(path) == [{"a": 1}, {"a": 2}, {"a": 3}]


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
    assert json.loads(path.read_text()) == {"x": 1, "y": 2.0, "tag": "a", "values": []}


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


def test_memory_hankel_takes_max_memory_and_writes_records(tmp_path, capsys):
    from tnrnn.cli import main

    out = tmp_path / "h.jsonl"
    assert main(["memory", "hankel", "--target", "exp", "--max-memory", "1GiB", "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert read_records(out) == [printed]
    assert main(["memory", "hankel", "--target", "exp", "--out", str(out)]) == 2   # no --resume: not mixed
    assert "--out" in capsys.readouterr().err
