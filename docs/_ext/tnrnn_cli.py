"""Sphinx directives that render the ``tnrnn`` command from its own parser, so the CLI page cannot drift.

``.. tnrnn-help::`` renders ``tnrnn --help``; ``.. tnrnn-help:: bounds`` renders
``tnrnn bounds --help`` (description, every option, the examples epilog), as
:func:`tnrnn.cli.build_parser` formats them at build time.

``.. tnrnn-run:: bounds -L 2 -R 4 -M 4 -T 4,8`` runs the command in the build
process (:func:`tnrnn.cli.main`, progress off) and shows the command line and
its stdout; keep such commands to a second or less.  A failing command fails
the build.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex

from docutils import nodes
from docutils.parsers.rst import Directive


def _help(words):
    from tnrnn.cli import build_parser

    parser = build_parser()
    if words:
        sub = next(a for a in parser._actions if a.dest == "command")
        parser = sub.choices[words[0]]
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal; pin it for the page
    try:
        return parser.format_help()
    finally:
        del os.environ["COLUMNS"]


class TnrnnHelp(Directive):
    """``.. tnrnn-help:: [SUBCOMMAND]``: the parser's help as a literal block."""

    optional_arguments = 1
    has_content = False

    def run(self):
        words = self.arguments[0].split() if self.arguments else []
        text = f"$ tnrnn {' '.join(words + ['--help'])}\n" + _help(words)
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


class TnrnnRun(Directive):
    """``.. tnrnn-run:: ARGS``: run ``tnrnn ARGS`` at build time and show its output."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = False

    def run(self):
        from tnrnn.cli import main

        argv = shlex.split(self.arguments[0])
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main(argv + ["--quiet"])
        if code != 0:
            raise self.error(f"tnrnn {' '.join(argv)} exited with {code}")
        text = f"$ tnrnn {' '.join(argv)}\n" + out.getvalue().rstrip("\n")
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def setup(app):
    app.add_directive("tnrnn-help", TnrnnHelp)
    app.add_directive("tnrnn-run", TnrnnRun)
    return {"parallel_read_safe": True, "version": "1"}
