"""Job graph and chaining (§10.1, §10.2): which edges chain, default partitioners, forward with
different parallelism rejected, and operator ids stable across builds and based on uid when set.

Graphs are built with ``flinklite.runtime.graph.build_job_graph`` from an environment's
``_transformations`` and ``env._settings()`` (nothing runs).
"""

import pytest
from _helpers import make_env

from flinklite.datastream import CoMapFunction
from flinklite.errors import InvalidProgramException
from flinklite.runtime.graph import build_job_graph
from flinklite.runtime.partitioners import (
    ForwardPartitioner,
    KeyGroupStreamPartitioner,
    RebalancePartitioner,
    RescalePartitioner,
)


def env(p=2, **conf):
    return make_env(p, **conf)


def graph(e):
    return build_job_graph(e._transformations, e._settings())


def chains(g):
    return [[n.name for n in v.nodes] for v in g.vertices]


def edge(g, src, dst):
    found = [x for x in g.edges if x.source.name == src and x.target.name == dst]
    assert len(found) == 1, (src, dst, g.edges)
    return found[0]


def test_forward_same_parallelism_chains():
    e = env()
    e.from_collection([1]).map(lambda x: x).name("m1").filter(bool).name("f1").print()
    g = graph(e)
    # from_collection is non-parallel (1) -> rebalance to m1 (2); m1 -> f1 -> sink chain
    assert chains(g) == [["Source: Collection Source"], ["m1", "f1", "Print to Std. Out"]]
    assert isinstance(edge(g, "Source: Collection Source", "m1").partitioner, RebalancePartitioner)
    assert isinstance(edge(g, "m1", "f1").partitioner, ForwardPartitioner)
    assert edge(g, "m1", "f1").chained


def test_parallelism_one_source_chains_with_parallelism_one_map():
    e = env(p=1)
    e.from_collection([1]).map(lambda x: x).name("m").print()
    g = graph(e)
    assert chains(g) == [["Source: Collection Source", "m", "Print to Std. Out"]]


def test_key_by_breaks_chain():
    e = env()
    ds = e.from_collection([1]).map(lambda x: x).name("m")
    ds.key_by(lambda x: x).map(lambda x: x).name("km").print()
    g = graph(e)
    ed = edge(g, "m", "km")
    assert isinstance(ed.partitioner, KeyGroupStreamPartitioner) and not ed.chained
    assert ["km", "Print to Std. Out"] in chains(g)


def test_rebalance_and_rescale_break_chain_even_at_same_parallelism():
    e = env()
    ds = e.from_collection([1]).map(lambda x: x).name("m")
    ds.rebalance().map(lambda x: x).name("r").print()
    ds.rescale().map(lambda x: x).name("s").print()
    g = graph(e)
    assert isinstance(edge(g, "m", "r").partitioner, RebalancePartitioner)
    assert isinstance(edge(g, "m", "s").partitioner, RescalePartitioner)
    assert not edge(g, "m", "r").chained and not edge(g, "m", "s").chained


def test_union_inputs_break_chain():
    e = env()
    a = e.from_collection([1]).map(lambda x: x).name("a")
    b = e.from_collection([2]).map(lambda x: x).name("b")
    a.union(b).map(lambda x: x).name("u").print()
    g = graph(e)
    assert not edge(g, "a", "u").chained and not edge(g, "b", "u").chained
    assert isinstance(edge(g, "a", "u").partitioner, ForwardPartitioner)


def test_union_of_one_stream_with_itself_is_not_chained():
    e = env()
    a = e.from_collection([1]).map(lambda x: x).name("a")
    a.union(a).map(lambda x: x).name("u").print()
    g = graph(e)
    assert [x.chained for x in g.edges if x.target.name == "u"] == [False, False]


class CM(CoMapFunction):
    def map1(self, v):
        return v

    def map2(self, v):
        return v


