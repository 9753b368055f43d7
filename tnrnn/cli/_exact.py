"""``tnrnn plot`` re-draws the exact results for today's recurrent layers (registered when the CLI loads).

Kinds: ``automaton-rank`` (:class:`tnrnn.bridge.automaton.AutomatonRank`, ``tnrnn import --exact-rank``),
``exact-capacity`` (:class:`tnrnn.measures.kalman.ExactCapacity`, ``tnrnn memory capacity --exact``) and
``mcmillan-degree`` (:class:`tnrnn.memory.diagonal.McMillanDegree`).
"""

from __future__ import annotations

from .plot import register_kind


def _drawer(name, key=None):
    def draw(records, args):
        from ..plotting import modern

        if key is not None:   # tnrnn import --exact-rank records carry theirs under a key
            records = [r.get(key, r) for r in records]
        getattr(modern, name)(records, args.output, title=args.title)

    return draw


register_kind("automaton-rank", lambda r: r.get("kind") == "automaton-rank" or "exact_rank" in r,
              _drawer("plot_automaton_rank", "exact_rank"))
register_kind("exact-capacity", lambda r: r.get("kind") == "exact-capacity", _drawer("plot_exact_capacity"))
register_kind("mcmillan-degree", lambda r: r.get("kind") == "mcmillan-degree", _drawer("plot_mcmillan"))


def _exact_ranks_first() -> None:
    """An import record with an exact rank is drawn as one (its float spectrum is in the same figure)."""
    from .plot import RECORD_KINDS

    first = RECORD_KINDS.pop("automaton-rank")
    rest = dict(RECORD_KINDS)
    RECORD_KINDS.clear()
    RECORD_KINDS.update({"automaton-rank": first, **rest})


_exact_ranks_first()
