"""Saved, named link charts: save, list, open, rename, share, delete.

A chart stores *structure only* — node ids, their positions, the filters, the layout
and the colour/size choices, pinned and focus nodes — never anything read from a
record. Whoever opens it gets its nodes afresh from
:func:`caravan.analyze.network.service.subgraph`, through ``caravan.access``, so a chart
never shows what its reader may no longer see. Hit notices (``"notice:<token>"``) stand
for records the saver may not read; they are refused, never saved.

Who may do what:

- save, rename, share, delete: the ``chart.save`` right, and on one's own charts only;
- open and list: the ``graph.read`` right; one's own charts, and the charts colleagues
  of the same agency shared. Any other chart answers exactly like one that does not
  exist.

Every save, rename, share and delete is in the audit log (``chart.save``,
``chart.rename``, ``chart.share``, ``chart.delete``).

Example:
    >>> chart = save_chart(session, principal, "Osh couriers", {  # doctest: +SKIP
    ...     "nodes": ["person:0b9e…", "phone:5f1c…"],
    ...     "positions": {"person:0b9e…": {"x": 10, "y": -4.5}},
    ...     "filters": {"link_types": ["called"], "date_from": "2025-01-01"},
    ...     "layout": "preset", "colour_by": "agency", "size_by": "degree",
    ... })
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from caravan import audit
from caravan.access import Principal, chart_visibility_clause, require
from caravan.analyze.network.types import IN_REPORT, NODE_KINDS, Filters
from caravan.domain.grading import parse_grade
from caravan.domain.places import LinkType
from caravan.errors import FieldError, InvalidData, InvalidValue, NotFound, PermissionDenied
from caravan.store.models import Agency, Chart
from caravan.store.models.base import utcnow

MAX_NAME = 120
MAX_NODES = 5000
#: Node kinds a chart may keep: every kind but ``notice`` (a record the saver may not read).
SAVED_KINDS = tuple(kind for kind in NODE_KINDS if kind != "notice")
#: Edge types a chart may filter on.
LINK_TYPES = (*(t.value for t in LinkType), IN_REPORT)
#: The chart page's choices (``web/ui/templates/graph/chart.html``); ``None``: its default.
LAYOUTS = ("force", "concentric", "circle", "grid", "breadthfirst", "preset")
COLOUR_BY = ("kind", "community", "agency")
#: A centrality measure of :class:`types.Analysis` (``None``: all nodes one size).
SIZE_BY = ("degree", "betweenness", "eigenvector", "kcore")
_AGENCY_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- the state: what a chart keeps ------------------------------------------------------


def node_id(value: str) -> str:
    """Check a node id ``"<kind>:<uuid>"`` and return it in canonical form.

    Example:
        >>> node_id("person:0B9E5D1C-3A3F-4E0B-9F4A-2C1D0E7B6A55")
        'person:0b9e5d1c-3a3f-4e0b-9f4a-2c1d0e7b6a55'
    """
    kind, sep, rest = value.partition(":")
    if kind == "notice":
        raise ValueError(
            f"{value!r} is a hit notice (a record you may not read): notices are never saved"
        )
    if not sep or kind not in SAVED_KINDS:
        raise ValueError(
            f"{value!r} is not a node id: expected <kind>:<uuid> with kind one of "
            + ", ".join(SAVED_KINDS)
        )
    try:
        return f"{kind}:{uuid.UUID(rest)}"
    except ValueError:
        raise ValueError(f"{value!r} is not a node id: {rest!r} is not a UUID") from None


NodeId = Annotated[str, AfterValidator(node_id)]


class Position(BaseModel):
    """Where a node sits on the chart: ``{"x": …, "y": …}``, finite numbers."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    x: float
    y: float