def test_two_input_target_is_not_chained():
    e = env()
    a = e.from_collection([1]).map(lambda x: x).name("a")
    b = e.from_collection([2]).map(lambda x: x).name("b")
    a.connect(b).map(CM()).name("co").print()
    g = graph(e)
    assert not edge(g, "a", "co").chained and not edge(g, "b", "co").chained
    assert {edge(g, "a", "co").input_index, edge(g, "b", "co").input_index} == {1, 2}
    assert ["co", "Print to Std. Out"] in chains(g)


def test_disable_chaining_and_start_new_chain():
    e = env()
    ds = e.from_collection([1]).map(lambda x: x).name("m1")
    ds.map(lambda x: x).name("m2").disable_chaining().map(lambda x: x).name("m3") \
        .map(lambda x: x).name("m4").start_new_chain().map(lambda x: x).name("m5").print()
    g = graph(e)
    c = chains(g)
    assert ["m1"] in c
    assert ["m2"] in c  # NEVER: chains on neither side
    assert ["m3"] in c  # m4 starts a new chain
    assert ["m4", "m5", "Print to Std. Out"] in c


def test_chaining_disabled_by_config_and_env():
    e = env(**{"pipeline.operator-chaining.enabled": "false"})
    e.from_collection([1]).map(lambda x: x).name("m1").map(lambda x: x).name("m2").print()
    assert not any(x.chained for x in graph(e).edges)
    e = env()
    e.disable_operator_chaining()
    e.from_collection([1]).map(lambda x: x).name("m1").map(lambda x: x).name("m2").print()
    assert not any(x.chained for x in graph(e).edges)


def test_default_partitioner_forward_vs_rebalance():
    e = env(p=3)
    ds = e.from_collection([1]).map(lambda x: x).name("m")
    ds.map(lambda x: x).name("same").print()
    ds.map(lambda x: x).name("other").set_parallelism(2).print()
    g = graph(e)
    assert isinstance(edge(g, "m", "same").partitioner, ForwardPartitioner)
    assert isinstance(edge(g, "m", "other").partitioner, RebalancePartitioner)
    assert not edge(g, "m", "other").chained


def test_explicit_forward_with_different_parallelism_raises():
    e = env(p=3)
    e.from_collection([1]).map(lambda x: x).name("m").forward().map(lambda x: x).name("n") \
        .set_parallelism(2).print()
    with pytest.raises(InvalidProgramException, match="forward"):
        graph(e)


def test_different_parallelism_does_not_chain():
    e = env(p=2)
    e.from_collection([1]).map(lambda x: x).name("m").map(lambda x: x).name("n").set_parallelism(1).print()
    g = graph(e)
    assert not edge(g, "m", "n").chained


def _program(e, uid=None):
    ds = e.from_collection([1, 2]).map(lambda x: x).name("m")
    if uid:
        ds = ds.uid(uid)
    ds.key_by(lambda x: x).map(lambda x: x).name("k").print()


def test_operator_ids_stable_across_builds():
    e1, e2 = env(), env()
    _program(e1)
    _program(e2)
    ids1 = [(n.name, n.operator_id) for n in graph(e1).nodes]
    ids2 = [(n.name, n.operator_id) for n in graph(e2).nodes]
    assert ids1 == ids2
    assert len({i for _, i in ids1}) == len(ids1)  # unique per operator


def test_operator_id_follows_uid():
    e1, e2 = env(), env()
    _program(e1, uid="my-map")
    # a different program shape, same uid: the uid'ed operator keeps its id
    ds = e2.from_collection([0]).map(lambda x: x).name("pre").map(lambda x: x).name("m").uid("my-map")
    ds.print()
    id1 = next(n.operator_id for n in graph(e1).nodes if n.name == "m")
    id2 = next(n.operator_id for n in graph(e2).nodes if n.name == "m")
    assert id1 == id2
    e3 = env()
    _program(e3, uid="other")
    id3 = next(n.operator_id for n in graph(e3).nodes if n.name == "m")
    assert id3 != id1


def test_duplicate_uid_rejected():
    e = env()
    e.from_collection([1]).map(lambda x: x).uid("u").map(lambda x: x).uid("u").print()
    with pytest.raises(InvalidProgramException, match="uid"):
        graph(e)
