"""The min-cut's disk cache: a second process pays neither networkx's import nor the max-flow, and a cached
file is never trusted (its crossing indices must separate the start inputs from the end inputs)."""

import json
import os
import subprocess
import sys

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrnn.cuts import Cut, as_cut
from tnrnn.network import mincut as mc
from tnrnn.network import optimizers
from tnrnn.network.structure import circuit_nodes, tensor_specs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _only_file(folder):
    files = [os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".json")]
    assert len(files) == 1
    return files[0]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TNRNN_CACHE_DIR", str(tmp_path))
    return tmp_path / "mincuts"


def test_second_call_reads_the_cache_and_agrees(cache):
    first = mc.mincut_bound_for(2, 3, 2, 6, "start-end")
    assert cache.is_dir() and len(os.listdir(cache)) == 1
    second = mc.mincut_bound_for(2, 3, 2, 6, "start-end")
    assert second == first


def test_a_second_process_imports_no_networkx(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT, TNRNN_CACHE_DIR=str(tmp_path))
    code = ("import sys; from tnrnn.cli import main; main(['bounds', '-L1', '-R2', '-M2', '-T4', '--quiet']); "
            "print('networkx' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                           timeout=300).stdout.split()[-1] for _ in range(2)]
    assert runs == ["True", "False"]


def test_a_planted_non_cut_is_ignored(cache):
    truth = mc.mincut_bound_for(2, 2, 2, 6, "start-end")
    path = _only_file(cache)
    record = json.load(open(path))
    for lie in ([], [b for b in truth.bonds][:-1] if len(truth.bonds) > 1 else ["x0"]):
        json.dump(dict(record, bonds=lie), open(path, "w"))
        assert mc.mincut_bound_for(2, 2, 2, 6, "start-end").bound == truth.bound   # recomputed, rewritten
    for bad in ({"bonds": "h1"}, {"bonds": [1, 2]}, [], "x", {"start_tensors": ["WO"]}):
        json.dump(bad if not isinstance(bad, dict) else dict(record, **bad), open(path, "w"))
        assert mc.mincut_bound_for(2, 2, 2, 6, "start-end") == truth


def test_a_planted_valid_cut_gives_a_valid_bound(cache):
    """A file naming a cut that is not minimal (every start input) is still a cut: its product bounds the rank."""
    truth = mc.mincut_bound_for(1, 3, 2, 6, "start-end")
    path = _only_file(cache)
    record = json.load(open(path))
    json.dump(dict(record, bonds=["x0", "x1", "x2"]), open(path, "w"))
    assert mc.mincut_bound_for(1, 3, 2, 6, "start-end").bound == 8 >= truth.bound == 3


def test_the_cache_can_be_turned_off(monkeypatch, tmp_path):
    monkeypatch.setenv("TNRNN_CACHE_DIR", "off")
    assert optimizers.path_cache_dir() is None
    assert mc.mincut_bound_for(1, 3, 2, 6, "start-end").bound == 3


def _hypergraph(L, T, kind="rac"):
    specs = tensor_specs(circuit_nodes(L, T, kind), L, T, False, True, kind)
    members = {}
    for k, s in enumerate(specs):
        for ind in dict.fromkeys(s.inds):
            members.setdefault(ind, []).append(k)
    return specs, members


@settings(max_examples=60, deadline=None)
@given(L=st.integers(1, 2), T=st.integers(2, 5), data=st.data())
def test_separation_agrees_with_networkx_connectivity(L, T, data):
    """The cache's cut check against an independent connectivity test (networkx, bipartite graph)."""
    specs, members = _hypergraph(L, T)
    s = data.draw(st.integers(1, T - 1))
    cut = as_cut(Cut.prefix(T, s), T)
    start, end = {f"x{t}" for t in cut.start}, {f"x{t}" for t in cut.end}
    bonds = set(data.draw(st.lists(st.sampled_from(sorted(members)), max_size=len(members), unique=True)))
    G = nx.Graph()
    G.add_nodes_from(("i", ind) for ind in members if ind not in bonds)
    for ind, ks in members.items():
        if ind not in bonds:
            G.add_edges_from((("i", ind), ("t", k)) for k in ks)
    connected = any(nx.has_path(G, ("i", a), ("i", b)) for a in start - bonds for b in end - bonds
                    if ("i", a) in G and ("i", b) in G)
    assert mc._separates(members, specs, bonds, start, end) == (not connected)
