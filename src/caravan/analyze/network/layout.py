"""Positions of a view's nodes for pictures and exports, computed with igraph.

Every algorithm returns positions in a box of 0..1000 both ways (y grows downwards,
as on a screen), and the same view always gets the same positions: nodes are put in a
fixed order (kind, label, id) whatever order the view lists them in, and igraph draws
its random numbers from a generator seeded by us.

Example:
    >>> from caravan.analyze.network.types import GraphView, Node
    >>> view = GraphView(nodes=[Node("person:1", "person", "A", ("KG-MVD",), "H0")])
    >>> layout(view)
    {'person:1': (500.0, 500.0)}
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import igraph

from caravan.analyze.network.types import NODE_KINDS, GraphView, Node
from caravan.errors import FieldError, InvalidData

__all__ = ["ALGORITHMS", "BOX", "KAMADA_KAWAI_LIMIT", "layout", "normalise"]

#: Positions lie in ``0..BOX`` both ways.
BOX = 1000.0
#: Kamada–Kawai needs all-pairs distances: past this many nodes it takes seconds.
KAMADA_KAWAI_LIMIT = 1000
#: Above this many nodes force-directed layout spreads repulsion over a grid (O(n) a
#: step instead of O(n²)): 2,000 nodes then lay out in a fraction of a second.
_GRID_ABOVE = 1000
_SEED = 20_240_605

Positions = dict[str, tuple[float, float]]

# igraph has one process-wide random number generator. We swap in a seeded one for the
# length of a layout call, under a lock so two requests never share it.
_RNG_LOCK = threading.Lock()


@contextmanager
def _seeded_igraph() -> Iterator[None]:
    with _RNG_LOCK:
        igraph.set_random_number_generator(random.Random(_SEED))
        try:
            yield
        finally:
            igraph.set_random_number_generator(random)


def _ordered(nodes: list[Node]) -> list[Node]:
    """Nodes in a fixed order, so layouts do not depend on how the view listed them.

    Kinds stay together (circle and grid then group them, in the legend's order).
    """
    rank = {kind: i for i, kind in enumerate(NODE_KINDS)}
    unique = {n.id: n for n in nodes}
    return sorted(unique.values(), key=lambda n: (rank.get(n.kind, len(rank)), n.label, n.id))


def _graph(view: GraphView) -> tuple[list[str], igraph.Graph]:
    ids = [n.id for n in _ordered(view.nodes)]
    index = {node_id: i for i, node_id in enumerate(ids)}
    pairs = sorted(
        {
            (index[e.source], index[e.target])
            for e in view.edges
            if e.source in index and e.target in index
        }
    )
    return ids, igraph.Graph(n=len(ids), edges=pairs)


def _start(count: int) -> list[list[float]]:
    """Seeded starting positions, spread over a square of side √n (igraph's own scale)."""
    rng = random.Random(_SEED)
    side = math.sqrt(count)
    return [[rng.uniform(0, side), rng.uniform(0, side)] for _ in range(count)]


def _force(graph: igraph.Graph, view: GraphView) -> igraph.Layout:
    large = graph.vcount() > _GRID_ABOVE
    return graph.layout_fruchterman_reingold(
        seed=_start(graph.vcount()),
        niter=300 if large else 500,  # large charts settle sooner on a grid
        grid="grid" if large else "nogrid",
    )


def _kamada_kawai(graph: igraph.Graph, view: GraphView) -> igraph.Layout:
    if graph.vcount() > KAMADA_KAWAI_LIMIT:
        raise _invalid(
            f"kk lays out at most {KAMADA_KAWAI_LIMIT:,} nodes and this view has "
            f"{graph.vcount():,}: use force"
        )
    return graph.layout_kamada_kawai(seed=_start(graph.vcount()))


def _circle(graph: igraph.Graph, view: GraphView) -> igraph.Layout:
    return graph.layout_circle()


def _grid(graph: igraph.Graph, view: GraphView) -> igraph.Layout:
    return graph.layout_grid()


def _tree(graph: igraph.Graph, view: GraphView) -> igraph.Layout:
    """Reingold–Tilford, rooted at the view's focus.

    One root per connected part: its first focus node, else its best-linked node (a
    part without a root would hang off another part's tree).
    """
    index = {name: i for i, name in enumerate(graph.vs["name"])}
    focus = [index[f] for f in view.focus if f in index]
    degrees = graph.degree()
    roots = []
    for part in graph.connected_components():
        members = set(part)
        rooted = next((v for v in focus if v in members), None)
        roots.append(rooted if rooted is not None else max(part, key=lambda v: (degrees[v], -v)))
    return graph.layout_reingold_tilford(root=roots, mode="all")


_Algorithm = Callable[[igraph.Graph, GraphView], igraph.Layout]

#: Algorithm name → (function, keep the aspect ratio when fitting into the box).
_ALGORITHMS: dict[str, tuple[_Algorithm, bool]] = {
    "force": (_force, True),
    "circle": (_circle, True),
    "grid": (_grid, True),
    "kk": (_kamada_kawai, True),
    # A tree is fitted to the box on each axis: its levels use the full height.
    "tree": (_tree, False),
}
#: The accepted names of :func:`layout`'s ``algorithm``.
ALGORITHMS = tuple(_ALGORITHMS)


def _invalid(message: str) -> InvalidData:
    return InvalidData([FieldError("algorithm", message)], message=message)


def layout(view: GraphView, algorithm: str = "force") -> Positions:
    """Positions of the view's nodes, node id → (x, y) in a box of 0..1000.

    Args:
        view: the nodes and edges to lay out; edges whose ends are not among the
            nodes are ignored.
        algorithm: ``force`` (Fruchterman–Reingold; with a grid above 1,000 nodes),
            ``circle``, ``grid``, ``kk`` (Kamada–Kawai, at most 1,000 nodes) or
            ``tree`` (Reingold–Tilford, rooted at ``view.focus``).

    Raises:
        InvalidData: an unknown algorithm, or ``kk`` for more than 1,000 nodes.
    """
    try:
        compute, keep_aspect = _ALGORITHMS[algorithm]
    except (KeyError, TypeError):
        raise _invalid(
            f"unknown layout algorithm {str(algorithm)[:40]!r}: use {', '.join(ALGORITHMS)}"
        ) from None
    ids, graph = _graph(view)
    if not ids:
        return {}
    graph.vs["name"] = ids
    with _seeded_igraph():
        coords = compute(graph, view).coords
    return normalise(
        {node_id: (xy[0], xy[1]) for node_id, xy in zip(ids, coords, strict=True)},
        keep_aspect=keep_aspect,
    )


def normalise(
    positions: Mapping[str, tuple[float, float]], *, keep_aspect: bool = True
) -> Positions:
    """Fit positions into the box 0..1000, centred on any axis they do not fill.

    With ``keep_aspect`` both axes are scaled alike, so a circle stays round; otherwise
    each axis fills the box. A single point (or all points on one spot) goes to the
    middle.
    """
    if not positions:
        return {}
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    (x0, width), (y0, height) = (min(xs), max(xs) - min(xs)), (min(ys), max(ys) - min(ys))
    if keep_aspect:
        scale_x = scale_y = BOX / max(width, height) if max(width, height) > 0 else 0.0
    else:
        scale_x = BOX / width if width > 0 else 0.0
        scale_y = BOX / height if height > 0 else 0.0
    # Whatever the scale leaves unused is split evenly on both sides.
    pad_x = (BOX - width * scale_x) / 2
    pad_y = (BOX - height * scale_y) / 2
    return {
        node_id: (
            round(pad_x + (x - x0) * scale_x, 3) + 0.0,  # + 0.0: no "-0.0"
            round(pad_y + (y - y0) * scale_y, 3) + 0.0,
        )
        for node_id, (x, y) in positions.items()
    }
