"""A link chart as files for analysts' other tools: GraphML, GEXF, CSV, i2 ANX, SVG, PNG.

Every renderer takes a :class:`GraphView` — only what the acting user may see — and
returns the file's bytes. Each file states the view's handling code (its most
restricted), each node and link carries its own, and hit notices carry only what their
:class:`Node` holds: the owner agency and the kind of record, nothing more.

Example:
    >>> from caravan.analyze.network.types import GraphView, Node
    >>> view = GraphView(nodes=[Node("person:1", "person", "Иванов", ("KG-MVD",), "H2")])
    >>> data, fmt = render(view, "graphml")
    >>> fmt.media_type, b"H2" in data
    ('application/graphml+xml', True)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.etree import ElementTree as ET

from PIL import Image, ImageDraw, ImageFont

from caravan.analyze.network.layout import BOX, layout, normalise
from caravan.analyze.network.types import IN_REPORT, NODE_KINDS, Edge, GraphView, Node
from caravan.domain.handling import HandlingCode
from caravan.errors import FieldError, InvalidData
from caravan.names.render import passport_latin

__all__ = [
    "FORMATS",
    "I2_ICONS",
    "KIND_COLOURS",
    "ExportFormat",
    "render",
    "to_anx",
    "to_csv",
    "to_gexf",
    "to_graphml",
    "to_png",
    "to_svg",
]

Positions = Mapping[str, tuple[float, float]]

#: Node colour per kind (Okabe–Ito, readable by colour-blind analysts); notices are hollow.
KIND_COLOURS: dict[str, str] = {
    "profile": "#0072B2",
    "person": "#56B4E9",
    "organisation": "#E69F00",
    "vehicle": "#009E73",
    "phone": "#CC79A7",
    "document": "#F0E442",
    "location": "#D55E00",
    "seizure": "#A51C30",
    "report": "#8C8C8C",
    "notice": "#FFFFFF",
}
_OTHER_COLOUR = "#BBBBBB"

#: Node kind → the standard i2 Analyst's Notebook icon (entity type) it is shown with.
I2_ICONS: dict[str, str] = {
    "profile": "Person",
    "person": "Person",
    "organisation": "Organisation",
    "vehicle": "Vehicle",
    "phone": "Phone",
    "document": "Passport",
    "location": "Address",
    "seizure": "Drugs",
    "report": "Document",
    "notice": "Question",
}

# (attribute, GraphML type) in the order every format lists them.
_NODE_ATTRS = (
    ("kind", "string"),
    ("label", "string"),
    ("agencies", "string"),
    ("handling_code", "string"),
    ("grade", "string"),
    ("date", "string"),
    ("members", "int"),
    ("notice", "boolean"),
)
_EDGE_ATTRS = (
    ("type", "string"),
    ("agency", "string"),
    ("handling_code", "string"),
    ("grade", "string"),
    ("valid_from", "string"),
    ("valid_to", "string"),
    ("report", "string"),
)

# ----------------------------------------------------------------------------- common

# Characters XML 1.0 cannot hold at all, escaped or not (controls, lone surrogates…).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def _node_values(node: Node) -> dict[str, Any]:
    return {
        "kind": node.kind,
        "label": node.label,
        "agencies": ",".join(node.agencies),
        "handling_code": node.handling_code,
        "grade": node.grade,
        "date": node.date,
        "members": node.members,
        "notice": node.notice,
    }


def _edge_values(edge: Edge) -> dict[str, Any]:
    return {name: getattr(edge, name) for name, _ in _EDGE_ATTRS}


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _clean(value)


def _edges(view: GraphView) -> list[Edge]:
    """The edges whose both ends are in the view (no file may point at a missing node)."""
    ids = {n.id for n in view.nodes}
    return [e for e in view.edges if e.source in ids and e.target in ids]


def _marking(view: GraphView, lang: str = "en") -> str:
    code = HandlingCode(view.handling_code)
    return f"{code.value} — {code.description(lang)}"


def _statement(view: GraphView) -> str:
    """The sentence each file opens with: what it is and how it may be handled."""
    notes = "".join(f" Note: {t.message()}." for t in view.truncated)
    return f"Caravan link chart. Handling code {_marking(view)}{notes}"


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _add_comment(root: ET.Element, view: GraphView) -> None:
    """The statement as an XML comment, for whoever opens the file in an editor."""
    root.append(ET.Comment(" " + _clean(_statement(view)).replace("--", "- -") + " "))


# --------------------------------------------------------------------------- GraphML


def to_graphml(view: GraphView, positions: Positions | None = None) -> bytes:
    """GraphML (yEd, Cytoscape, networkx), directed as the links were recorded.

    Graph attributes ``handling_code``, ``marking`` and ``truncated``; node attributes
    kind, label, agencies (comma-joined), handling_code, grade, date, members, notice
    (and x, y when positions are given); edge attributes type, agency, handling_code,
    grade, valid_from, valid_to, report. Absent values are left out.
    """
    root = ET.Element(
        "graphml",
        {
            "xmlns": "http://graphml.graphdrawing.org/xmlns",
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:schemaLocation": "http://graphml.graphdrawing.org/xmlns "
            "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd",
        },
    )
    _add_comment(root, view)
    keys: list[tuple[str, str, str, str]] = [
        ("graph", "g_" + name, name, "string") for name in ("handling_code", "marking", "truncated")
    ]
    keys += [("node", "n_" + name, name, kind) for name, kind in _NODE_ATTRS]
    if positions is not None:
        keys += [("node", "n_x", "x", "double"), ("node", "n_y", "y", "double")]
    keys += [("edge", "e_" + name, name, kind) for name, kind in _EDGE_ATTRS]
    for domain, key_id, name, kind in keys:
        ET.SubElement(
            root, "key", {"id": key_id, "for": domain, "attr.name": name, "attr.type": kind}
        )
    graph = ET.SubElement(root, "graph", {"id": "caravan", "edgedefault": "directed"})
    ET.SubElement(graph, "desc").text = _clean(_statement(view))
    graph_values = {
        "handling_code": view.handling_code,
        "marking": _marking(view),
        "truncated": "; ".join(t.message() for t in view.truncated) or None,
    }
    _graphml_data(graph, "g_", graph_values)
    for node in view.nodes:
        element = ET.SubElement(graph, "node", {"id": _clean(node.id)})
        values = _node_values(node)
        if positions is not None and node.id in positions:
            values["x"], values["y"] = positions[node.id]
        _graphml_data(element, "n_", values)
    for edge in _edges(view):
        element = ET.SubElement(
            graph,
            "edge",
            {"id": _clean(edge.id), "source": _clean(edge.source), "target": _clean(edge.target)},
        )
        _graphml_data(element, "e_", _edge_values(edge))
    return _xml(root)


def _graphml_data(parent: ET.Element, prefix: str, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        if value is not None:
            ET.SubElement(parent, "data", {"key": prefix + name}).text = _text(value)


# ------------------------------------------------------------------------------ GEXF

_GEXF_TYPES = {"string": "string", "int": "integer", "boolean": "boolean"}


def to_gexf(view: GraphView, positions: Positions | None = None) -> bytes:
    """GEXF 1.3 for Gephi: declared attributes, a colour per kind, positions if given.

    The handling code is in ``<meta><description>`` and in every node's and edge's
    ``handling_code`` attribute. The node label is GEXF's own ``label``; an edge's
    ``label`` is its type.
    """
    root = ET.Element(
        "gexf",
        {
            "xmlns": "http://gexf.net/1.3",
            "xmlns:viz": "http://gexf.net/1.3/viz",
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:schemaLocation": "http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd",
            "version": "1.3",
        },
    )
    _add_comment(root, view)
    meta = ET.SubElement(root, "meta")
    ET.SubElement(meta, "creator").text = "Caravan"
    ET.SubElement(meta, "keywords").text = f"handling code {view.handling_code}"
    ET.SubElement(meta, "description").text = _clean(_statement(view))
    graph = ET.SubElement(root, "graph", {"defaultedgetype": "directed", "mode": "static"})
    node_attrs = [(n, t) for n, t in _NODE_ATTRS if n != "label"]
    for domain, attrs in (("node", node_attrs), ("edge", list(_EDGE_ATTRS))):
        declared = ET.SubElement(graph, "attributes", {"class": domain, "mode": "static"})
        for name, kind in attrs:
            ET.SubElement(
                declared, "attribute", {"id": name, "title": name, "type": _GEXF_TYPES[kind]}
            )
    nodes = ET.SubElement(graph, "nodes")
    for node in view.nodes:
        element = ET.SubElement(nodes, "node", {"id": _clean(node.id), "label": _clean(node.label)})
        values = _node_values(node)
        del values["label"]
        _gexf_values(element, values)
        red, green, blue = _rgb(KIND_COLOURS.get(node.kind, _OTHER_COLOUR))
        ET.SubElement(element, "viz:color", {"r": str(red), "g": str(green), "b": str(blue)})
        if positions is not None and node.id in positions:
            x, y = positions[node.id]
            # GEXF's y axis points up, a screen's down.
            ET.SubElement(element, "viz:position", {"x": f"{x:g}", "y": f"{-y:g}", "z": "0"})
        ET.SubElement(element, "viz:size", {"value": "10" if node.notice else "12"})
    edges = ET.SubElement(graph, "edges")
    for edge in _edges(view):
        element = ET.SubElement(
            edges,
            "edge",
            {
                "id": _clean(edge.id),
                "source": _clean(edge.source),
                "target": _clean(edge.target),
                "label": _clean(edge.type),
            },
        )
        _gexf_values(element, _edge_values(edge))
    return _xml(root)


def _gexf_values(parent: ET.Element, values: Mapping[str, Any]) -> None:
    holder = ET.SubElement(parent, "attvalues")
    for name, value in values.items():
        if value is not None:
            ET.SubElement(holder, "attvalue", {"for": name, "value": _text(value)})


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


# ------------------------------------------------------------------------------- CSV

_NODE_COLUMNS = ["id"] + [name for name, _ in _NODE_ATTRS]
_EDGE_COLUMNS = ["id", "source", "source_label", "target", "target_label"] + [
    name for name, _ in _EDGE_ATTRS
]
# A cell starting with one of these is run as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_README = """\
Caravan link chart — export
===========================

