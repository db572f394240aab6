"""Layouts of a view: every algorithm, the 0..1000 box, determinism, limits."""

from __future__ import annotations

import random
import time

import pytest

from caravan.analyze.network.layout import ALGORITHMS, BOX, layout, normalise
from caravan.analyze.network.types import Edge, GraphView, Node
from caravan.errors import InvalidData


def _node(node_id: str, kind: str = "person") -> Node:
    return Node(node_id, kind, node_id.upper(), ("KG-MVD",), "H0")


def _edge(source: str, target: str) -> Edge:
    return Edge(f"{source}>{target}", source, target, "associate", "KG-MVD", "H0")


def _view(count: int = 12, *, focus: str | None = None) -> GraphView:
    """A small tree (0 → 1, 2; 1 → 3, 4 …) plus a separate pair, and a dangling edge."""
    nodes = [_node(f"person:{i}") for i in range(count)]
    edges = [_edge(f"person:{(i - 1) // 2}", f"person:{i}") for i in range(1, count - 2)]
    edges.append(_edge(f"person:{count - 2}", f"person:{count - 1}"))
    edges.append(_edge("person:0", "person:missing"))  # its other end is not in the view
    return GraphView(nodes=nodes, edges=edges, focus=[focus] if focus else [])


def _inside_box(positions: dict[str, tuple[float, float]]) -> bool:
    return all(0 <= x <= BOX and 0 <= y <= BOX for x, y in positions.values())


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_each_algorithm_places_every_node_inside_the_box(algorithm: str) -> None:
    view = _view(focus="person:0")
    positions = layout(view, algorithm)
    assert set(positions) == {n.id for n in view.nodes}  # the dangling end is not placed
    assert _inside_box(positions)
    xs = [x for x, _ in positions.values()]
    ys = [y for _, y in positions.values()]
    # The box is used: the widest axis spans it entirely.
    assert max(max(xs) - min(xs), max(ys) - min(ys)) == pytest.approx(BOX)
    assert len(set(positions.values())) == len(positions)  # no two nodes on one spot


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_layout_is_deterministic_and_ignores_the_order_of_nodes(algorithm: str) -> None:
    view = _view(focus="person:0")
    shuffled = GraphView(
        nodes=list(reversed(view.nodes)), edges=list(reversed(view.edges)), focus=view.focus
    )
    assert layout(view, algorithm) == layout(view, algorithm) == layout(shuffled, algorithm)


def test_layout_leaves_the_global_random_generator_alone() -> None:
    random.seed(5)
    expected = random.random()
    random.seed(5)
    layout(_view())
    assert random.random() == expected


def test_empty_view_has_no_positions() -> None:
    for algorithm in ALGORITHMS:
        assert layout(GraphView(), algorithm) == {}


def test_single_node_sits_in_the_middle() -> None:
    assert layout(GraphView(nodes=[_node("person:1")])) == {"person:1": (500.0, 500.0)}


def test_tree_is_rooted_at_the_focus() -> None:
    positions = layout(_view(focus="person:1"), "tree")
    root_y = positions["person:1"][1]
    assert root_y == 0.0
    # Its children are a level down, its parent (person:0) is below it too.
    assert positions["person:3"][1] > root_y
    assert positions["person:0"][1] > root_y
    # The separate pair hangs from its own root, not from the focus.
    pair = sorted(positions[f"person:{i}"][1] for i in (10, 11))
    assert pair[0] == 0.0 and pair[1] > 0.0


def test_tree_without_focus_picks_a_root_per_part() -> None:
    positions = layout(_view(), "tree")
    assert _inside_box(positions)
    assert min(y for _, y in positions.values()) == 0.0


def test_unknown_algorithm_names_the_accepted_ones() -> None:
    with pytest.raises(InvalidData, match="spring") as raised:
        layout(_view(), "spring")
    for name in ALGORITHMS:
        assert name in raised.value.message
    assert raised.value.errors[0].field == "algorithm"


def test_kamada_kawai_refuses_more_than_a_thousand_nodes() -> None:
    big = GraphView(nodes=[_node(f"person:{i}") for i in range(1001)])
    with pytest.raises(InvalidData, match="force"):
        layout(big, "kk")


def test_force_lays_out_two_thousand_nodes_quickly() -> None:
    rng = random.Random(3)
    nodes = [_node(f"phone:{i}", "phone") for i in range(2000)]
    edges = [_edge(f"phone:{i}", f"phone:{rng.randrange(2000)}") for i in range(2000)]
    view = GraphView(nodes=nodes, edges=edges)
    started = time.perf_counter()
    positions = layout(view)
    elapsed = time.perf_counter() - started
    assert len(positions) == 2000
    assert _inside_box(positions)
    # About 0.2-0.7 s on a laptop; the bound only catches an O(n²) regression.
    assert elapsed < 10


def test_normalise_keeps_the_aspect_ratio_and_centres() -> None:
    fitted = normalise({"a": (0, 0), "b": (2, 1)})
    assert fitted == {"a": (0.0, 250.0), "b": (1000.0, 750.0)}
    stretched = normalise({"a": (0, 0), "b": (2, 1)}, keep_aspect=False)
    assert stretched == {"a": (0.0, 0.0), "b": (1000.0, 1000.0)}
    assert normalise({"a": (7, 7), "b": (7, 7)}) == {"a": (500.0, 500.0), "b": (500.0, 500.0)}
    assert normalise({}) == {}