class ChartFilters(BaseModel):
    """:class:`caravan.analyze.network.types.Filters` as a chart keeps them."""

    model_config = ConfigDict(extra="forbid", strict=True)

    link_types: list[str] = Field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    min_grade: str | None = None
    agencies: list[str] = Field(default_factory=list)

    @field_validator("link_types")
    @classmethod
    def _link_types(cls, value: list[str]) -> list[str]:
        for item in value:
            if item not in LINK_TYPES:
                raise ValueError(
                    f"unknown link type {item!r}; expected some of " + ", ".join(LINK_TYPES)
                )
        return sorted(set(value))

    @field_validator("date_from", "date_to")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            if not _DATE.fullmatch(value):
                raise ValueError
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError(f"{value!r} is not a date: expected YYYY-MM-DD") from None

    @field_validator("min_grade")
    @classmethod
    def _grade(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return parse_grade(value, "europol").label
        except InvalidValue as exc:
            raise ValueError(str(exc)) from None

    @field_validator("agencies")
    @classmethod
    def _agencies(cls, value: list[str]) -> list[str]:
        for code in value:
            if not _AGENCY_CODE.fullmatch(code):
                raise ValueError(f"{code!r} is not an agency code")
        return sorted(set(value))


class ChartState(BaseModel):
    """Everything a chart keeps. Node ids are canonical; every list is checked."""

    model_config = ConfigDict(extra="forbid", strict=True)

    nodes: list[NodeId]
    #: Where nodes sit, for listed nodes only (nodes without one are laid out).
    positions: dict[NodeId, Position] = Field(default_factory=dict)
    filters: ChartFilters = Field(default_factory=ChartFilters)
    #: The chart page's layout name; ``None``: its default.
    layout: str | None = None
    colour_by: str | None = None
    size_by: str | None = None
    #: Nodes the analyst pinned in place, and the nodes the chart is about.
    pinned: list[NodeId] = Field(default_factory=list)
    focus: list[NodeId] = Field(default_factory=list)

    @field_validator("nodes", "positions", mode="before")
    @classmethod
    def _not_too_many(cls, value: Any) -> Any:
        if isinstance(value, list | dict) and len(value) > MAX_NODES:
            raise ValueError(f"at most {MAX_NODES:,} nodes in a chart ({len(value):,} given)")
        return value

    @field_validator("nodes")
    @classmethod
    def _some(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("a chart needs at least one node")
        return value

    @field_validator("layout")
    @classmethod
    def _layout(cls, value: str | None) -> str | None:
        if value is not None and value not in LAYOUTS:
            raise ValueError(f"{value!r}: expected one of " + ", ".join(LAYOUTS))
        return value

    @field_validator("colour_by")
    @classmethod
    def _colour_by(cls, value: str | None) -> str | None:
        if value is not None and value not in COLOUR_BY:
            raise ValueError(f"{value!r}: expected one of " + ", ".join(COLOUR_BY))
        return value

    @field_validator("size_by")
    @classmethod
    def _size_by(cls, value: str | None) -> str | None:
        if value is not None and value not in SIZE_BY:
            raise ValueError(f"{value!r}: expected one of " + ", ".join(SIZE_BY))
        return value


def _field(loc: tuple[Any, ...]) -> str:
    """``("nodes", 3)`` → ``state.nodes[3]``; ``("positions", "person:…", "x")`` →
    ``state.positions[person:…].x``."""
    out = "state"
    for part in loc:
        if part == "[key]":
            continue
        out += f"[{part}]" if isinstance(part, int) or ":" in str(part) else f".{part}"
    return out


_EXTRA = {
    "filters": "unknown filter; expected some of " + ", ".join(ChartFilters.model_fields),
    "": "unknown field; expected some of " + ", ".join(ChartState.model_fields),
    "positions": "unknown field; a position is {x, y}",
}


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        parent = str(error["loc"][0]) if len(error["loc"]) > 1 else ""
        return _EXTRA.get(parent, "unknown field")
    if error["type"] == "finite_number":
        return "must be a finite number (not NaN or infinity)"
    message: str = error["msg"]
    return message.removeprefix("Value error, ")


def _duplicates(items: list[str], field: str) -> list[FieldError]:
    seen: set[str] = set()
    errors = []
    for index, item in enumerate(items):
        if item in seen:
            errors.append(FieldError(f"{field}[{index}]", f"{item!r} is listed twice"))
        seen.add(item)
    return errors


def state_errors(raw: Any) -> tuple[ChartState | None, list[FieldError]]:
    """Validate a chart's state; every problem names its field (``state.nodes[3]``…)."""
    if not isinstance(raw, dict):
        return None, [FieldError("state", "expected an object with nodes, positions, filters…")]
    try:
        state = ChartState.model_validate(raw)
    except ValidationError as exc:
        return None, [FieldError(_field(e["loc"]), _message(e)) for e in exc.errors()]
    errors = _duplicates(state.nodes, "state.nodes")
    listed = set(state.nodes)
    for key in state.positions:
        if key not in listed:
            errors.append(FieldError(f"state.positions[{key}]", "not a node of this chart"))
    for name in ("pinned", "focus"):
        items: list[str] = getattr(state, name)
        errors += _duplicates(items, f"state.{name}")
        for index, item in enumerate(items):
            if item not in listed:
                errors.append(FieldError(f"state.{name}[{index}]", f"{item!r} is not a node"))
    fs = state.filters
    if fs.date_from and fs.date_to and fs.date_from > fs.date_to:
        errors.append(FieldError("state.filters.date_to", "is before date_from"))
    return state, errors


def validate_state(raw: Any) -> ChartState:
    """The state, checked, or :class:`InvalidData` naming every problem."""
    state, errors = state_errors(raw)
    if errors or state is None:
        raise InvalidData(errors)
    return state


def chart_filters(state: dict[str, Any]) -> Filters:
    """A saved chart's filters as the traversal takes them."""
    filters = ChartFilters.model_validate(state.get("filters") or {})
    return Filters(
        link_types=frozenset(filters.link_types),
        date_from=filters.date_from,
        date_to=filters.date_to,
        min_grade=filters.min_grade,
        agencies=frozenset(filters.agencies),
    )


def _name_errors(name: Any) -> tuple[str, list[FieldError]]:
    if not isinstance(name, str):
        return "", [FieldError("name", "expected text")]
    text = name.strip()
    if not text:
        return text, [FieldError("name", "Give the chart a name")]
    if len(text) > MAX_NAME:
        return text, [FieldError("name", f"At most {MAX_NAME} characters ({len(text)} given)")]
    if any(unicodedata.category(c) == "Cc" for c in text):
        return text, [FieldError("name", "must not contain control characters")]
    return text, []


def _parse_id(chart_id: Any) -> uuid.UUID | None:
    if isinstance(chart_id, uuid.UUID):
        return chart_id
    try:
        return uuid.UUID(str(chart_id))
    except ValueError:
        return None


def _readable(session: Session, principal: Principal, chart_id: Any) -> Chart:
    cid = _parse_id(chart_id)
    chart = None
    if cid is not None:
        chart = session.scalars(
            select(Chart)
            .options(undefer(Chart.state))
            .where(Chart.id == cid, chart_visibility_clause(principal))
        ).first()
    if chart is None:
        raise NotFound(f"No chart with id {chart_id} that you may see")
    return chart


def _own(session: Session, principal: Principal, chart_id: Any) -> Chart:
    require(principal, "chart.save")
    chart = _readable(session, principal, chart_id)
    if chart.owner_id != principal.user_id:
        raise PermissionDenied(f"Only its owner ({chart.owner.username}) may change this chart")
    return chart


def _name_taken(session: Session, principal: Principal, name: str, chart_id: uuid.UUID) -> str:
    """The owner's other chart of that name (compared regardless of case), if any."""
    folded = name.casefold()
    others = session.scalars(
        select(Chart.name).where(Chart.owner_id == principal.user_id, Chart.id != chart_id)
    )
    return next((other for other in others if other.casefold() == folded), "")


def _taken_error(name: str) -> FieldError:
    return FieldError("name", f"You already have a chart named {name!r}", value=name)


def _flush_named(session: Session, name: str) -> None:
    """Flush; a chart of the same name written meanwhile is the same error as before."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise InvalidData([_taken_error(name)]) from None


# --- the service ------------------------------------------------------------------------


def save_chart(
    session: Session,
    principal: Principal,
    name: Any,
    state: Any,
    chart_id: Any = None,
) -> Chart:
    """Save a new chart (``chart_id`` None) or replace the state and name of one's own.

    Raises :class:`InvalidData` naming every problem of ``name`` and ``state``;
    :class:`NotFound` for a chart one may not open; :class:`PermissionDenied` for a
    colleague's shared chart (read-only to all but its owner).
    """
    require(principal, "chart.save")
    chart = _own(session, principal, chart_id) if chart_id is not None else None
    text, errors = _name_errors(name)
    this_id = chart.id if chart is not None else uuid.uuid4()
    if not errors and (taken := _name_taken(session, principal, text, this_id)):
        errors.append(_taken_error(taken))
    checked, state_problems = state_errors(state)
    errors += state_problems
    if checked is not None and checked.filters.agencies:
        known = set(
            session.scalars(select(Agency.code).where(Agency.code.in_(checked.filters.agencies)))
        )
        errors += [
            FieldError("state.filters.agencies", f"no agency {code!r}")
            for code in checked.filters.agencies
            if code not in known
        ]
    if errors or checked is None:
        raise InvalidData(errors)

    created = chart is None
    if chart is None:
        chart = Chart(id=this_id, owner_id=principal.user_id, shared=False, created_at=utcnow())
        session.add(chart)
    chart.name = text
    chart.state = checked.model_dump(mode="json")
    chart.node_count = len(checked.nodes)
    chart.agency_id = principal.agency_id
    chart.updated_at = utcnow()
    _flush_named(session, text)
    audit.append(
        session,
        "chart.save",
        principal=principal,
        object_kind="chart",
        object_id=chart.id,
        after={"name": text, "nodes": chart.node_count, "created": created},
        detail=f"{'created' if created else 'saved'} chart {text!r} ({chart.node_count} nodes)",
    )
    session.refresh(chart, ["owner", "agency"])
    return chart


def list_charts(session: Session, principal: Principal) -> list[Chart]:
    """One's own charts, then those colleagues shared; most recently saved first.

    The charts' states are not loaded (``node_count`` says how big each is).
    """
    require(principal, "graph.read")
    mine_first = case((Chart.owner_id == principal.user_id, 0), else_=1)
    return list(
        session.scalars(
            select(Chart)
            .where(chart_visibility_clause(principal))
            .order_by(mine_first, Chart.updated_at.desc(), Chart.name)
        )
    )


def get_chart(session: Session, principal: Principal, chart_id: Any) -> Chart:
    """One chart one may open, with its state; any other answers :class:`NotFound`."""
    require(principal, "graph.read")
    return _readable(session, principal, chart_id)


def rename_chart(session: Session, principal: Principal, chart_id: Any, name: Any) -> Chart:
    """Rename one's own chart."""
    chart = _own(session, principal, chart_id)
    text, errors = _name_errors(name)
    if not errors and (taken := _name_taken(session, principal, text, chart.id)):
        errors.append(_taken_error(taken))
    if errors:
        raise InvalidData(errors)
    if text == chart.name:
        return chart
    before = chart.name
    chart.name = text
    chart.updated_at = utcnow()
    _flush_named(session, text)
    audit.append(
        session,
        "chart.rename",
        principal=principal,
        object_kind="chart",
        object_id=chart.id,
        before={"name": before},
        after={"name": text},
        detail=f"renamed chart {before!r} to {text!r}",
    )
    return chart


def set_shared(session: Session, principal: Principal, chart_id: Any, shared: bool) -> Chart:
    """Share one's own chart with colleagues of one's agency (read-only), or stop sharing."""
    chart = _own(session, principal, chart_id)
    if not isinstance(shared, bool):
        raise InvalidData([FieldError("shared", "expected true or false")])
    if chart.shared == shared:
        return chart
    chart.shared = shared
    chart.agency_id = principal.agency_id
    session.flush()
    session.refresh(chart, ["agency"])
    audit.append(
        session,
        "chart.share",
        principal=principal,
        object_kind="chart",
        object_id=chart.id,
        before={"shared": not shared},
        after={"shared": shared},
        detail=(
            f"shared chart {chart.name!r} with {principal.agency_code}"
            if shared
            else f"stopped sharing chart {chart.name!r}"
        ),
    )
    return chart


def delete_chart(session: Session, principal: Principal, chart_id: Any) -> None:
    """Delete one's own chart (the records on it are untouched)."""
    chart = _own(session, principal, chart_id)
    deleted_id = chart.id
    detail = f"deleted chart {chart.name!r} ({chart.node_count} nodes)"
    before = {"name": chart.name, "nodes": chart.node_count, "shared": chart.shared}
    session.delete(chart)
    session.flush()
    audit.append(
        session,
        "chart.delete",
        principal=principal,
        object_kind="chart",
        object_id=deleted_id,
        before=before,
        detail=detail,
    )