Handling code of these files: {marking}
Код обработки этих файлов: {marking_ru}

The files as a whole carry the most restricted handling code in the chart ({code});
each row carries the handling code of its own record or link in column handling_code.
{notes}
nodes.csv — one row per node of the chart
  id             Caravan node id: <kind>:<uuid> for a record, profile:<uuid> for a resolved
                 person (several records shown as one), notice:<token> for a hit notice
  kind           {kinds}
  label          what the chart shows; for a hit notice only the owner agency and the
                 kind of record
  agencies       owner agency codes, comma-separated
  handling_code  H0 to H3 (see above for what each means)
  grade          Europol 4x4 grade of the record (source letter and information digit)
  date           date of a seizure or report (ISO 8601, may be partial)
  members        records merged into the node (a profile's visible records); 1 otherwise
  notice         true for a hit notice: a record exists that you may not read; ask the
                 agency named for it

edges.csv — one row per link
  id             Caravan link id
  source, target node ids of the two ends (as recorded: from source to target)
  source_label, target_label  the labels of the two ends
  type           link type; "{in_report}" means the record was mentioned in that report
  agency         owner agency of the link
  handling_code  H0 to H3
  grade          Europol 4x4 grade of the link, when recorded
  valid_from, valid_to  when the link held (ISO 8601, may be partial or empty)
  report         node id of the report or seizure the link was recorded in

The CSV files are UTF-8 with a byte-order mark, so Excel shows Cyrillic correctly.
Cells that begin with =, +, - or @ are written with a leading apostrophe so that
spreadsheet programs do not run them as formulas.
"""


def to_csv(view: GraphView, positions: Positions | None = None) -> bytes:
    """A ZIP of ``nodes.csv``, ``edges.csv`` and ``README.txt`` (positions are not used).

    Every row carries its own ``handling_code``; the README states the handling code of
    the whole and what each column means.
    """
    labels = {n.id: n.label for n in view.nodes}
    node_rows = [{"id": n.id, **_node_values(n)} for n in view.nodes]
    edge_rows = [
        {
            "id": e.id,
            "source": e.source,
            "source_label": labels[e.source],
            "target": e.target,
            "target_label": labels[e.target],
            **_edge_values(e),
        }
        for e in _edges(view)
    ]
    readme = _README.format(
        marking=_marking(view),
        marking_ru=_marking(view, "ru"),
        code=view.handling_code,
        notes="".join(f"Note: {t.message()}.\n" for t in view.truncated),
        kinds=", ".join(NODE_KINDS),
        in_report=IN_REPORT,
    )
    buffer = io.BytesIO()
    stamp = dt.datetime.now().timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (
            ("README.txt", readme.encode("utf-8-sig")),
            ("nodes.csv", _csv_table(_NODE_COLUMNS, node_rows)),
            ("edges.csv", _csv_table(_EDGE_COLUMNS, edge_rows)),
        ):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _csv_table(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in columns])
    return text.getvalue().encode("utf-8-sig")


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    cell = _text(value)
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


# ------------------------------------------------------------------------------- ANX

# ANX colours are Windows COLORREF integers (0x00BBGGRR).
_GREY_COLORREF = 0x808080


def to_anx(view: GraphView, positions: Positions | None = None) -> bytes:
    """An i2 Analyst's Notebook exchange file (ANX XML, opened with File ▸ Open or Import).

    Entities get the standard icon of their kind (:data:`I2_ICONS`) and carry Caravan's
    id as their identity, so two people of the same name stay two entities. Handling
    code, grade, agencies and date are attributes and a card; the chart's handling code
    is in the chart summary. Without ``positions`` the chart is laid out with
    :func:`~caravan.analyze.network.layout.layout`.
    """
    where = dict(positions) if positions is not None else layout(view)
    edges = _edges(view)
    chart = ET.Element("Chart", {"IdReferenceLinking": "false", "Rigorous": "true"})
    _add_comment(chart, view)
    classes = ET.SubElement(chart, "AttributeClassCollection")
    for name in _ANX_ATTRIBUTE_CLASSES.values():
        ET.SubElement(
            classes,
            "AttributeClass",
            {"Name": name, "Type": "AttText", "ShowValue": "true", "Visible": "false"},
        )
    entity_types = ET.SubElement(chart, "EntityTypeCollection")
    for icon in sorted({_icon(n) for n in view.nodes}):
        ET.SubElement(entity_types, "EntityType", {"Name": icon, "IconFile": icon})
    link_types = ET.SubElement(chart, "LinkTypeCollection")
    for link_type in sorted({e.type for e in edges}):
        colour = _GREY_COLORREF if link_type == IN_REPORT else 0
        ET.SubElement(link_types, "LinkType", {"Name": _clean(link_type), "Colour": str(colour)})
    items = ET.SubElement(chart, "ChartItemCollection")
    for node in view.nodes:
        x, y = where.get(node.id, (0.0, 0.0))
        item = ET.SubElement(
            items,
            "ChartItem",
            {
                "Label": _clean(node.label),
                "Description": _clean(_anx_card_text(node.handling_code, node.grade)),
                "DateSet": "false",
                "XPosition": str(round(x)),
            },
        )
        end = ET.SubElement(item, "End", {"Y": str(round(y))})
        entity = ET.SubElement(
            end, "Entity", {"EntityId": _clean(node.id), "Identity": _clean(node.id)}
        )
        ET.SubElement(ET.SubElement(entity, "Icon"), "IconStyle", {"Type": _icon(node)})
        card_text = _anx_card_text(node.handling_code, node.grade, node.agencies, node.date)
        ET.SubElement(
            ET.SubElement(entity, "CardCollection"),
            "Card",
            {"Summary": "Caravan", "Text": _clean(card_text), "DateSet": "false"},
        )
        values = _node_values(node)
        values["caravan_id"] = node.id
        _anx_attributes(item, values)
    for edge in edges:
        item = ET.SubElement(
            items,
            "ChartItem",
            {
                "Label": _clean(edge.type),
                "Description": _clean(_anx_card_text(edge.handling_code, edge.grade)),
                "DateSet": "false",
            },
        )
        link = ET.SubElement(
            item, "Link", {"End1Id": _clean(edge.source), "End2Id": _clean(edge.target)}
        )
        ET.SubElement(link, "LinkStyle", {"ArrowStyle": "ArrowOnHead", "Type": _clean(edge.type)})
        values = _edge_values(edge)
        values["caravan_id"] = edge.id
        _anx_attributes(item, values)
    summary = ET.SubElement(chart, "Summary")
    for field_type, content in (
        ("SummaryFieldTitle", "Caravan link chart"),
        ("SummaryFieldSubject", f"Handling code {_marking(view)}"),
        ("SummaryFieldComments", _statement(view)),
    ):
        ET.SubElement(summary, "Field", {"Type": field_type, "Content": _clean(content)})
    return _xml(chart)


# Caravan attribute → i2 attribute class name (shown in the chart's attribute lists).
_ANX_ATTRIBUTE_CLASSES = {
    "caravan_id": "Caravan id",
    "kind": "Caravan kind",
    "handling_code": "Handling code",
    "grade": "Grade",
    "agencies": "Agencies",
    "agency": "Agency",
    "date": "Date",
    "members": "Records merged",
    "notice": "Hit notice",
    "type": "Link type",
    "valid_from": "Valid from",
    "valid_to": "Valid to",
    "report": "Recorded in",
}


def _icon(node: Node) -> str:
    return I2_ICONS.get(node.kind, "Question")


def _anx_card_text(
    code: str, grade: str | None, agencies: Sequence[str] = (), date: str | None = None
) -> str:
    parts = [f"Handling code {code}"]
    if grade:
        parts.append(f"grade {grade}")
    if agencies:
        parts.append("agency " + ", ".join(agencies))
    if date:
        parts.append(f"date {date}")
    return "; ".join(parts)


def _anx_attributes(item: ET.Element, values: Mapping[str, Any]) -> None:
    holder = ET.SubElement(item, "AttributeCollection")
    for name, value in values.items():
        if value is not None and name in _ANX_ATTRIBUTE_CLASSES:
            ET.SubElement(
                holder,
                "Attribute",
                {"AttributeClass": _ANX_ATTRIBUTE_CLASSES[name], "Value": _text(value)},
            )


# ----------------------------------------------------------------------- SVG and PNG

_MARGIN = 110  # room for the labels of nodes at the edges
_BANNER = 46
_PLOT_TOP = _BANNER + 44
_LEGEND_Y = _PLOT_TOP + int(BOX) + 40
_WIDTH = int(BOX) + 2 * _MARGIN
_HEIGHT = _LEGEND_Y + 30 + _BANNER
#: Above this many nodes only the focus nodes are labelled (labels would cover the chart).
_LABELS_UP_TO = 400
_LABEL_CHARS = 30
_BANNER_COLOURS = {  # handling code → (background, text)
    "H0": ("#1B5E20", "#FFFFFF"),
    "H1": ("#F9A825", "#000000"),
    "H2": ("#B71C1C", "#FFFFFF"),
    "H3": ("#4A148C", "#FFFFFF"),
}
_EDGE_COLOUR = "#7A7A7A"
_IN_REPORT_COLOUR = "#C8C8C8"
_INK = "#222222"
_SVG_FONTS = "DejaVu Sans, Noto Sans, Arial, sans-serif"


@dataclass(frozen=True)
class _Dot:
    x: float
    y: float
    radius: float
    fill: str
    notice: bool
    label: str
    title: str


@dataclass(frozen=True)
class _Scene:
    """What the picture shows, in pixels; SVG and PNG draw the same scene."""

    banner: tuple[str, str]  # English and Russian marking
    banner_colours: tuple[str, str]
    notes: str
    lines: list[tuple[float, float, float, float, bool]]  # x1, y1, x2, y2, in a report
    dots: list[_Dot]
    legend: list[tuple[str, str]]  # kind, colour


def _scene(view: GraphView, positions: Positions | None) -> _Scene:
    where = _fitted(view, positions)
    count = len(view.nodes)
    radius = 9.0 if count <= 200 else 6.0 if count <= 1000 else 4.0
    focus = set(view.focus)

    def point(node_id: str) -> tuple[float, float]:
        x, y = where[node_id]
        return _MARGIN + x, _PLOT_TOP + y

    lines = [(*point(e.source), *point(e.target), e.type == IN_REPORT) for e in _edges(view)]
    dots = []
    for node in view.nodes:
        x, y = point(node.id)
        shown = count <= _LABELS_UP_TO or node.id in focus
        label = (
            node.label if len(node.label) <= _LABEL_CHARS else node.label[: _LABEL_CHARS - 1] + "…"
        )
        dots.append(
            _Dot(
                x=x,
                y=y,
                radius=radius * (1.3 if node.id in focus else 1.0),
                fill=KIND_COLOURS.get(node.kind, _OTHER_COLOUR),
                notice=node.notice,
                label=_clean(label) if shown else "",
                title=_clean(f"{node.label} ({node.kind}, {node.handling_code})"),
            )
        )
    kinds = {n.kind for n in view.nodes}
    legend = [(k, KIND_COLOURS[k]) for k in NODE_KINDS if k in kinds]
    labels = {n.id: n.label for n in view.nodes}
    notes = "; ".join(
        f"showing {t.shown} of {t.total} links of {labels.get(t.node, t.node)}"
        for t in view.truncated
    )
    return _Scene(
        banner=(_marking(view), _marking(view, "ru")),
        banner_colours=_BANNER_COLOURS.get(view.handling_code, _BANNER_COLOURS["H3"]),
        notes=_clean(notes),
        lines=lines,
        dots=dots,
        legend=legend,
    )


def _fitted(view: GraphView, positions: Positions | None) -> dict[str, tuple[float, float]]:
    """Positions in the 0..1000 box; nodes without a given position take the layout's."""
    if positions is None:
        return layout(view)
    given = normalise({n.id: positions[n.id] for n in view.nodes if n.id in positions})
    if len(given) < len({n.id for n in view.nodes}):
        given = layout(view) | given
    return given


def to_svg(view: GraphView, positions: Positions | None = None) -> bytes:
    """A picture of the chart as SVG, with the handling code in a banner top and bottom.

    Without ``positions`` the chart is laid out with
    :func:`~caravan.analyze.network.layout.layout`; given positions are fitted to the
    picture.
    """
    scene = _scene(view, positions)
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": str(_WIDTH),
            "height": str(_HEIGHT),
            "viewBox": f"0 0 {_WIDTH} {_HEIGHT}",
            "font-family": _SVG_FONTS,
        },
    )
    ET.SubElement(svg, "title").text = f"Caravan link chart — {view.handling_code}"
    ET.SubElement(svg, "desc").text = _clean(_statement(view))
    ET.SubElement(svg, "rect", {"width": str(_WIDTH), "height": str(_HEIGHT), "fill": "#FFFFFF"})
    for top in (0, _HEIGHT - _BANNER):
        _svg_banner(svg, scene, top)
    if scene.notes:
        _svg_text(svg, _WIDTH / 2, _BANNER + 22, scene.notes, 12, "#555555")
    for x1, y1, x2, y2, in_report in scene.lines:
        line = {"x1": f"{x1:.1f}", "y1": f"{y1:.1f}", "x2": f"{x2:.1f}", "y2": f"{y2:.1f}"}
        line["stroke"] = _IN_REPORT_COLOUR if in_report else _EDGE_COLOUR
        if in_report:
            line["stroke-dasharray"] = "4 3"
        ET.SubElement(svg, "line", line)
    for dot in scene.dots:
        group = ET.SubElement(svg, "g")
        ET.SubElement(group, "title").text = dot.title
        circle = {
            "cx": f"{dot.x:.1f}",
            "cy": f"{dot.y:.1f}",
            "r": f"{dot.radius:g}",
            "fill": dot.fill,
            "stroke": "#555555" if dot.notice else _INK,
            "stroke-width": "1.2",
        }
        if dot.notice:
            circle["stroke-dasharray"] = "3 2"
        ET.SubElement(group, "circle", circle)
        if dot.label:
            _svg_text(group, dot.x, dot.y + dot.radius + 12, dot.label, 11, _INK)
    x = float(_MARGIN) - 50
    for kind, colour in scene.legend:
        ET.SubElement(
            svg,
            "circle",
            {"cx": f"{x:g}", "cy": str(_LEGEND_Y), "r": "6", "fill": colour, "stroke": _INK},
        )
        _svg_text(svg, x + 10, _LEGEND_Y + 4, kind, 12, _INK, anchor="start")
        x += 112
    return _xml(svg)


