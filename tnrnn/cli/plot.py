"""``tnrnn plot``: re-draw a saved result (bounds, bench, spectrum or import records) without recomputing it."""

from __future__ import annotations

import argparse

from ..errors import InvalidParameterError
from ._common import add_term, declare, figure_path
from ._progress import Progress, add_progress_arguments

__all__ = ["RECORD_KINDS", "add_parser", "register_kind", "run", "record_kind"]

_EXAMPLES = """\
examples:
  tnrnn bounds -L 1,2,3 -R 3 -M 3 -T 2:12:2 --json > ranks.json
  tnrnn plot ranks.json --plot ranks.png
  tnrnn bench -L 2 -R 3 -M 3 -T 4:8:2 --out bench.jsonl && tnrnn plot bench.jsonl --plot-kind time --plot time.png
  tnrnn spectrum -L 2 -R 3 -M 2 -T 8 --json > spectrum.json && tnrnn plot spectrum.json --plot spectrum.svg
  tnrnn import untrained.pt trained.pt -T 8 --spectrum --json > models.json && tnrnn plot models.json --plot cmp.pdf

The kind of record is read from its fields: certified-rank records (tnrnn bounds --json),
benchmark records (tnrnn bench --json or --out JSON lines), spectra (tnrnn spectrum --json) and
imports with spectra (tnrnn import --spectrum --json; several are overlaid as s_k/s_1).
"""

#: Record kinds ``tnrnn plot`` re-draws, in detection order: kind -> (detector, drawer).
#: ``detector(record) -> bool`` reads a record's fields; ``drawer(records, args)`` draws
#: ``args.output`` from a list of records of that kind.  A track that writes a new kind of
#: record adds one entry here (and a round-trip test in tests/test_cli_plot.py).
RECORD_KINDS: dict = {}

#: kind -> the fields its drawer reads as numbers (or lists of numbers); checked before drawing.
NUMBER_FIELDS: dict = {}


def register_kind(name: str, detect, draw, numbers: tuple[str, ...] = ()) -> None:
    """Add a record kind: ``detect(record) -> bool``, ``draw(records, args)``; ``numbers``: the fields that
    must hold numbers, ``None`` or (nested) lists of them (a record whose field is a string is refused)."""
    RECORD_KINDS[name] = (detect, draw)
    if numbers:
        NUMBER_FIELDS[name] = tuple(numbers)


def _numeric(value) -> bool:
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return True
    return isinstance(value, list) and all(_numeric(v) for v in value)


