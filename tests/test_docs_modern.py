"""The worked examples of docs/modern.rst run (doctest), with torch and mambapy installed."""

import doctest
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("mambapy")


def test_modern_page_examples_run():
    page = Path(__file__).resolve().parent.parent / "docs" / "modern.rst"
    result = doctest.testfile(str(page), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 10 and result.failed == 0
