"""The link-analysis benchmark's store: a drug-trafficking region as records and links.

``build_graph_db(GraphSpec(nodes, links, seed))`` writes ``nodes`` records and ``links``
links into a fresh SQLite file through Caravan's own schema (Alembic ``upgrade``, the demo agencies
and users of :func:`bench.targets.fresh_sqlite`) and :func:`caravan.store.bulk.bulk_insert`
with :func:`~caravan.store.bulk.new_id` ids, and caches it as
``bench/out/graph-<nodes>-<links>-s<seed>-<schema key>-g<generator key>.sqlite`` (built
under a temporary name and renamed when complete; a JSON file beside it describes what
was generated).

What is generated (fractions of ``nodes`` / ``links``):

* records: persons 40 %, phones 25 %, vehicles 10 %, organisations 5 %, locations 5 %,
  seizures 10 %, intelligence reports 5 %; owned by the region's agencies (the national
  drug-control, police and customs services own most); handling codes H0 30 %, H1 50 %,
  H2 15 %, H3 5 % (records and links alike), and one recipient agency named on a tenth
  of the H2/H3 ones; Europol 4x4 grades on most.
* links (:class:`caravan.domain.places.LinkType`): person–phone ``uses_phone``,
  phone–phone ``called``, person–person ``associate``/``family``/``travelled_with``,
  person–vehicle ``drives``, ``owns`` (vehicles, locations), person–organisation
  ``employee_of``/``director_of``, X–seizure ``involved_in_seizure``, X–report
  ``mentioned_in_report``. Endpoints are drawn with Pareto weights (the same weight for
  a record whatever the link type: active people are active everywhere), so degrees are
  heavy-tailed; plus hubs: one phone ``called`` by 50,000 phones (a dispatcher's
  number; scaled down with small graphs), three companies with many employees, a
  border crossing in many seizures, a few organisers with many associates, one large
  analytic report. A quarter of the links carry provenance (``report_id``: an
  intelligence report or a seizure), 40 % have ``valid_from`` (half of those also
  ``valid_to``), 90 % a grade. 80 % of links are owned by the agency of their first
  record. Duplicate links (the same pair recorded twice) occur, as in real data.

Generation is vectorised with numpy; rows go in with ``executemany`` in batches inside
one transaction, journal off and ``synchronous=OFF`` (this file only), and the link
indexes are dropped during the load and recreated afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import numpy as np
from sqlalchemy import Index, Table, create_engine, select
from sqlalchemy.orm import Session

from bench import OUT
from bench.build import schema_key
from bench.targets import fresh_sqlite
from caravan.collect.clean import key_of
from caravan.domain.drugs import all_drugs
from caravan.domain.places import LinkType, PlaceType, TransportMode
from caravan.match.keys import plate_key
from caravan.store.bulk import bulk_insert, new_id
from caravan.store.models import Agency, RecordRecipient
from caravan.store.models.base import utcnow
from caravan.store.models.records import (
    IntelReport,
    Link,
    Location,
    Organisation,
    Person,
    Phone,
    SeizureReport,
    Vehicle,
)

Log = Callable[[str], None]

#: Record kinds (``Node`` kinds of link analysis) and their share of the records.
KINDS: tuple[tuple[str, float], ...] = (
    ("person", 0.40),
    ("phone", 0.25),
    ("vehicle", 0.10),
    ("organisation", 0.05),
    ("location", 0.05),
    ("seizure", 0.10),
    ("report", 0.05),
)
MODELS: dict[str, Any] = {
    "person": Person,
    "phone": Phone,
    "vehicle": Vehicle,
    "organisation": Organisation,
    "location": Location,
    "seizure": SeizureReport,
    "report": IntelReport,
}

L = LinkType
#: (link type, share of the links, {from kind: share}, to kind).
LINK_SPECS: tuple[tuple[LinkType, float, dict[str, float], str], ...] = (
    (L.USES_PHONE, 0.18, {"person": 1.0}, "phone"),
    (L.CALLED, 0.22, {"phone": 1.0}, "phone"),
    (L.ASSOCIATE, 0.16, {"person": 1.0}, "person"),
    (L.FAMILY, 0.04, {"person": 1.0}, "person"),
    (L.TRAVELLED_WITH, 0.05, {"person": 1.0}, "person"),
    (L.DRIVES, 0.06, {"person": 1.0}, "vehicle"),
    (L.OWNS, 0.02, {"person": 0.8, "organisation": 0.2}, "vehicle"),
    (L.OWNS, 0.02, {"person": 0.6, "organisation": 0.4}, "location"),
    (L.EMPLOYEE_OF, 0.04, {"person": 1.0}, "organisation"),
    (L.DIRECTOR_OF, 0.01, {"person": 1.0}, "organisation"),
    (
        L.INVOLVED_IN_SEIZURE,
        0.12,
        {"person": 0.6, "vehicle": 0.15, "phone": 0.1, "organisation": 0.05, "location": 0.1},
        "seizure",
    ),
    (
        L.MENTIONED_IN_REPORT,
        0.08,
        {"person": 0.6, "phone": 0.1, "vehicle": 0.1, "organisation": 0.1, "location": 0.1},
        "report",
    ),
)
HANDLING = ("H0", "H1", "H2", "H3")
HANDLING_P = (0.30, 0.50, 0.15, 0.05)
SOURCE_GRADES = ("A", "B", "C", "X")
SOURCE_P = (0.15, 0.50, 0.25, 0.10)
INFO_GRADES = ("1", "2", "3", "4")
INFO_P = (0.20, 0.45, 0.25, 0.10)
#: Dates are days after this one (links' validity, seizures, reports).
EPOCH = dt.date(2012, 1, 1)
DAYS = 5000
#: Agencies that own most records (and their relative weights); the rest share the remainder.
MAIN_AGENCIES = {"KZ": 3.0, "KG": 2.0, "TJ": 3.0, "UZ": 3.0, "TM": 1.0, "RU": 3.0, "AZ": 1.0}
BATCH = 100_000
#: Pareto shape of the endpoint weights (smaller: heavier tail), and their cap: at full
#: scale the busiest ordinary records get some 10,000 links.
PARETO = 1.6
WEIGHT_CAP = 2000.0
#: The dispatcher phone's degree at full scale (1,000,000 records).
HUB_PHONE_LINKS = 50_000


@dataclass(frozen=True)
class GraphSpec:
    nodes: int
    links: int
    seed: int

    @property
    def counts(self) -> dict[str, int]:
        counts = {kind: int(self.nodes * share) for kind, share in KINDS}
        counts["person"] += self.nodes - sum(counts.values())
        return counts

    @property
    def hub_phone_links(self) -> int:
        """50,000 at 1M records; proportionally fewer below (half the phones at most)."""
        scaled = round(HUB_PHONE_LINKS * min(1.0, self.nodes / 1_000_000))
        return min(scaled, self.counts["phone"] // 2)


def generator_key() -> str:
    """A digest of this file: a changed generator never reuses an old store."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:6]


