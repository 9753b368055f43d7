"""Arguments and parsing shared by the subcommands, and the conventions every subcommand follows.

Conventions (every subcommand, including new ones)
--------------------------------------------------
Memory
    Call :func:`add_max_memory_argument` (``--max-memory``, default 4GiB,
    parsed when the arguments are parsed, so ``args.max_memory`` is a number
    of bytes) and pass ``args.max_memory`` to every function that allocates in
    proportion to its inputs.  Those functions estimate their memory from the
    shapes *before* allocating and call :func:`tnrnn.limits.check_memory`,
    which raises :class:`~tnrnn.errors.MemoryLimitError` with the estimate and
    the way around (a flag that exists) in one line.
Output paths
    Every option naming a file to write (``--plot``, ``-o``, ``--out``) uses
    ``type=output_path("--out")`` (any file) or ``type=figure_path("--plot")``
    (``.png``, ``.svg``, ``.pdf``): the path is checked for writability when
    the arguments are parsed, before any work.  Figures are written
    atomically by :func:`tnrnn.plotting.figure.save_figure`.  When a write
    fails after the work (disk full, folder removed), call
    :func:`write_or_rescue`: it saves the records as JSON in the temporary
    folder and the error says where.
Lists and ranges
    Options taking several integers go through :func:`int_list`, which
    counts a range before expanding it (at most :data:`MAX_LIST_VALUES`) and
    checks a ``minimum`` naming the option.
Errors and exit codes
    Raise :class:`~tnrnn.errors.InvalidParameterError` (or another
    :class:`~tnrnn.errors.TnrnnError`) naming the option (``"--length"``); a
    Python API error naming a keyword (``cut``) is renamed to the option
    (``--cut``) by :func:`tnrnn.cli.main` when the subcommand has it.
    :func:`tnrnn.cli.main` prints every error as one line
    ``tnrnn COMMAND: error: ...`` on stderr.  Exit status: 0 success; 2 bad
    input (argparse errors, :class:`~tnrnn.errors.TnrnnError`, refused memory,
    unreadable input files); 1 a write that failed after the work
    (:class:`~tnrnn.errors.OutputError`, the line says where the results
    went) or an internal error (any other exception: the line says ``rerun
    with --debug``, which shows the traceback); 130 interrupted (what finished
    stays valid).  Never print a traceback without ``--debug``.  ``main()``
    returns the status (argparse errors included); only ``--help`` and
    ``--version`` raise ``SystemExit(0)``.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass

from ..errors import InvalidParameterError
from ..validation import parse_int

#: The most values one list or range option may expand to.
MAX_LIST_VALUES = 10_000

#: Help text of every ``--cut`` option.
CUT_HELP = "start-end (default), interleaved, prefix:S, or positions like 0,2|1,3"


def int_list(text: str, name: str, *, minimum: int | None = None, max_values: int = MAX_LIST_VALUES) -> list[int]:
    """Parse ``"4,8,16"`` or ranges ``"4:16:4"`` (inclusive stop) into integers.

    Examples
    --------
    >>> int_list("2,4:8:2", "--length")
    [2, 4, 6, 8]

    Ranges are counted before they are expanded, so a huge range is refused
    at once (at most ``max_values`` values), and with ``minimum`` every value
    is checked, naming the option:

    >>> int_list("0,1", "--depth", minimum=1)
    Traceback (most recent call last):
    ...
    tnrnn.errors.InvalidParameterError: invalid --depth=0: expected an integer >= 1
    """
    from ..limits import check_count

    ranges: list[range] = []
    for part in str(text).split(","):
        part = part.strip()
        try:
            if ":" in part:
                bits = [parse_int(b) for b in part.split(":")]
                if len(bits) not in (2, 3) or (len(bits) == 3 and bits[2] < 1):
                    raise ValueError
                step = bits[2] if len(bits) == 3 else 1
                ranges.append(range(bits[0], bits[1] + 1, step))
            elif part:
                value = parse_int(part)
                ranges.append(range(value, value + 1))
        except ValueError:
            raise InvalidParameterError(name, text, "integers like 4,8,16 or a range 4:16:4") from None
    check_count(name, text, sum(len(r) for r in ranges), max_values)
    if minimum is not None:
        for r in ranges:
            if len(r) and min(r[0], r[-1]) < minimum:
                raise InvalidParameterError(name, min(r[0], r[-1]), f"an integer >= {minimum}")
    values = [v for r in ranges for v in r]
    if not values:
        raise InvalidParameterError(name, text, "at least one integer")
    return values


def _argparse_type(check, name: str):
    """An argparse ``type=`` that runs ``check(text, name)``; errors become argparse's one line (exit 2)."""

    def parse(text):
        try:
            return check(text, name)
        except InvalidParameterError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    parse.__name__ = name
    return parse