def _svg_banner(svg: ET.Element, scene: _Scene, top: int) -> None:
    background, ink = scene.banner_colours
    box = {"y": str(top), "width": str(_WIDTH), "height": str(_BANNER), "fill": background}
    ET.SubElement(svg, "rect", box)
    _svg_text(svg, _WIDTH / 2, top + 19, scene.banner[0], 14, ink, bold=True)
    _svg_text(svg, _WIDTH / 2, top + 38, scene.banner[1], 13, ink)


def _svg_text(
    parent: ET.Element,
    x: float,
    y: float,
    text: str,
    size: int,
    colour: str,
    *,
    anchor: str = "middle",
    bold: bool = False,
) -> None:
    attributes = {
        "x": f"{x:.1f}",
        "y": f"{y:.1f}",
        "font-size": str(size),
        "fill": colour,
        "text-anchor": anchor,
    }
    if bold:
        attributes["font-weight"] = "bold"
    ET.SubElement(parent, "text", attributes).text = text


# Pillow draws without anti-aliasing: draw at twice the size, then scale down.
_SUPERSAMPLE = 2
#: TrueType fonts tried in turn (Pillow looks in the system's font folders); the first
#: that draws Cyrillic is used.
_FONT_FILES = (
    "DejaVuSans.ttf",
    "NotoSans-Regular.ttf",
    "LiberationSans-Regular.ttf",
    "FreeSans.ttf",
    "Arial Unicode.ttf",
    "Arial.ttf",
    "arial.ttf",
    "segoeui.ttf",
    "Verdana.ttf",
)
_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
_CYRILLIC = re.compile("[\u0400-\u04ff\u0500-\u052f]")
_LATIN_1 = str.maketrans({"—": "-", "…": "...", "«": '"', "»": '"'})