def graph_db_path(spec: GraphSpec, out: Path = OUT) -> Path:
    """``graph-<nodes>-<links>-s<seed>-<schema key>-g<generator key>.sqlite`` in ``out``."""
    name = f"graph-{spec.nodes}-{spec.links}-s{spec.seed}-{schema_key()}-g{generator_key()}"
    return out / f"{name}.sqlite"


def meta_path(db_path: Path) -> Path:
    return db_path.with_suffix(".json")


def read_meta(db_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(meta_path(db_path).read_text(encoding="utf-8"))
    return data


def build_graph_db(
    spec: GraphSpec, *, out: Path = OUT, log: Log = print, rebuild: bool = False
) -> Path:
    """Return the cached store for ``spec``, generating it first if needed."""
    path = graph_db_path(spec, out)
    if path.exists() and meta_path(path).exists() and not rebuild:
        log(f"graph db: reusing {path.name}")
        return path
    tmp = path.with_name(path.name + ".building")
    started = time.perf_counter()
    db = fresh_sqlite(tmp)
    with db.session() as session:
        agencies = {a.code: (a.id, a.country) for a in session.scalars(select(Agency))}
    db.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    meta = _generate(tmp, spec, agencies, log)
    meta["seconds"] = round(time.perf_counter() - started, 1)
    meta_path(path).write_text(json.dumps(meta, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    log(f"graph db: built {path.name} in {meta['seconds']:,.0f}s")
    return path


# ---------------------------------------------------------------------- generation


class _Draw:
    """Heavy-tailed sampling of one kind's records (by local index): Pareto weights of
    shape ``shape``, capped at ``cap`` times the smallest (the designed hubs stay the
    largest nodes; without a cap one record would draw a tenth of its kind's links)."""

    def __init__(
        self, rng: np.random.Generator, n: int, shape: float = PARETO, cap: float = WEIGHT_CAP
    ) -> None:
        weights = np.minimum(rng.pareto(shape, n) + 1.0, cap)
        self.cdf = np.cumsum(weights)
        self.cdf /= self.cdf[-1]
        self.n = n

    def __call__(self, rng: np.random.Generator, size: int) -> np.ndarray:
        picked = np.searchsorted(self.cdf, rng.random(size), side="right")
        return np.minimum(picked, self.n - 1)


@dataclass
class _Nodes:
    kinds: list[str]
    counts: dict[str, int]
    offset: dict[str, int]
    #: Global index → id (hex), kind number, owner agency id, handling code number.
    ids: np.ndarray
    kind: np.ndarray
    agency: np.ndarray
    handling: np.ndarray


def _agency_draw(
    rng: np.random.Generator, agencies: dict[str, tuple[int, str]], size: int
) -> np.ndarray:
    codes = sorted(agencies)
    weights = np.array(
        [
            0.05
            if code == "CARICC"
            else MAIN_AGENCIES.get(agencies[code][1], 1.0)
            * (2.0 if code.endswith(("-NCDC", "-SBNON", "-MVD", "-AKN")) else 1.0)
            for code in codes
        ]
    )
    ids = np.array([agencies[c][0] for c in codes], dtype=np.int32)
    return ids[rng.choice(len(codes), size=size, p=weights / weights.sum())]


def _grades(rng: np.random.Generator, size: int, graded: float) -> tuple[list[Any], ...]:
    """source grade, information grade, grade as entered — ``None`` where ungraded."""
    src = rng.choice(len(SOURCE_GRADES), size=size, p=SOURCE_P)
    info = rng.choice(len(INFO_GRADES), size=size, p=INFO_P)
    has = rng.random(size) < graded
    s_arr = np.array(SOURCE_GRADES, dtype=object)[src]
    i_arr = np.array(INFO_GRADES, dtype=object)[info]
    s_arr[~has] = None
    i_arr[~has] = None
    entered = [
        f"europol:{s}{i}" if s is not None else None for s, i in zip(s_arr, i_arr, strict=True)
    ]
    return s_arr.tolist(), i_arr.tolist(), entered


def _words(text: str) -> list[str]:
    return text.split()


def _date_strings() -> np.ndarray:
    return np.array([(EPOCH + dt.timedelta(days=d)).isoformat() for d in range(DAYS + 2000)])


_SURNAMES = _words(
    "Rahimov Karimov Saidov Sharipov Nazarov Hasanov Davlatov Safarov Kodirov Yusupov"
    " Toshmatov Ergashev Abdullaev Sobirov Rashidov Umarov Ismoilov Nurlanov Serikov"
    " Kasymov Akhmetov Osmonov Zhaparov Kadyrov Esenov Orazow Annayew Gurbanow Atayew"
    " Mammadov Aliyev Huseynov Guliyev Smirnov Kuznetsov Volkov Morozov Ivanov Petrov"
    " Sidorov Popov Azizi Rahimi Karimi Ahmadi Hakimi Noori Safi Qaderi"
)
_GIVEN = _words(
    "Ali Anvar Bakhtiyor Daler Jamshid Farrukh Firdavs Komron Sardor Otabek Jasur"
    " Azamat Bakyt Tilek Erlan Daniyar Bauyrzhan Serdar Batyr Merdan Elvin Rashad"
    " Tural Andrey Igor Pavel Sergey Nurlan Madina Aigul Bermet Dilnoza Nigina Jeren"
    " Aynur Olga Anna"
)
_MAKES = (
    ("Toyota", "Camry"),
    ("Toyota", "Land Cruiser"),
    ("Lada", "Priora"),
    ("Lada", "Niva"),
    ("KamAZ", "5490"),
    ("MAN", "TGX"),
    ("Daewoo", "Nexia"),
    ("Chevrolet", "Cobalt"),
    ("Mercedes-Benz", "Sprinter"),
    ("Volvo", "FH"),
)
_COLOURS = ("white", "black", "silver", "grey", "red", "blue")
_CITIES = {
    "KZ": ("Almaty", "Shymkent", "Astana", "Taraz", "Aktobe"),
    "KG": ("Bishkek", "Osh", "Jalal-Abad", "Batken"),
    "TJ": ("Dushanbe", "Khujand", "Khorog", "Kulob", "Panj"),
    "UZ": ("Tashkent", "Samarkand", "Termez", "Andijan", "Bukhara"),
    "TM": ("Ashgabat", "Mary", "Turkmenabat", "Dashoguz"),
    "RU": ("Moscow", "Orenburg", "Samara", "Omsk", "Novosibirsk", "Yekaterinburg"),
    "AZ": ("Baku", "Ganja", "Astara", "Lankaran"),
    "AF": ("Kunduz", "Mazar-i-Sharif", "Herat", "Kabul"),
}
_COUNTRIES = tuple(_CITIES)
_DIAL = {"KZ": "77", "KG": "996", "TJ": "992", "UZ": "998", "TM": "993", "RU": "79", "AZ": "994"}
_LEGAL = ("LLP", "LLC", "JSC", "IE", "OOO")
_COMPANY = (
    "Trans",
    "Logistic",
    "Agro",
    "Trade",
    "Cargo",
    "Silk Road",
    "Express",
    "Invest",
    "Textile",
    "Fruit",
)


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


def _pick(rng: np.random.Generator, pool: Sequence[Any], size: int) -> list[Any]:
    return np.array(pool, dtype=object)[rng.integers(0, len(pool), size)].tolist()


def _kind_rows(
    kind: str, rng: np.random.Generator, n: int, dates: np.ndarray
) -> tuple[tuple[str, ...], list[list[Any]], bool]:
    """Kind-specific columns and values (column-wise lists), and whether they are already
    in storage form (``bulk_insert(converted=True)``)."""
    country = _pick(rng, _COUNTRIES[:-1], n)
    city = [
        _CITIES[c][i % len(_CITIES[c])]
        for c, i in zip(country, rng.integers(0, 60, n).tolist(), strict=True)
    ]
    if kind == "person":
        sur_i = rng.integers(0, len(_SURNAMES), n)
        surname = np.array(_SURNAMES, dtype=object)[sur_i].tolist()
        sur_key = np.array([key_of(s) for s in _SURNAMES], dtype=object)[sur_i].tolist()
        given = _pick(rng, _GIVEN, n)
        year = rng.integers(1955, 2006, n)
        full = rng.random(n) < 0.7
        birth = [
            f"{y}-{m:02d}-{d:02d}" if f else str(y)
            for y, m, d, f in zip(
                year.tolist(),
                rng.integers(1, 13, n).tolist(),
                rng.integers(1, 29, n).tolist(),
                full.tolist(),
                strict=True,
            )
        ]
        gender = _pick(rng, ("M", "M", "M", "F"), n)
        nationality = _pick(rng, (*_COUNTRIES, "AF"), n)
        columns = (
            "surname",
            "surname_key",
            "given_name",
            "birth_date",
            "birth_year",
            "gender",
            "nationality",
        )
        return (
            columns,
            [surname, sur_key, given, birth, year.tolist(), gender, nationality],
            True,
        )
    if kind == "phone":
        dial = _pick(rng, list(_DIAL.values()), n)
        # Distinct numbers: a stride coprime with the range is a bijection on it.
        numbers = 100_000_000 + (np.arange(n, dtype=np.int64) * 7919 + 12345) % 900_000_000
        e164 = [f"+{d}{x}" for d, x in zip(dial, numbers.tolist(), strict=True)]
        return ("e164",), [e164], True
    if kind == "vehicle":
        make = rng.integers(0, len(_MAKES), n)
        letters = np.array(list("ABEKMHOPCTYX"), dtype=object)
        plate = [
            f"{a}{num:03d}{b}{c} {reg:02d}"
            for a, num, b, c, reg in zip(
                letters[rng.integers(0, 12, n)].tolist(),
                rng.integers(0, 1000, n).tolist(),
                letters[rng.integers(0, 12, n)].tolist(),
                letters[rng.integers(0, 12, n)].tolist(),
                rng.integers(1, 100, n).tolist(),
                strict=True,
            )
        ]
        return (
            ("plate", "plate_key", "make", "model", "colour", "country"),
            [
                plate,
                [plate_key(p) for p in plate],
                [_MAKES[i][0] for i in make.tolist()],
                [_MAKES[i][1] for i in make.tolist()],
                _pick(rng, _COLOURS, n),
                country,
            ],
            True,
        )
    if kind == "organisation":
        name = [
            f"{a} {b} {i}"
            for a, b, i in zip(
                _pick(rng, _COMPANY, n), _pick(rng, _COMPANY, n), range(n), strict=True
            )
        ]
        return (
            ("name", "name_key", "legal_form", "country"),
            [name, [key_of(x) for x in name], _pick(rng, _LEGAL, n), country],
            True,
        )
    if kind == "location":
        place = _pick(rng, [p.value for p in PlaceType], n)
        return (
            ("name", "country", "city", "place_type", "latitude", "longitude"),
            [
                [f"{p.replace('_', ' ')} {i}" for p, i in zip(place, range(n), strict=True)],
                country,
                city,
                place,
                (rng.uniform(35.0, 55.0, n)).round(5).tolist(),
                (rng.uniform(45.0, 80.0, n)).round(5).tolist(),
            ],
            True,
        )
    day = rng.integers(0, DAYS, n)
    date = dates[day].tolist()
    on = [dt.date.fromisoformat(d) for d in date]
    if kind == "seizure":
        drugs = [d for d in all_drugs() if d.group in ("opiates", "cannabis", "ats", "nps")]
        drug = [drugs[i] for i in rng.integers(0, len(drugs), n).tolist()]
        kg = rng.lognormal(0.0, 2.0, n).round(3)
        return (
            (
                "date",
                "seized_on",
                "country",
                "city",
                "drug_code",
                "drug_group",
                "quantity",
                "unit",
                "quantity_kg",
                "transit_countries",
                "transport_mode",
            ),
            [
                date,
                on,
                country,
                city,
                [d.code for d in drug],
                [d.group for d in drug],
                [Decimal(str(x)) for x in kg.tolist()],
                ["kg"] * n,
                [Decimal(str(x)) for x in kg.tolist()],
                [[] for _ in range(n)],
                _pick(rng, [t.value for t in TransportMode], n),
            ],
            False,
        )
    if kind == "report":
        titles = [
            f"Network activity around {c}, report {i}" for c, i in zip(city, range(n), strict=True)
        ]
        return (
            ("date", "reported_on", "title", "body", "language"),
            [date, on, titles, ["Summary of the intelligence received."] * n, ["en"] * n],
            False,
        )
    raise ValueError(kind)


def _insert(
    session: Session,
    table: Table,
    columns: tuple[str, ...],
    data: list[list[Any]],
    *,
    converted: bool,
    constants: dict[str, Any],
) -> None:
    n = len(data[0]) if data else 0
    for start in range(0, n, BATCH):
        rows = list(zip(*(column[start : start + BATCH] for column in data), strict=True))
        bulk_insert(session, table, columns, rows, constants=constants, converted=converted)


def _write_nodes(
    session: Session,
    spec: GraphSpec,
    rng: np.random.Generator,
    agencies: dict[str, tuple[int, str]],
    dates: np.ndarray,
    constants: dict[str, Any],
    log: Log,
) -> _Nodes:
    counts = spec.counts
    kinds = [k for k, _ in KINDS]
    offset: dict[str, int] = {}
    total = 0
    for kind in kinds:
        offset[kind] = total
        total += counts[kind]
    ids = np.array([new_id() for _ in range(total)], dtype=object)
    kind_arr = np.repeat(np.arange(len(kinds), dtype=np.int8), [counts[k] for k in kinds])
    agency = _agency_draw(rng, agencies, total)
    handling = rng.choice(4, size=total, p=HANDLING_P).astype(np.int8)
    handling_s = np.array(HANDLING, dtype=object)
    for kind in kinds:
        t0 = time.perf_counter()
        lo, n = offset[kind], counts[kind]
        own_cols, own, converted = _kind_rows(kind, rng, n, dates)
        src, info, entered = _grades(rng, n, graded=0.85)
        sourced = kind in ("person", "organisation", "location", "seizure", "report")
        source_id = [f"G{kind[:3].upper()}{i:08d}" for i in range(n)] if sourced else [None] * n
        columns = (
            "id",
            "source_id",
            "agency_id",
            "handling_code",
            "source_grade",
            "information_grade",
            "grade_as_entered",
            *own_cols,
        )
        data = [
            ids[lo : lo + n].tolist(),
            source_id,
            agency[lo : lo + n].tolist(),
            handling_s[handling[lo : lo + n]].tolist(),
            src,
            info,
            entered,
            *own,
        ]
        _insert(
            session,
            _table(MODELS[kind]),
            columns,
            data,
            converted=converted,
            constants=constants,
        )
        log(f"  {n:>9,} {kind} records in {time.perf_counter() - t0:.1f}s")
    return _Nodes(kinds, counts, offset, ids, kind_arr, agency, handling)


@dataclass
class _Links:
    type: np.ndarray  # index into the link-type names
    src: np.ndarray  # global node index
    dst: np.ndarray

    @classmethod
    def empty(cls) -> _Links:
        z = np.zeros(0, dtype=np.int64)
        return cls(np.zeros(0, dtype=np.int16), z, z)


def _link_arrays(
    spec: GraphSpec, rng: np.random.Generator, nodes: _Nodes, type_names: list[str]
) -> tuple[_Links, dict[str, Any]]:
    counts, offset = nodes.counts, nodes.offset
    draw = {k: _Draw(rng, counts[k]) for k in nodes.kinds}
    tnum = {name: i for i, name in enumerate(type_names)}
    parts_t: list[np.ndarray] = []
    parts_s: list[np.ndarray] = []
    parts_d: list[np.ndarray] = []

    def add(link_type: str, src: np.ndarray, dst: np.ndarray) -> None:
        parts_t.append(np.full(len(src), tnum[link_type], dtype=np.int16))
        parts_s.append(src.astype(np.int64))
        parts_d.append(dst.astype(np.int64))

    def distinct(kind: str, size: int, exclude: int = -1) -> np.ndarray:
        size = min(size, counts[kind] - 1)
        picked = rng.choice(counts[kind], size=size + 1, replace=False)
        picked = picked[picked != exclude][:size]
        return picked + offset[kind]

    # Hubs (counted in the total).
    hubs: dict[str, Any] = {}
    scale = spec.nodes / 1_000_000
    phone_hub = int(rng.integers(counts["phone"]))
    callers = distinct("phone", spec.hub_phone_links, exclude=phone_hub)
    add(L.CALLED, callers, np.full(len(callers), offset["phone"] + phone_hub))
    hubs["phone"] = {"id": nodes.ids[offset["phone"] + phone_hub], "links": len(callers)}
    hubs["organisations"] = []
    for _ in range(3):
        org = int(rng.integers(counts["organisation"]))
        staff = distinct("person", max(10, round(5000 * scale)))
        add(L.EMPLOYEE_OF, staff, np.full(len(staff), offset["organisation"] + org))
        hubs["organisations"].append(nodes.ids[offset["organisation"] + org])
    crossing = int(rng.integers(counts["location"]))
    seized = distinct("seizure", max(10, round(10_000 * scale)))
    add(L.INVOLVED_IN_SEIZURE, np.full(len(seized), offset["location"] + crossing), seized)
    hubs["location"] = nodes.ids[offset["location"] + crossing]
    hubs["persons"] = []
    for _ in range(5):
        boss = int(rng.integers(counts["person"]))
        ring = distinct("person", max(10, round(2000 * scale)), exclude=boss)
        add(L.ASSOCIATE, np.full(len(ring), offset["person"] + boss), ring)
        hubs["persons"].append(nodes.ids[offset["person"] + boss])
    report = int(rng.integers(counts["report"]))
    named = distinct("person", max(10, round(5000 * scale)))
    add(L.MENTIONED_IN_REPORT, named, np.full(len(named), offset["report"] + report))
    hubs["report"] = nodes.ids[offset["report"] + report]

    remaining = spec.links - sum(len(p) for p in parts_s)
    for link_type, share, sources, target in LINK_SPECS:
        size = round(remaining * share)
        for from_kind, from_share in sources.items():
            n = round(size * from_share)
            src = draw[from_kind](rng, n) + offset[from_kind]
            dst = draw[target](rng, n) + offset[target]
            if from_kind == target:  # no self-links
                loop = src == dst
                dst[loop] = offset[target] + (dst[loop] - offset[target] + 1) % counts[target]
            add(link_type, src, dst)
    links = _Links(np.concatenate(parts_t), np.concatenate(parts_s), np.concatenate(parts_d))
    # Trim or top up to the exact count (rounding), then shuffle: a table in no order.
    extra = spec.links - len(links.src)
    if extra > 0:
        src = draw["person"](rng, extra) + offset["person"]
        dst = draw["person"](rng, extra) + offset["person"]
        dst[src == dst] = (
            offset["person"] + (dst[src == dst] - offset["person"] + 1) % counts["person"]
        )
        links = _Links(
            np.concatenate([links.type, np.full(extra, tnum[L.ASSOCIATE], dtype=np.int16)]),
            np.concatenate([links.src, src]),
            np.concatenate([links.dst, dst]),
        )
    order = rng.permutation(len(links.src))[: spec.links]
    return _Links(links.type[order], links.src[order], links.dst[order]), hubs


def _write_links(
    session: Session,
    spec: GraphSpec,
    rng: np.random.Generator,
    nodes: _Nodes,
    agencies: dict[str, tuple[int, str]],
    dates: np.ndarray,
    constants: dict[str, Any],
    log: Log,
) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    type_names = sorted({str(t) for t, *_ in LINK_SPECS})
    links, hubs = _link_arrays(spec, rng, nodes, type_names)
    n = len(links.src)
    kind_s = np.array(nodes.kinds, dtype=object)
    # Owner: the first record's agency mostly, else any.
    agency = np.where(
        rng.random(n) < 0.8, nodes.agency[links.src], _agency_draw(rng, agencies, n)
    ).astype(np.int32)
    handling = rng.choice(4, size=n, p=HANDLING_P).astype(np.int8)
    # Provenance: a quarter of the links not already to a report or seizure.
    to_kind = nodes.kind[links.dst]
    report_kinds = (nodes.kinds.index("seizure"), nodes.kinds.index("report"))
    eligible = ~np.isin(to_kind, report_kinds)
    has_report = eligible & (rng.random(n) < 0.25)
    is_intel = rng.random(n) < 0.7
    # Provenance is spread more evenly: a report records a few dozen links, rarely thousands.
    draw_rep = _Draw(rng, nodes.counts["report"], shape=2.0, cap=200.0)
    draw_sz = _Draw(rng, nodes.counts["seizure"], shape=2.0, cap=200.0)
    report = np.where(
        is_intel,
        draw_rep(rng, n) + nodes.offset["report"],
        draw_sz(rng, n) + nodes.offset["seizure"],
    )
    report[~has_report] = -1
    valid_from = np.where(rng.random(n) < 0.4, rng.integers(0, DAYS, n), -1)
    valid_to = np.where(
        (valid_from >= 0) & (rng.random(n) < 0.5), valid_from + rng.integers(0, 1500, n), -1
    )
    date_s = np.concatenate([dates, np.array([None], dtype=object)]).astype(object)
    type_s = np.array(type_names, dtype=object)
    handling_s = np.array(HANDLING, dtype=object)
    ids_none = np.concatenate([nodes.ids, np.array([None], dtype=object)])
    report_kind = np.where(is_intel, "report", "seizure").astype(object)
    report_kind[~has_report] = None
    columns = (
        "id",
        "agency_id",
        "handling_code",
        "source_grade",
        "information_grade",
        "grade_as_entered",
        "link_type",
        "from_kind",
        "from_id",
        "to_kind",
        "to_id",
        "valid_from",
        "valid_to",
        "report_kind",
        "report_id",
    )
    table = _table(Link)
    t0 = time.perf_counter()
    for start in range(0, n, BATCH):
        stop = min(n, start + BATCH)
        sl = slice(start, stop)
        size = stop - start
        src, info, entered = _grades(rng, size, graded=0.9)
        data = [
            [new_id() for _ in range(size)],
            agency[sl].tolist(),
            handling_s[handling[sl]].tolist(),
            src,
            info,
            entered,
            type_s[links.type[sl]].tolist(),
            kind_s[nodes.kind[links.src[sl]]].tolist(),
            nodes.ids[links.src[sl]].tolist(),
            kind_s[to_kind[sl]].tolist(),
            nodes.ids[links.dst[sl]].tolist(),
            date_s[valid_from[sl]].tolist(),
            date_s[valid_to[sl]].tolist(),
            report_kind[sl].tolist(),
            ids_none[report[sl]].tolist(),
        ]
        rows = list(zip(*data, strict=True))
        bulk_insert(session, table, columns, rows, constants=constants, converted=True)
        if (stop // BATCH) % 10 == 0 or stop == n:
            rate = stop / (time.perf_counter() - t0)
            log(f"  {stop:>9,}/{n:,} links  {rate:,.0f} rows/s")
    return hubs, links.src, links.dst


def _recipients(
    rng: np.random.Generator,
    nodes: _Nodes,
    agencies: dict[str, tuple[int, str]],
) -> Iterator[tuple[str, int]]:
    """One recipient agency (not the owner) on a tenth of the restricted records."""
    restricted = np.flatnonzero((nodes.handling >= 2) & (rng.random(len(nodes.ids)) < 0.1))
    other = _agency_draw(rng, agencies, len(restricted))
    for i, agency in zip(restricted.tolist(), other.tolist(), strict=True):
        if agency != nodes.agency[i]:
            yield nodes.ids[i], agency


def _generate(
    path: Path, spec: GraphSpec, agencies: dict[str, tuple[int, str]], log: Log
) -> dict[str, Any]:
    rng = np.random.default_rng(spec.seed)
    dates = _date_strings()
    now = utcnow()
    constants = {"grading_scheme": "europol", "created_at": now, "updated_at": now, "version": 1}
    engine = create_engine(f"sqlite:///{path}")
    link_indexes = [i for i in _table(Link).indexes if isinstance(i, Index)]
    log(f"graph db: generating {spec.nodes:,} records and {spec.links:,} links into {path.name}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=OFF")
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        conn.exec_driver_sql("PRAGMA cache_size=-1048576")
        conn.exec_driver_sql("PRAGMA temp_store=MEMORY")
        conn.commit()
        with Session(bind=conn) as session:
            t0 = time.perf_counter()
            nodes = _write_nodes(session, spec, rng, agencies, dates, constants, log)
            recipients = list(_recipients(rng, nodes, agencies))
            bulk_insert(session, _table(RecordRecipient), ("record_id", "agency_id"), recipients)
            log(f"  records written in {time.perf_counter() - t0:.1f}s")
            for index in link_indexes:
                index.drop(session.connection())
            t0 = time.perf_counter()
            hubs, src, dst = _write_links(
                session, spec, rng, nodes, agencies, dates, constants, log
            )
            log(f"  links written in {time.perf_counter() - t0:.1f}s")
            t0 = time.perf_counter()
            for index in link_indexes:
                index.create(session.connection())
            log(f"  link indexes in {time.perf_counter() - t0:.1f}s")
            session.commit()
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        conn.commit()
    engine.dispose()
    degree = np.bincount(np.concatenate([src, dst]), minlength=len(nodes.ids))
    top = np.sort(degree)[::-1][:10]
    return {
        "nodes": spec.nodes,
        "links": spec.links,
        "seed": spec.seed,
        "counts": nodes.counts,
        "recipients": len(recipients),
        "isolated": int((degree == 0).sum()),
        "degree": {
            "mean": round(float(degree.mean()), 2),
            "median": float(np.median(degree)),
            "p99": float(np.percentile(degree, 99)),
            "top": top.tolist(),
        },
        "hubs": hubs,
    }


if __name__ == "__main__":
    args = [int(x) for x in sys.argv[1:]]
    nodes_, links_, seed_ = (args + [1_000_000, 5_000_000, 2026][len(args) :])[:3]
    build_graph_db(GraphSpec(nodes_, links_, seed_), rebuild=True)