def output_path(name: str):
    """An argparse ``type=`` for a file to write: checked by :func:`tnrnn.limits.check_writable`.

    Examples
    --------
    >>> output_path("--out")("results.jsonl")
    'results.jsonl'
    """
    from ..limits import check_writable

    return _argparse_type(check_writable, name)


def figure_path(name: str):
    """An argparse ``type=`` for a figure file: a ``.png``, ``.svg`` or ``.pdf`` path that can be written."""

    def check(text, name):
        from ..plotting.figure import figure_format

        figure_format(text, name)
        return text

    return _argparse_type(check, name)


# -- the vocabulary: one name per concept, one concept per name, across every subcommand ----------------
@dataclass(frozen=True)
class Term:
    """One concept of the command line: its option name, short flag, meaning, and the spellings it replaced.

    ``synonyms`` are spellings that some command used for this concept
    before; they are accepted only as deprecated aliases (a warning on
    stderr) for one release, never as a live option (tests/test_records.py
    walks the parser and fails otherwise).
    """

    concept: str
    name: str
    short: str | None
    meaning: str
    synonyms: tuple[str, ...] = ()


#: The vocabulary (docs/cli.rst, "Vocabulary"): every command adds these options through :func:`add_term`.
VOCABULARY = {t.concept: t for t in (
    Term("depth", "--depth", "-L", "depth L: stacked recurrent layers", ("--layers",)),
    Term("hidden", "--hidden", "-R", "width R (also called H): units per layer", ("--width", "--widths", "-H")),
    Term("inputs", "--inputs", "-M", "input dimension M (the size of one input vector)"),
    Term("input-dist", "--input-dist", None, "distribution of the random inputs that drive a model"),
    Term("length", "--length", "-T", "sequence length(s) T", ("--lengths",)),
    Term("seed", "--seed", None, "one seed (an index) of the weights or the sampling"),
    Term("seeds", "--seeds", None, "the seeds to run: a list or range of seed indices, e.g. 0:29"),
    Term("n-seeds", "--n-seeds", None, "how many seeds to run: seeds 0..k-1"),
    Term("lags", "--lags", None, "K, how many lags are measured"),
    Term("budget", "--budget", None, "how deeper networks are sized against the shallowest (match, dof, none)"),
    Term("strategy-seconds", "--strategy-seconds", None,
         "seconds per strategy and network for planning, per backend for timing"),
    Term("plot", "--plot", None, "the figure file to draw (.png, .svg or .pdf)", ("--output", "-o")),
    Term("plot-kind", "--plot-kind", None, "which figure of benchmark records", ("--kind",)),
    Term("workers", "--workers", None, "worker processes (a local Dask cluster, or a process pool)", ("--jobs",)),
    Term("max-steps", "--max-steps", None, "training steps at most per run (the cap)"),
    Term("target", "--target", None, "the target function(s) to approximate or learn", ("--targets",)),
    Term("target-accuracy", "--target-accuracy", None, "validation accuracy at which training stops"),
    Term("test-fraction", "--test-fraction", None, "held-out fraction of the rows or sequences"),
    Term("horizon-tol", "--horizon-tol", None, "memory-horizon tolerance, relative to the maximum"),
    Term("student-circuit", "--student-circuit", None,
         "the students' layer kind(s) in tnrnn train teacher: rac, ssm, gla, or a comma list"),
    Term("backend", "--backend", None, "where to compute: numpy, torch, cupy ... (bench: a list)", ("--backends", "-b")),
    Term("json", "--json", None, "print the result as JSON on stdout (the JSON rule: docs/cli.rst)"),
)}

#: The ``--json`` rule: a command prints ONE JSON document per run (``json.loads`` of the whole stdout): an
#: object when the run makes one result, a list of records when it makes several (a sweep, several files or
#: targets); a streaming command (``train``) prints JSON lines, one record per line.  Every ``--json`` says
#: which (``add_json_argument``).
JSON_SHAPES = ("document", "lines")


