"""Tree queries over the order of battle."""

from factories import tiny, unit

from changsha_replay.model import OrderOfBattle


def test_tree_queries():
    orbat = tiny().units
    assert [u.id for u in orbat.roots()] == ["cn-army", "jp-div"]
    assert [u.id for u in orbat.children("cn-army")] == ["cn-div-a", "cn-div-b"]
    assert [u.id for u in orbat.ancestors("jp-regt")] == ["jp-div"]
    assert [u.id for u in orbat.subtree("cn-army")] == ["cn-army", "cn-div-a", "cn-div-b"]
    assert orbat.subtree_ids("jp-div") == {"jp-div", "jp-regt"}
    assert orbat.depth("jp-regt") == 1 and orbat.index_of("jp-div") == 3
    assert orbat.parent("cn-army") is None and orbat.get("nope") is None


def test_cycles_are_found_and_queries_still_end():
    orbat = OrderOfBattle([unit("a", "c"), unit("b", "a"), unit("c", "b"), unit("d", "d"), unit("e")])
    cycles = sorted(sorted(c) for c in orbat.find_cycles())
    assert cycles == [["a", "b", "c"], ["d"]]
    assert {u.id for u in orbat.ancestors("a")} == {"b", "c"}
    assert [u.id for u in orbat.subtree("e")] == ["e"]
