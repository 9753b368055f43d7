"""The one palette of every tnrnn figure: series styles and the colours of fixed roles.

Series (depths, units, strategies, targets) take their colour, marker and
dash from :data:`SERIES`, in order, so that overlapping curves stay readable in
print and for colour-blind readers (the Okabe-Ito colours first, then Paul
Tol's). Things that mean the same in every figure have one colour each:
the two sides of a cut (:data:`START`, :data:`END`), a minimum cut
(:data:`CUT`), reference lines (:data:`REFERENCE`), and the tensor roles of a
network drawing. No other module names a colour.

Examples
--------
>>> len({colour for colour, _, _ in SERIES}) == len(SERIES)
True
>>> START != END != CUT
True
"""

from __future__ import annotations

__all__ = ["SERIES", "BLUE", "ORANGE", "GREEN", "VERMILLION", "PURPLE", "SKY", "YELLOW", "BLACK", "GREY",
           "LIGHT_GREY", "START", "END", "BOTH", "NOSIDE", "CUT", "BOND", "REFERENCE", "ROLE_COLOURS",
           "series_colour"]

# Okabe & Ito (2008), "Color universal design".
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
SKY = "#56B4E9"
YELLOW = "#F0E442"
BLACK = "#000000"
GREY = "#808080"
LIGHT_GREY = "#A0A0A0"

#: (colour, marker, dash) of the i-th series of a panel; cycled past the end.
SERIES = (
    (BLUE, "o", "-"),
    (VERMILLION, "s", "--"),
    (GREEN, "^", "-."),
    (PURPLE, "D", ":"),
    (ORANGE, "v", (0, (5, 1))),
    (SKY, "P", (0, (3, 1, 1, 1))),
    (BLACK, "X", (0, (1, 1))),
    ("#B8860B", "*", (0, (5, 2, 1, 2))),
    ("#882255", "p", "-"),
    ("#44AA99", "h", "--"),
    ("#332288", "<", "-."),
    ("#999933", ">", ":"),
    ("#AA4499", "8", (0, (5, 1))),
    ("#661100", "d", (0, (3, 1, 1, 1))),
)

# Roles: the sides of a cut and the cut itself (network drawings, spectra across a cut).
START = BLUE
END = ORANGE
BOTH = PURPLE
NOSIDE = GREY
CUT = VERMILLION
BOND = LIGHT_GREY
#: Reference lines (chance, thresholds, noise floors, tolerances are drawn in :data:`CUT` when they
#: separate kept from discarded values).
REFERENCE = "#737373"

#: Face colours of the tensor roles of a network drawing.
ROLE_COLOURS = {"WI": GREEN, "WH": "#8C8C8C", "INIT": "#FFFFFF", "MUL": BLACK, "WO": PURPLE, "STEP": GREEN,
                "EMIT": SKY,
                "block": "#DFE8D8", "layer": "#F2F2F2"}


def series_colour(i: int) -> str:
    """The colour of the ``i``-th series (cycled).

    Examples
    --------
    >>> series_colour(0) == BLUE, series_colour(len(SERIES)) == BLUE
    (True, True)
    """
    return SERIES[i % len(SERIES)][0]