class _Deprecated(argparse.Action):
    """A deprecated spelling: stores like the option it stands for, with a warning on stderr (one release)."""

    deprecated_for = ""

    def __call__(self, parser, namespace, values, option_string=None):
        import sys

        print(f"{parser.prog}: warning: {option_string} is deprecated and goes in the next release; "
              f"use {self.deprecated_for}", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_term(p, concept: str, *, deprecated: tuple[str, ...] = (), short: bool = True, **kwargs):
    """Add the option of ``concept`` (:data:`VOCABULARY`) to ``p``, with ``deprecated`` spellings as aliases.

    ``kwargs`` go to ``add_argument`` (``dest`` keeps a command's attribute
    name, ``help``, ``type``, ``default`` ...).  The action is tagged with its
    concept, which the parser-walking test checks.  A required option with
    deprecated aliases becomes a required choice between them.

    Examples
    --------
    >>> p = argparse.ArgumentParser(prog="tnrnn x")
    >>> _ = add_term(p, "workers", deprecated=("--jobs",), type=parse_int, default=1)
    >>> p.parse_args(["--workers", "2"]).workers
    2
    """
    if concept not in VOCABULARY:
        raise InvalidParameterError("concept", concept, "one of " + ", ".join(VOCABULARY))
    term = VOCABULARY[concept]
    names = [term.name] + ([term.short] if term.short and short else [])
    target = p
    if kwargs.get("required") and deprecated:
        target = p.add_mutually_exclusive_group(required=True)
        kwargs.pop("required")
    action = target.add_argument(*names, **kwargs)
    action.concept = concept
    for old in deprecated:
        alias = target.add_argument(old, dest=action.dest, type=action.type, choices=action.choices,
                                    metavar=action.metavar, action=_Deprecated, help=argparse.SUPPRESS)
        alias.concept, alias.deprecated_for = concept, term.name
    return action


def add_json_argument(p, help: str, *, shape: str = "document"):
    """``--json``: ``shape`` is ``"document"`` (one JSON document per run) or ``"lines"`` (streaming)."""
    if shape not in JSON_SHAPES:
        raise InvalidParameterError("shape", shape, " or ".join(JSON_SHAPES))
    action = add_term(p, "json", action="store_true", help=help)
    action.json_shape = shape
    return action


def vocabulary_problems(leaves) -> list[str]:
    """What breaks the vocabulary in ``leaves`` (``(name, parser)`` pairs, e.g. :func:`leaf_parsers`); ``[]`` if none.

    * a name means two things: an option spelled like a :data:`VOCABULARY`
      name (or short flag) that was not made for that concept by
      :func:`add_term`;
    * a concept has two names: an option made for a concept under another
      live spelling, or a live option spelled like a replaced synonym (a
      synonym is allowed only as a deprecated alias);
    * ``--json`` without its shape (:data:`JSON_SHAPES`).
    """
    owner = {}
    for term in VOCABULARY.values():
        owner[term.name] = term.concept
        if term.short:
            owner[term.short] = term.concept
    synonym = {s: t.concept for t in VOCABULARY.values() for s in t.synonyms}
    problems = []
    for name, parser in leaves:
        for action in parser._actions:
            if not action.option_strings or isinstance(action, _Deprecated):
                continue
            concept = getattr(action, "concept", None)
            for option in action.option_strings:
                if option in owner and concept != owner[option]:
                    problems.append(f"{name}: {option} means {owner[option]!r} in the vocabulary, "
                                    f"but here it is {concept or 'another option (not from add_term)'}")
                if option in synonym:
                    problems.append(f"{name}: {option} is a replaced name of {synonym[option]!r} "
                                    f"(use {VOCABULARY[synonym[option]].name}; keep {option} only as deprecated)")
            if concept is not None:
                term = VOCABULARY[concept]
                other = set(action.option_strings) - {term.name, term.short}
                if other or term.name not in action.option_strings:
                    problems.append(f"{name}: {concept!r} is spelled {', '.join(action.option_strings)}, "
                                    f"not {term.name}")
            if "--json" in action.option_strings and getattr(action, "json_shape", None) not in JSON_SHAPES:
                problems.append(f"{name}: --json does not say its shape (add_json_argument)")
    return problems


def add_max_memory_argument(p: argparse.ArgumentParser, what: str = "computations") -> None:
    """``--max-memory SIZE`` (default 4GiB), parsed to a number of bytes when the arguments are parsed."""
    from ..limits import parse_memory

    p.add_argument("--max-memory", default="4GiB", type=_argparse_type(parse_memory, "--max-memory"),
                   metavar="SIZE",
                   help=f"refuse {what} whose estimated memory is above SIZE, e.g. 512MiB (default 4GiB)")


def write_or_rescue(write, records, option: str, path: str, command: str) -> None:
    """Call ``write()``; if it fails with ``OSError``, save ``records`` (JSON) in the temporary folder and raise.

    The error names ``option`` and ``path``, the reason, and where the
    records were saved, so that a failure to write after a long run loses
    nothing.
    """
    from ..errors import OutputError

    try:
        write()
    except OSError as err:
        import tempfile
        import time

        fd, rescue = tempfile.mkstemp(prefix=f"tnrnn-{command}-{time.strftime('%Y%m%dT%H%M%S')}-", suffix=".json")
        with os.fdopen(fd, "w") as fh:
            json.dump(records, fh, indent=1)
        reason = err.strerror or str(err)
        raise OutputError(f"could not write {option} {path} ({reason}); the results were saved to {rescue}") from None


def circuit_kind(text: str, name: str = "--circuit") -> str:
    """``--circuit``: a registered layer kind (:func:`tnrnn.circuits.list_kinds`), else one line naming them."""
    from ..circuits import layer_kind

    try:
        return layer_kind(text).name
    except InvalidParameterError as err:
        raise InvalidParameterError(name, text, err.allowed) from None


def add_circuit_arguments(p: argparse.ArgumentParser, *, lists: bool = False) -> None:
    """``--circuit``, ``--depth/-L``, ``--hidden/-R``, ``--inputs/-M``, ``--length/-T``.

    With ``lists``, each of the sizes takes a list or range (parse with :func:`int_list`).
    """
    from ..circuits import KIND_NAMES

    kind = {} if lists else {"type": parse_int}
    more = " (list or range allowed)" if lists else ""
    p.add_argument("--circuit", default="rac", type=_argparse_type(circuit_kind, "--circuit"),
                   help=f"layer kind: {', '.join(KIND_NAMES)} (default rac; docs/theory.rst defines each)")
    add_term(p, "depth", required=True, help="depth L" + more, **kind)
    add_term(p, "hidden", required=True, help="width R" + more, **kind)
    add_term(p, "inputs", required=True, help="input dimension M" + more, **kind)
    add_term(p, "length", required=True,
             help="lengths T, e.g. 4,8,16 or 4:16:4" if lists else "number of time steps T", **kind)


def require_circuits(args, supported: tuple[str, ...], command: str) -> None:
    """Refuse a ``--circuit`` that ``command`` does not take yet, in one line naming the ones it takes."""
    if getattr(args, "circuit", "rac") not in supported:
        raise InvalidParameterError("--circuit", args.circuit,
                                    f"{', '.join(supported)} (tnrnn {command} takes only these kinds)")


def add_cut_argument(p: argparse.ArgumentParser) -> None:
    """``--cut``, defaulting to ``start-end``."""
    p.add_argument("--cut", default="start-end", help=CUT_HELP)


def add_resume_argument(p: argparse.ArgumentParser, what: str = "the records FILE already has") -> None:
    """``--resume``: the one resume rule -- an existing ``--out`` with records is refused without it.

    Commands writing records through :func:`write_records` or
    :class:`tnrnn.records.JsonlWriter` get the rule from the writer; commands
    whose ``--out`` is a folder call :func:`check_resume` on the records file
    inside it before any work.
    """
    p.add_argument("--resume", action="store_true", help=f"with --out: keep {what} and skip what they cover "
                   "(an --out that has records is refused without it)")


def check_resume(args, records_path: str) -> None:
    """Refuse ``records_path`` (inside the ``--out`` folder) when it holds records and ``--resume`` is not given.

    ``--fresh`` (where a command has it) discards them instead; ``--fresh --resume`` is refused.
    """
    resume, fresh = bool(getattr(args, "resume", False)), bool(getattr(args, "fresh", False))
    if resume and fresh:
        raise InvalidParameterError("--fresh", True, "no --fresh with --resume (one keeps the records, one drops them)")
    if resume or fresh:
        return
    try:
        has = os.path.getsize(records_path) > 0
    except OSError:
        return
    if has:
        more = ", or --fresh to start over" if hasattr(args, "fresh") else ""
        raise InvalidParameterError("--out", getattr(args, "out", records_path),
                                    f"a folder without records, or --resume to continue the records in "
                                    f"{records_path}{more}")


#: The options every subcommand has (``tnrnn/cli/__init__.build_parser`` adds the missing ones to every leaf).
UNIVERSAL_OPTIONS = ("--max-memory", "--progress", "--quiet", "--json", "--debug")
#: The options of every subcommand that produces records (``produces`` contains ``"records"``).
RECORD_OPTIONS = ("--out", "--resume")
#: The option of every subcommand that draws a figure (``produces`` contains ``"figure"``).
FIGURE_OPTIONS = ("--plot",)


def declare(p: argparse.ArgumentParser, *produces: str) -> None:
    """Declare what a subcommand produces: ``"records"`` (then it has ``--out/--resume``), ``"figure"`` (``--plot``).

    Call it in ``add_parser``; :func:`add_common_arguments`, applied to every
    subcommand by :func:`tnrnn.cli.build_parser`, adds the options the
    declaration implies that the subcommand did not define itself.
    """
    bad = set(produces) - {"records", "figure"}
    if bad:
        raise InvalidParameterError("produces", ", ".join(sorted(bad)), "records, figure")
    p.set_defaults(produces=tuple(produces))


def add_common_arguments(p: argparse.ArgumentParser) -> None:
    """Add to ``p`` every shared option it lacks (see the module docstring and :data:`UNIVERSAL_OPTIONS`).

    Options a subcommand defines itself (with its own help) are kept; this
    only fills the gaps, so that every subcommand has the same options by
    construction.
    """
    from ._progress import add_progress_arguments

    have = set(p._option_string_actions)
    produces = p.get_default("produces") or ()
    if "--max-memory" not in have:
        add_max_memory_argument(p)
    if "--progress" not in have and "--quiet" not in have:
        add_progress_arguments(p)
    if "--json" not in have:
        add_json_argument(p, "print the result as one JSON document on stdout (progress on stderr)")
    if "--debug" not in have:
        p.add_argument("--debug", action="store_true", help="show the traceback of an error")
    if "records" in produces:
        if "--out" not in have:
            p.add_argument("--out", type=output_path("--out"), default=None, metavar="FILE",
                           help="append the records to FILE (JSON lines), one line each as it is made")
        if "--resume" not in have:
            add_resume_argument(p)
    if "figure" in produces and "--plot" not in have:
        add_term(p, "plot", type=figure_path("--plot"), default=None, metavar="PATH",
                 help="also draw the figure to PATH (.png, .svg or .pdf)")


def leaf_parsers(parser: argparse.ArgumentParser, prefix: str = "tnrnn"):
    """``(name, parser)`` of every leaf subcommand (``tnrnn memory capacity`` ...), depth first."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield prefix, parser
        return
    for name, sub in subs[0].choices.items():
        yield from leaf_parsers(sub, f"{prefix} {name}")


def write_records(args, records, *, command: str) -> None:
    """With ``--out FILE``: append ``records`` (dicts or records) to FILE as JSON lines (``--resume`` keeps it).

    Without ``--resume``, an existing non-empty FILE is refused before
    anything is written.
    """
    out = getattr(args, "out", None)
    if not out:
        return
    from ..records import JsonlWriter, jsonable

    items = [jsonable(r) for r in records]
    kinds = [d["kind"] for d in items if isinstance(d, dict) and isinstance(d.get("kind"), str)] or None
    with JsonlWriter(out, resume=bool(getattr(args, "resume", False)), name="--out", kinds=kinds) as writer:
        write_or_rescue(lambda: [writer.write(r) for r in items], items, "--out", out, command)


# -- checks of the parsed arguments, applied to every subcommand by tnrnn.cli.main ------------------------
#: Options naming a file or folder to write, and what is written there (``metavar="DIR"``, or a help text
#: starting "output folder ...", makes it a folder).
OUTPUT_OPTIONS = {"--out": "records", "--plot": "figure", "--output": "figure", "--save": "file"}

#: ``dest -> minimum`` checked on every subcommand that has the option (an integer below it is refused).
INTEGER_MINIMUMS = {"seed": 0, "workers": 1}

#: Options whose value is free text (a path, an address, a cut), not a comma-separated list.
_FREE_TEXT = {"cut", "scheduler", "prefix"}


def _given(parser: argparse.ArgumentParser, argv: list[str]) -> dict[str, list[str]]:
    """``dest -> [option strings as typed]`` of the options given on the command line (abbreviations resolved)."""
    given: dict[str, list[str]] = {}
    table = parser._option_string_actions
    for token in argv:
        if token == "--":
            break
        if not token.startswith("-") or token == "-" or (len(token) > 1 and token[1].isdigit()):
            continue
        head = token.split("=", 1)[0]
        action = table.get(head)
        if action is None and head.startswith("--"):
            matches = {a for s, a in table.items() if s.startswith(head)}
            action = matches.pop() if len(matches) == 1 else None
        if action is None and not head.startswith("--") and head[:2] in table:
            action, head = table[head[:2]], head[:2]
        if action is not None:
            full = head if head in table else next(s for s, a in table.items() if a is action and s.startswith(head))
            given.setdefault(action.dest, []).append(full)
    return given


def check_parsed(args, parser: argparse.ArgumentParser, argv: list[str]) -> None:
    """Checks every subcommand gets after parsing and before any work; a failure calls ``parser.error``.

    * an option and its ``--no-`` twin both given (``--mincut --no-mincut``);
    * output paths (:data:`OUTPUT_OPTIONS`): :func:`tnrnn.limits.check_output` (no ``/proc``, no device
      such as ``/dev/full``, no overwriting a file of another kind, ``--out`` records continued only with
      ``--resume``);
    * empty items in comma-separated lists (``--depth 1,,2``, ``--optimize greedy,``);
    * non-finite numbers (``--tol nan``) and the minimums of :data:`INTEGER_MINIMUMS` (``--seed -1``).

    The line is argparse's: ``tnrnn COMMAND: error: argument --option: ...``, exit status 2.
    """
    from ..limits import check_output

    given = _given(parser, argv)
    args._given = frozenset(given)
    for action in parser._actions:
        if isinstance(action, argparse.BooleanOptionalAction):
            typed = set(given.get(action.dest, ()))
            yes = [s for s in action.option_strings if not s.startswith("--no-")]
            no = [s for s in action.option_strings if s.startswith("--no-")]
            if typed & set(yes) and typed & set(no):
                parser.error(f"argument {no[0]}: not allowed with argument {yes[0]}")
    for action in parser._actions:
        if not action.option_strings or action.dest in ("help", "version") or isinstance(action, _Deprecated):
            continue
        option = max(action.option_strings, key=len)
        value = getattr(args, action.dest, None)
        kind = next((k for s, k in OUTPUT_OPTIONS.items() if s in action.option_strings), None)
        if kind is not None:
            if value is None:
                continue
            if action.metavar == "DIR" or any(w in (action.help or "").split()[:3] for w in ("folder", "directory")):
                kind = "folder"   # train --out, memory compare --out: a folder of records and figures
            try:
                # an existing records file without --resume is the command's to refuse (some always resume)
                check_output(value, option, kind, resume=True if getattr(args, "resume", False) else None)
            except InvalidParameterError as err:
                parser.error(f"argument {option}: {err}")
            continue
        if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
            parser.error(f"argument {option}: invalid {option}={value}: expected a finite number")
        minimum = INTEGER_MINIMUMS.get(action.dest)
        if minimum is not None and isinstance(value, int) and not isinstance(value, bool) and value < minimum:
            parser.error(f"argument {option}: invalid {option}={value}: expected an integer >= {minimum}")
        if isinstance(value, str) and action.dest not in _FREE_TEXT and "," in value:
            if any(not item.strip() for item in value.split(",")):
                parser.error(f"argument {option}: invalid {option}={value!r}: expected a list without empty items")


def refuse_with(args, option: str, value, options: tuple[str, ...]) -> None:
    """Refuse ``options`` given on the command line together with ``option=value``, which ignores them.

    For instance ``refuse_with(args, "--method", "closed-form", ("--engine", "--samples"))``: a closed form
    runs no engine, so ``--engine grid`` would be silently ignored.
    """
    given = getattr(args, "_given", frozenset())
    for other in options:
        if other.lstrip("-").replace("-", "_") in given:
            raise InvalidParameterError(other, getattr(args, other.lstrip("-").replace("-", "_"), None),
                                        f"no {other} with {option} {value}, which does not use it")
