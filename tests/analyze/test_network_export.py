"""Exports of a view, read back with the tools analysts would use on them."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree as ET

import networkx as nx
import pytest
from PIL import Image

from caravan.analyze.network import export
from caravan.analyze.network.export import FORMATS, I2_ICONS, KIND_COLOURS, render
from caravan.analyze.network.types import IN_REPORT, NODE_KINDS, Edge, GraphView, Node, Truncation
from caravan.domain.handling import HandlingCode
from caravan.errors import InvalidData

CYRILLIC = "Иванов Иван"
TRICKY = 'Иванов Иван & <Co> "q"\x01\x0b'  # markup characters and XML-illegal controls
TRICKY_CLEAN = 'Иванов Иван & <Co> "q"'
NOTICE_LABEL = "KG-MVD holds a record"
H2 = HandlingCode.H2.description()


def _view() -> GraphView:
    nodes = [
        Node("person:1", "person", TRICKY, ("KG-MVD",), "H1", grade="B2", degree=7),
        Node("person:2", "person", CYRILLIC, ("KG-MVD",), "H0"),  # same name, other person
        Node("profile:3", "profile", "Петров Пётр", ("KG-MVD", "KZ-MVD"), "H0", members=3),
        Node("phone:4", "phone", "=HYPERLINK(1)", ("KG-MVD",), "H0"),
        Node("seizure:5", "seizure", "Heroin, 2 kg", ("KZ-MVD",), "H0", date="2023-05"),
        Node("notice:t1", "notice", NOTICE_LABEL, ("KG-MVD",), "H2", notice=True),
    ]
    edges = [
        Edge("e1", "person:1", "phone:4", "uses_phone", "KG-MVD", "H1", "B2", "2022", "2023-01"),
        Edge("e2", "person:1", "notice:t1", "associate", "KG-MVD", "H2"),
        Edge("e3", "profile:3", "seizure:5", IN_REPORT, "KZ-MVD", "H0", report="seizure:5"),
        Edge("e4", "person:2", "profile:3", "associate", "KG-MVD", "H0"),
        # An edge whose end is not in the view: no file may point at it.
        Edge("e5", "person:1", "person:gone", "associate", "KG-MVD", "H0"),
    ]
    return GraphView(
        nodes=nodes, edges=edges, focus=["person:1"], truncated=[Truncation("person:1", 4, 9)]
    )


VIEW_EDGES = 4  # e5 is dropped
POSITIONS = {f"{n.id}": (100.0 * i, 50.0 * i) for i, n in enumerate(_view().nodes)}


def _xml(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 - our own output, not untrusted input


# --------------------------------------------------------------------------- GraphML


def test_graphml_reads_back_with_networkx() -> None:
    view = _view()
    graph = nx.read_graphml(io.BytesIO(export.to_graphml(view)))
    assert graph.is_directed()
    assert graph.number_of_nodes() == len(view.nodes)
    assert graph.number_of_edges() == VIEW_EDGES
    assert graph.graph["handling_code"] == "H2" == view.handling_code
    assert H2 in graph.graph["marking"]
    assert graph.graph["truncated"] == "showing 4 of 9 links of person:1"
    person = graph.nodes["person:1"]
    assert person["label"] == TRICKY_CLEAN
    assert person["kind"] == "person"
    assert person["grade"] == "B2"
    assert person["handling_code"] == "H1"
    assert person["notice"] is False
    assert graph.nodes["profile:3"]["agencies"] == "KG-MVD,KZ-MVD"
    assert graph.nodes["profile:3"]["members"] == 3
    assert graph.nodes["seizure:5"]["date"] == "2023-05"
    link = graph.edges["person:1", "phone:4"]
    assert link["type"] == "uses_phone"
    assert (link["valid_from"], link["valid_to"], link["grade"]) == ("2022", "2023-01", "B2")
    assert graph.edges["profile:3", "seizure:5"]["report"] == "seizure:5"
    assert "x" not in person  # no positions asked for


def test_graphml_carries_positions_when_given() -> None:
    graph = nx.read_graphml(io.BytesIO(export.to_graphml(_view(), POSITIONS)))
    assert (graph.nodes["profile:3"]["x"], graph.nodes["profile:3"]["y"]) == (200.0, 100.0)


# ------------------------------------------------------------------------------ GEXF


def test_gexf_reads_back_with_networkx() -> None:
    view = _view()
    data = export.to_gexf(view, POSITIONS)
    graph = nx.read_gexf(io.BytesIO(data))
    assert graph.number_of_nodes() == len(view.nodes)
    assert graph.number_of_edges() == VIEW_EDGES
    person = graph.nodes["person:1"]
    assert person["label"] == TRICKY_CLEAN
    assert person["handling_code"] == "H1"
    assert person["notice"] is False
    red, green, blue = (int(KIND_COLOURS["person"][i : i + 2], 16) for i in (1, 3, 5))
    assert (person["viz"]["color"]["r"], person["viz"]["color"]["g"]) == (red, green)
    assert person["viz"]["color"]["b"] == blue
    assert person["viz"]["position"]["x"] == POSITIONS["person:1"][0]
    assert graph.nodes["profile:3"]["members"] == 3
    assert graph.edges["person:1", "phone:4"]["label"] == "uses_phone"
    assert graph.edges["person:1", "phone:4"]["grade"] == "B2"


def test_gexf_declares_version_attributes_and_handling_code() -> None:
    root = _xml(export.to_gexf(_view()))
    ns = {"g": "http://gexf.net/1.3"}
    assert root.get("version") == "1.3"
    description = root.find("g:meta/g:description", ns)
    assert description is not None and description.text is not None
    assert "Handling code H2" in description.text and H2 in description.text
    declared = {
        (a.get("class"), b.get("title"))
        for a in root.iterfind("g:graph/g:attributes", ns)
        for b in a.iterfind("g:attribute", ns)
    }
    assert ("node", "handling_code") in declared and ("edge", "handling_code") in declared
    assert ("node", "kind") in declared and ("edge", "valid_from") in declared
    assert root.find("g:graph/g:nodes/g:node/{http://gexf.net/1.3/viz}position", ns) is None


# ------------------------------------------------------------------------------- CSV


def _zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_zip_has_nodes_edges_and_readme() -> None:
    files = _zip(export.to_csv(_view()))
    assert set(files) == {"nodes.csv", "edges.csv", "README.txt"}
    nodes = {row["id"]: row for row in _rows(files["nodes.csv"])}
    edges = _rows(files["edges.csv"])
    assert len(nodes) == 6 and len(edges) == VIEW_EDGES
    assert all(row["handling_code"] in {"H0", "H1", "H2"} for row in [*nodes.values(), *edges])
    assert nodes["person:1"]["label"] == TRICKY_CLEAN
    assert nodes["person:2"]["label"] == CYRILLIC
    assert nodes["profile:3"]["agencies"] == "KG-MVD,KZ-MVD"
    assert nodes["notice:t1"]["notice"] == "true"
    # A label that a spreadsheet would run as a formula is neutralised.
    assert nodes["phone:4"]["label"] == "'=HYPERLINK(1)"
    first = next(e for e in edges if e["id"] == "e1")
    assert (first["source_label"], first["target_label"]) == (TRICKY_CLEAN, "'=HYPERLINK(1)")
    assert first["valid_to"] == "2023-01"
    assert first["report"] == ""
    readme = files["README.txt"].decode("utf-8-sig")
    assert f"H2 — {H2}" in readme
    assert HandlingCode.H2.description("ru") in readme
    assert "showing 4 of 9 links" in readme
    for column in ("handling_code", "grade", "members", "valid_from", "report"):
        assert column in readme


# ------------------------------------------------------------------------------- ANX


def test_anx_entities_have_the_icon_of_their_kind_and_links_resolve() -> None:
    view = _view()
    chart = _xml(export.to_anx(view))
    assert chart.tag == "Chart"
    entities = {e.get("EntityId"): e for e in chart.iter("Entity")}
    assert set(entities) == {n.id for n in view.nodes}
    for node in view.nodes:
        entity = entities[node.id]
        assert entity.get("Identity") == node.id  # namesakes stay apart
        style = entity.find("Icon/IconStyle")
        assert style is not None and style.get("Type") == I2_ICONS[node.kind]
    assert I2_ICONS["person"] == I2_ICONS["profile"] == "Person"
    assert I2_ICONS["notice"] == "Question"
    declared_icons = {t.get("Name"): t.get("IconFile") for t in chart.iter("EntityType")}
    assert declared_icons == {icon: icon for icon in {I2_ICONS[n.kind] for n in view.nodes}}
    links = list(chart.iter("Link"))
    assert len(links) == VIEW_EDGES
    declared_links = {t.get("Name") for t in chart.iter("LinkType")}
    for link in links:
        assert link.get("End1Id") in entities and link.get("End2Id") in entities
        style = link.find("LinkStyle")
        assert style is not None and style.get("Type") in declared_links
        assert style.get("ArrowStyle") == "ArrowOnHead"


def test_anx_items_carry_handling_code_grade_and_positions() -> None:
    chart = _xml(export.to_anx(_view(), POSITIONS))
    items = chart.findall("ChartItemCollection/ChartItem")
    assert len(items) == 6 + VIEW_EDGES
    person = next(i for i in items if i.find("End/Entity[@EntityId='person:1']") is not None)
    assert person.get("Label") == TRICKY_CLEAN
    assert person.get("XPosition") == "0"
    attributes = {a.get("AttributeClass"): a.get("Value") for a in person.iter("Attribute")}
    assert attributes["Handling code"] == "H1" and attributes["Grade"] == "B2"
    classes = {c.get("Name") for c in chart.iter("AttributeClass")}
    assert set(attributes) <= classes
    card = person.find("End/Entity/CardCollection/Card")
    assert card is not None and "Handling code H1" in (card.get("Text") or "")
    assert "grade B2" in (card.get("Text") or "")
    for item in items:
        values = {a.get("AttributeClass"): a.get("Value") for a in item.iter("Attribute")}
        assert values["Handling code"] in {"H0", "H1", "H2"}
    fields = {f.get("Type"): f.get("Content") for f in chart.iter("Field")}
    assert H2 in (fields["SummaryFieldSubject"] or "")


# --------------------------------------------------------------------------- pictures


def test_svg_parses_and_carries_the_handling_banner() -> None:
    view = _view()
    svg = _xml(export.to_svg(view))
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text for t in svg.iterfind(".//s:text", ns)]
    assert texts.count(f"H2 — {H2}") == 2  # top and bottom
    assert TRICKY_CLEAN in texts and CYRILLIC in texts
    assert f"H2 — {HandlingCode.H2.description('ru')}" in texts
    # One circle per node plus one per legend entry; a line per visible edge.
    kinds = {n.kind for n in view.nodes}
    assert len(svg.findall(".//s:circle", ns)) == len(view.nodes) + len(kinds)
    assert len(svg.findall(".//s:line", ns)) == VIEW_EDGES
    assert any(t == "person" for t in texts)


def test_png_opens_with_the_banner_colour_of_the_handling_code() -> None:
    data = export.to_png(_view())
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    width, height = image.size
    assert 800 <= width <= 2000 and 800 <= height <= 2000
    rgb = image.convert("RGB")
    assert rgb.getpixel((3, 3)) == (0xB7, 0x1C, 0x1C)  # H2: red banner, top
    assert rgb.getpixel((3, height - 3)) == (0xB7, 0x1C, 0x1C)  # and bottom
    # Something was drawn in the chart area, not only white.
    middle = rgb.crop((0, 100, width, height - 100))
    assert len(middle.getcolors(maxcolors=1 << 16) or []) > 3


@pytest.fixture
def no_system_fonts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(export, "_FONT_FILES", ())
    export._font_file.cache_clear()
    export._font.cache_clear()
    yield
    export._font_file.cache_clear()
    export._font.cache_clear()


def test_png_without_a_cyrillic_font_still_renders(no_system_fonts: None) -> None:
    _, cyrillic = export._font(22)
    assert not cyrillic  # Pillow's own font has no Cyrillic letters
    image = Image.open(io.BytesIO(export.to_png(_view())))
    assert image.size[0] > 800


def test_png_uses_given_positions() -> None:
    a = export.to_png(_view(), POSITIONS)
    b = export.to_png(_view())
    assert a != b


# ----------------------------------------------------------------------- every format


@pytest.mark.parametrize("name", list(FORMATS))
def test_empty_view_exports_in_every_format(name: str) -> None:
    data, _ = render(GraphView(), name)
    assert data
    if name in {"graphml", "gexf", "anx", "svg"}:
        root = _xml(data)
        assert "H0" in ET.tostring(root, encoding="unicode")
    if name == "graphml":
        assert nx.read_graphml(io.BytesIO(data)).number_of_nodes() == 0
    if name == "csv":
        files = _zip(data)
        assert _rows(files["nodes.csv"]) == [] and _rows(files["edges.csv"]) == []
    if name == "png":
        assert Image.open(io.BytesIO(data)).format == "PNG"


def test_notice_node_carries_only_what_the_node_holds() -> None:
    view = _view()
    graph = nx.read_graphml(io.BytesIO(export.to_graphml(view)))
    assert graph.nodes["notice:t1"] == {
        "kind": "notice",
        "label": NOTICE_LABEL,
        "agencies": "KG-MVD",
        "handling_code": "H2",
        "members": 1,
        "notice": True,
    }
    chart = _xml(export.to_anx(view))
    entity = next(e for e in chart.iter("Entity") if e.get("EntityId") == "notice:t1")
    card = entity.find("CardCollection/Card")
    assert card is not None and card.get("Text") == "Handling code H2; agency KG-MVD"
    item = next(i for i in chart.iter("ChartItem") if i.find("End/Entity") is entity)
    assert item.get("Label") == NOTICE_LABEL
    nodes = _rows(_zip(export.to_csv(view))["nodes.csv"])
    notice = next(row for row in nodes if row["id"] == "notice:t1")
    assert (notice["grade"], notice["date"], notice["label"]) == ("", "", NOTICE_LABEL)


def test_xml_illegal_characters_are_dropped_everywhere() -> None:
    label = "A\x00B\x1fC\ufffeD\ud800E & <F>"
    view = GraphView(nodes=[Node("person:9", "person", label, ("KG-MVD",), "H0")])
    for name in ("graphml", "gexf", "anx", "svg"):
        data, _ = render(view, name)
        assert b"ABCDE &amp; &lt;F&gt;" in data
        _xml(data)


def test_render_picks_the_format_case_insensitively() -> None:
    data, fmt = render(_view(), " GraphML ")
    assert fmt is FORMATS["graphml"]
    assert data == export.to_graphml(_view())
    assert (fmt.media_type, fmt.extension) == ("application/graphml+xml", "graphml")
    assert {f.extension for f in FORMATS.values()} == {
        "graphml",
        "gexf",
        "zip",
        "anx",
        "svg",
        "png",
    }


def test_unknown_format_names_it_and_the_accepted_ones() -> None:
    with pytest.raises(InvalidData, match="xlsx") as raised:
        render(_view(), "xlsx")
    for name in FORMATS:
        assert name in raised.value.message
    assert raised.value.errors[0].field == "format"


def test_every_kind_has_a_colour_and_an_icon() -> None:
    assert set(KIND_COLOURS) == set(NODE_KINDS) == set(I2_ICONS)