def check_number_fields(kind: str, records, path) -> None:
    """Refuse records whose drawn fields are not numbers (e.g. every field a string), naming the first."""
    for number, r in enumerate(records, 1):
        for field in NUMBER_FIELDS.get(kind, ()):
            if field in r and not _numeric(r[field]):
                raise InvalidParameterError("RESULTS", path, f"{kind} records whose {field} is a number or a list "
                                            f"of numbers (record {number} has {type(r[field]).__name__})")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``plot`` subcommand."""
    p = subparsers.add_parser(
        "plot",
        help="re-draw a saved result file (bounds, bench, spectrum or import records)",
        description="Draw the figure of a result saved by another command (its --json output, or bench's "
                    "--out JSON lines) without computing anything again.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("results", help="a .json file (one record or a list) or .jsonl file (one record a line)")
    add_term(p, "plot", dest="output", deprecated=("--output", "-o"), required=True, metavar="PATH",
             type=figure_path("--plot"), help="the figure file: .png, .svg or .pdf")
    add_term(p, "plot-kind", dest="kind", deprecated=("--kind",), default="flops", choices=("flops", "time", "speedup"),
                   help="for benchmark records: flops vs T (default), time vs flops, or GPU speed-up")
    p.add_argument("--title", default=None, help="replace the figure's title")
    add_progress_arguments(p)
    declare(p, "figure")
    p.set_defaults(func=run)
    return p


def record_kind(record: dict) -> str:
    """The kind of a record (a key of :data:`RECORD_KINDS`), from its fields.

    Examples
    --------
    >>> record_kind({"singular_values": [1.0], "tolerance": 0.0, "numerical_rank": 1})
    'spectrum'
    """
    for name, (detect, _) in RECORD_KINDS.items():
        if detect(record):
            return name
    raise InvalidParameterError("results", "a record with fields " + ", ".join(sorted(record)[:8]),
                                "records of " + ", ".join(RECORD_KINDS))


def _spectrum(record: dict):
    from types import SimpleNamespace

    import numpy as np

    fields = dict(record)
    fields["singular_values"] = np.asarray(record["singular_values"], dtype=np.float64)
    for name in ("tolerance", "numerical_rank"):
        if name not in fields:
            raise InvalidParameterError("results", f"a spectrum without {name}", "spectra as tnrnn writes them")
    if "shape" in fields:
        fields["shape"] = tuple(fields["shape"])
    return SimpleNamespace(**fields)


def run(args) -> int:
    """Run ``tnrnn plot`` with parsed arguments; returns the exit code."""
    import os

    from ..limits import check_memory
    from ..plotting.figure import figure_format
    from ..records import read_records

    figure_format(args.output, "--plot")
    if os.path.isfile(args.results):   # parsed JSON takes several times the text: refused before it is read
        check_memory(f"reading {args.results}", JSON_BYTES_PER_BYTE * os.path.getsize(args.results),
                     args.max_memory, "raise --max-memory for a file this large")
    records = read_records(args.results, missing_ok=False, name="RESULTS")
    if not records:
        raise InvalidParameterError("RESULTS", args.results, "a file with at least one record")
    try:
        kinds = {record_kind(r) for r in records}
    except InvalidParameterError:
        raise
    except Exception as err:   # a detector tripped on a wrongly typed field
        raise InvalidParameterError("RESULTS", args.results, f"records tnrnn wrote ({type(err).__name__}: {err})") from None
    if len(kinds) > 1:
        raise InvalidParameterError("results", "records of kinds " + ", ".join(sorted(kinds)), "records of one kind")
    (kind,) = kinds
    if kind != "bench" and "kind" in getattr(args, "_given", ()):   # --plot-kind chooses a bench figure only
        raise InvalidParameterError("--plot-kind", args.kind, f"no --plot-kind for {kind} records (it chooses "
                                    "the figure of bench records only)")
    with Progress.from_args(args).stage(f"drawing {len(records)} {kind} records"):
        _draw(kind, records, args)
    if args.json:
        import json

        print(json.dumps({"kind": "plot", "figure": args.output, "records": len(records), "record_kind": kind}))
    else:
        print(f"wrote {args.output}: {len(records)} {kind} record{'s' if len(records) != 1 else ''}")
    return 0


#: Parsed JSON records take up to this many bytes per byte of text (Python objects); the size estimate of
#: ``tnrnn plot`` before it reads a file.
JSON_BYTES_PER_BYTE = 16


def _draw(kind, records, args) -> None:
    """Draw with the kind's drawer; records whose fields are missing or wrongly typed are one error line."""
    from ..errors import OutputError, TnrnnError

    check_number_fields(kind, records, args.results)
    try:
        RECORD_KINDS[kind][1](records, args)
    except TnrnnError:
        raise
    except OSError as err:
        raise OutputError(f"could not write --output {args.output} ({err.strerror or err})") from None
    except (TypeError, KeyError, ValueError, AttributeError, IndexError, OverflowError) as err:
        text = " ".join(str(err).split())[:200]
        raise InvalidParameterError("RESULTS", args.results,
                                    f"{kind} records with the fields tnrnn writes ({type(err).__name__}: {text})") from None


def _draw_ranks(records, args) -> None:
    from ..plotting.ranks import plot_ranks
    from ..ranks.records import RankBounds

    plot_ranks([RankBounds.from_dict(r) for r in records], path=args.output, title=args.title)


def _draw_bench(records, args) -> None:
    from ..bench.records import BenchRecord
    from ..plotting.bench import plot_bench

    plot_bench([BenchRecord.from_dict(r) for r in records], args.kind, path=args.output, title=args.title)


def _draw_spectra(records, args) -> None:
    specs = [_spectrum(r["spectrum"] if "import" in r else r) for r in records]
    if len(specs) == 1:
        from ..plotting.spectra import plot_spectrum

        plot_spectrum(specs[0], path=args.output, title=args.title)
    else:
        from ..plotting.spectra import plot_spectra

        labels = [str(r.get("label", k + 1)) for k, r in enumerate(records)]
        plot_spectra(specs, labels, path=args.output, title=args.title)


register_kind("import", lambda r: "spectrum" in r and "import" in r, _draw_spectra)
register_kind("spectrum", lambda r: "singular_values" in r, _draw_spectra)
register_kind("bench", lambda r: "strategy" in r and "num_tensors" in r, _draw_bench)
register_kind("ranks", lambda r: {"lower", "upper", "cut", "length"} <= set(r), _draw_ranks)