def to_png(view: GraphView, positions: Positions | None = None) -> bytes:
    """The picture of :func:`to_svg` as PNG (1,220 × 1,206 pixels), drawn with Pillow.

    Labels need a font with Cyrillic letters: the first of the usual system fonts
    (DejaVu Sans, Noto Sans, Liberation Sans, Arial…) that has them. Without one,
    Pillow's built-in font is used and Cyrillic labels are shown in passport Latin.
    """
    scene = _scene(view, positions)
    s = _SUPERSAMPLE
    image = Image.new("RGB", (_WIDTH * s, _HEIGHT * s), "#FFFFFF")
    draw = ImageDraw.Draw(image)
    background, ink = scene.banner_colours
    for top in (0, _HEIGHT - _BANNER):
        draw.rectangle((0, top * s, _WIDTH * s, (top + _BANNER) * s - 1), fill=background)
        _png_text(draw, _WIDTH / 2, top + 6, scene.banner[0], 14, ink)
        if _font(13)[1]:  # the Russian line only where Cyrillic can be drawn
            _png_text(draw, _WIDTH / 2, top + 26, scene.banner[1], 13, ink)
    if scene.notes:
        _png_text(draw, _WIDTH / 2, _BANNER + 12, scene.notes, 12, "#555555")
    for x1, y1, x2, y2, in_report in scene.lines:
        colour = _IN_REPORT_COLOUR if in_report else _EDGE_COLOUR
        draw.line((x1 * s, y1 * s, x2 * s, y2 * s), fill=colour, width=s)
    for dot in scene.dots:
        r = dot.radius * s
        draw.ellipse(
            (dot.x * s - r, dot.y * s - r, dot.x * s + r, dot.y * s + r),
            fill=dot.fill,
            outline="#555555" if dot.notice else _INK,
            width=s,
        )
    for dot in scene.dots:
        if dot.label:
            _png_text(draw, dot.x, dot.y + dot.radius + 2, dot.label, 11, _INK)
    x = float(_MARGIN) - 50
    for kind, colour in scene.legend:
        box = ((x - 6) * s, (_LEGEND_Y - 6) * s, (x + 6) * s, (_LEGEND_Y + 6) * s)
        draw.ellipse(box, fill=colour, outline=_INK, width=s)
        _png_text(draw, x + 10, _LEGEND_Y - 7, kind, 12, _INK, centred=False)
        x += 112
    image = image.resize((_WIDTH, _HEIGHT), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _png_text(
    draw: ImageDraw.ImageDraw,
    x: float,
    top: float,
    text: str,
    size: int,
    colour: str,
    *,
    centred: bool = True,
) -> None:
    font, cyrillic = _font(size * _SUPERSAMPLE)
    if not cyrillic and _CYRILLIC.search(text):
        text = passport_latin(text)
    if not isinstance(font, ImageFont.FreeTypeFont):  # a bitmap font: Latin-1 only
        text = text.translate(_LATIN_1).encode("latin-1", "replace").decode("latin-1")
    width = draw.textlength(text, font=font) if centred else 0.0
    draw.text((x * _SUPERSAMPLE - width / 2, top * _SUPERSAMPLE), text, font=font, fill=colour)


@lru_cache(maxsize=1)
def _font_file() -> str | None:
    """The first of :data:`_FONT_FILES` on this machine that draws Cyrillic."""
    for name in _FONT_FILES:
        try:
            font = ImageFont.truetype(name, 16)
        except OSError:
            continue
        if _draws_cyrillic(font):
            return str(font.path)
    return None


@lru_cache(maxsize=16)
def _font(size: int) -> tuple[_Font, bool]:
    """A font of ``size`` pixels and whether it draws Cyrillic."""
    path = _font_file()
    if path is not None:
        return ImageFont.truetype(path, size), True
    try:
        scalable = ImageFont.load_default(size)  # Pillow's own font, needs FreeType
    except (OSError, ImportError):
        return ImageFont.load_default(), False
    return scalable, _draws_cyrillic(scalable)


def _draws_cyrillic(font: _Font) -> bool:
    """Whether ``Ж`` comes out differently from a character no font has (U+FFFF)."""

    def drawn(text: str) -> bytes:
        canvas = Image.new("L", (48, 48))
        ImageDraw.Draw(canvas).text((4, 4), text, font=font, fill=255)
        return canvas.tobytes()

    return drawn("Ж") != drawn("\uffff")


# --------------------------------------------------------------------------- formats


@dataclass(frozen=True)
class ExportFormat:
    """One file format a view can be exported to."""

    name: str
    media_type: str
    extension: str
    render: Callable[[GraphView, Positions | None], bytes]


#: Export formats by name, in the order a menu lists them.
FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("graphml", "application/graphml+xml", "graphml", to_graphml),
        ExportFormat("gexf", "application/gexf+xml", "gexf", to_gexf),
        ExportFormat("csv", "application/zip", "zip", to_csv),
        ExportFormat("anx", "application/xml", "anx", to_anx),
        ExportFormat("svg", "image/svg+xml", "svg", to_svg),
        ExportFormat("png", "image/png", "png", to_png),
    )
}


def render(
    view: GraphView, fmt: str, positions: Positions | None = None
) -> tuple[bytes, ExportFormat]:
    """The view as a file of format ``fmt`` (a key of :data:`FORMATS`, any case).

    Raises:
        InvalidData: an unknown format; the message names the accepted ones.
    """
    export_format = FORMATS.get(str(fmt).strip().lower())
    if export_format is None:
        shown = str(fmt)[:40]
        message = f"unknown export format {shown!r}: use {', '.join(FORMATS)}"
        raise InvalidData([FieldError("format", message, value=shown)], message=message)
    return export_format.render(view, positions), export_format
