"""tnrnn: the long-term memory of recurrent networks, measured with tensor networks.

The measure is the Start-End separation rank (Levine, Sharir, Ziv, Shashua,
"Depth Enables Long-Term Memory for Recurrent Neural Networks", 2020) of the
function a recurrent arithmetic circuit (RAC) computes.

>>> import tnrnn
>>> r = tnrnn.rank_bounds(depth=2, hidden=2, inputs=2, length=4)
>>> r.lower, r.upper, r.exact
(6, 6, True)
"""

__version__ = "0.1.0"

from . import errors
from .circuits import RAC
from .cuts import Cut
from .errors import TnrnnError

__all__ = [
    "__version__",
    "errors",
    "TnrnnError",
    "RAC",
    "Cut",
]
