"""Seizure rows along the region's real trafficking patterns.

Scenarios: Afghan opiates and hashish on the northern route (AF → TJ/UZ/TM →
KG/KZ → RU), Iranian and Afghan methamphetamine through Turkmenistan and Azerbaijan,
local cannabis (Chu valley, Issyk-Kul), synthetic cathinones and cannabinoids sold
through drop points in Russia and Kazakhstan, clandestine laboratories, MDMA by post,
cocaine by sea and air, and acetic anhydride diverted towards Afghanistan.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .agencies import AGENCIES_BY_CODE
from .common import AGENCIES_OF, grading, handling_note, pick, rng_for, weighted
from .identifiers import new_plate
from .layout import BLOCK, DEFAULT_LAYOUT, PersonLayout, pick_person_ids
from .places import KIND_CODES, PLACES
from .texts import seizure_note

SEIZURE_COLUMNS: tuple[str, ...] = (
    "agency", "source_id", "date", "country", "admin_area", "city", "place_type",
    "latitude", "longitude", "drug", "quantity", "unit", "purity_percent",
    "origin_country", "departure_country", "transit_countries", "destination_country",
    "transport_mode", "concealment", "persons", "vehicle_plates", "notes",
    "source_grade", "information_grade", "handling_code", "handling_note", "recipients",
)  # fmt: skip

DRUG_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # drug key -> (Russian names, English names)
    "heroin": (("героин",), ("heroin",)),
    "opium": (("опий",), ("opium",)),
    "hashish": (("гашиш",), ("hashish",)),
    "cannabis": (("марихуана",), ("marijuana", "cannabis herb")),
    "meth": (("метамфетамин",), ("methamphetamine",)),
    "mephedrone": (("мефедрон",), ("mephedrone",)),
    "apvp": (("альфа-PVP",), ("alpha-PVP",)),
    "spice": (("спайс",), ("synthetic cannabinoids",)),
    "mdma": (("экстази",), ("MDMA",)),
    "cocaine": (("кокаин",), ("cocaine",)),
    "aa": (("уксусный ангидрид",), ("acetic anhydride",)),
}

START = dt.date(2021, 1, 1).toordinal()
END = dt.date(2026, 10, 31).toordinal()

# language of the seizing agency's reports: share written in Russian
RUSSIAN_SHARE = {"RU": 0.95, "KZ": 0.85, "KG": 0.85, "TJ": 0.8, "UZ": 0.6, "TM": 0.5, "AZ": 0.4}


@dataclass(frozen=True)
class _Scenario:
    drugs: tuple[str, ...]
    routes: tuple[tuple[str, ...], ...]  # origin, departure, transit..., destination
    seize_at: str  # "route" (anywhere on it) or "local" (origin = seizing country)
    local_countries: tuple[str, ...]
    median: float  # kg (or litres, or tablets)
    sigma: float
    low: float
    high: float
    transport: tuple[str, ...]


_SCENARIOS: tuple[tuple[_Scenario, int], ...] = (
    (
        _Scenario(
            drugs=weighted([("heroin", 7), ("opium", 2), ("hashish", 1)]),
            routes=(
                ("AF", "TJ", "KG", "KZ", "RU"),
                ("AF", "TJ", "UZ", "KZ", "RU"),
                ("AF", "TJ", "KG", "KZ"),
                ("AF", "UZ", "KZ", "RU"),
                ("AF", "TM", "KZ", "RU"),
                ("AF", "TM", "AZ", "RU"),
                ("AF", "TJ", "RU"),
            ),
            seize_at="route",
            local_countries=(),
            median=1.5,
            sigma=1.6,
            low=0.005,
            high=900.0,
            transport=weighted(
                [
                    ("road", 60),
                    ("rail", 15),
                    ("air", 8),
                    ("pedestrian", 10),
                    ("post_courier", 4),
                    ("other", 3),
                ]
            ),
        ),
        30,
    ),
    (
        _Scenario(
            drugs=("meth",),
            routes=(
                ("IR", "AZ", "RU"),
                ("IR", "AZ", "AZ"),
                ("IR", "TM", "KZ", "RU"),
                ("IR", "TM", "UZ", "KZ"),
                ("AF", "TM", "AZ", "RU"),
                ("AF", "TJ", "KG", "KZ"),
            ),
            seize_at="route",
            local_countries=(),
            median=0.5,
            sigma=1.7,
            low=0.001,
            high=300.0,
            transport=weighted(
                [("road", 60), ("sea", 10), ("pedestrian", 15), ("air", 5), ("rail", 10)]
            ),
        ),
        12,
    ),
    (
        _Scenario(
            drugs=weighted([("cannabis", 8), ("hashish", 2)]),
            routes=(),
            seize_at="local",
            local_countries=weighted([("KZ", 45), ("KG", 30), ("RU", 10), ("UZ", 8), ("TJ", 7)]),
            median=2.0,
            sigma=2.0,
            low=0.01,
            high=5000.0,
            transport=weighted([("road", 55), ("other", 35), ("rail", 10)]),
        ),
        20,
    ),
    (
        _Scenario(
            drugs=weighted([("mephedrone", 45), ("apvp", 30), ("spice", 25)]),
            routes=(),
            seize_at="drop",
            local_countries=weighted([("RU", 55), ("KZ", 30), ("KG", 8), ("UZ", 7)]),
            median=0.003,
            sigma=1.0,
            low=0.0005,
            high=0.05,
            transport=weighted([("other", 60), ("pedestrian", 25), ("post_courier", 15)]),
        ),
        22,
    ),
    (
        _Scenario(
            drugs=weighted([("mephedrone", 6), ("apvp", 3), ("meth", 1)]),
            routes=(),
            seize_at="lab",
            local_countries=weighted([("RU", 60), ("KZ", 30), ("KG", 10)]),
            median=3.0,
            sigma=1.5,
            low=0.1,
            high=400.0,
            transport=("other",),
        ),
        4,
    ),
    (
        _Scenario(
            drugs=("mdma",),
            routes=(("NL", "NL", "DE", "PL", "RU"), ("DE", "DE", "KZ"), ("NL", "NL", "AZ")),
            seize_at="destination",
            local_countries=(),
            median=200.0,
            sigma=1.3,
            low=5.0,
            high=20000.0,
            transport=weighted([("post_courier", 70), ("air", 30)]),
        ),
        5,
    ),
    (
        _Scenario(
            drugs=("cocaine",),
            routes=(
                ("EC", "EC", "NL", "RU"),
                ("CO", "CO", "RU"),
                ("BR", "BR", "KZ"),
                ("PE", "PE", "AZ"),
            ),
            seize_at="destination",
            local_countries=(),
            median=2.0,
            sigma=2.0,
            low=0.05,
            high=1500.0,
            transport=weighted([("sea", 55), ("air", 45)]),
        ),
        3,
    ),
    (
        _Scenario(
            drugs=("aa",),
            routes=(
                ("RU", "RU", "KZ", "UZ", "AF"),
                ("RU", "RU", "KZ", "KG", "TJ", "AF"),
                ("KZ", "KZ", "TM", "AF"),
                ("CN", "CN", "KG", "TJ", "AF"),
            ),
            seize_at="route",
            local_countries=(),
            median=500.0,
            sigma=1.3,
            low=20.0,
            high=30000.0,
            transport=weighted([("road", 75), ("rail", 25)]),
        ),
        4,
    ),
)
_SCENARIO_POOL = weighted(_SCENARIOS)
_MEMBERS = frozenset(AGENCIES_OF)

_PLACE_KIND: dict[str, tuple[str, ...]] = {
    "road": weighted([("border_crossing", 35), ("road", 65)]),
    "rail": weighted([("rail", 70), ("border_crossing", 30)]),
    "air": ("airport",),
    "sea": ("sea_port",),
    "post_courier": ("post",),
    "pedestrian": weighted([("border_crossing", 60), ("road", 20), ("other", 20)]),
    "other": weighted([("residence", 60), ("other", 40)]),
}
_CONCEALMENT: dict[str, tuple[str, ...]] = {
    "road": weighted([("vehicle_hidden_compartment", 45), ("vehicle_fuel_tank", 10),
                      ("cargo", 25), ("luggage", 15), ("body_worn", 5)]),
    "rail": weighted([("luggage", 50), ("cargo", 35), ("body_worn", 15)]),
    "air": weighted([("body_internal", 35), ("luggage", 50), ("body_worn", 15)]),
    "sea": weighted([("cargo", 85), ("other", 15)]),
    "post_courier": ("post_parcel",),
    "pedestrian": weighted([("body_worn", 60), ("luggage", 40)]),
    "other": weighted([("other", 70), ("luggage", 30)]),
}  # fmt: skip
_FRONTIER_TYPES = ("customs", "border", "security_service")


def _agency_for(rnd: Callable[[], float], country: str, place_type: str) -> str:
    codes = AGENCIES_OF[country]
    frontier = [c for c in codes if AGENCIES_BY_CODE[c].type in _FRONTIER_TYPES]
    inland = [c for c in codes if c not in frontier]
    at_frontier = place_type in ("border_crossing", "airport", "sea_port", "post")
    prefer = frontier if at_frontier else inland
    if prefer and rnd() < 0.8:
        return pick(rnd, prefer)
    return pick(rnd, codes)


def _number(value: float, comma: bool) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if comma else text


def _lognormal(rnd: Callable[[], float], median: float, sigma: float) -> float:
    # Box–Muller on our own stream keeps the draw reproducible and cheap
    u1 = max(rnd(), 1e-12)
    z = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * rnd())
    return median * math.exp(sigma * z)


def generate_seizures(
    m: int,
    seed: int = 1,
    *,
    persons: int = 0,
    layout: PersonLayout = DEFAULT_LAYOUT,
) -> Iterator[dict[str, str]]:
    """Yield exactly ``m`` seizure rows (see ``SEIZURE_COLUMNS``).

    With ``persons`` > 0, about half the rows name 1–4 person ``source_id``s of the
    seizing agency from ``generate_persons(persons, seed, layout=layout)``, preferring
    members of one network.
    """
    rng = rng_for("seizures", seed)
    rnd = rng.random
    n_blocks = (persons + BLOCK - 1) // BLOCK
    for j in range(m):
        sc = pick(rnd, _SCENARIO_POOL)
        drug = pick(rnd, sc.drugs)
        transport = pick(rnd, sc.transport)
        transit: tuple[str, ...] = ()
        if sc.seize_at in ("local", "drop", "lab"):
            country = pick(rnd, sc.local_countries)
            origin = departure = destination = country
            if sc.seize_at == "local" and rnd() < 0.25:
                destination = "RU"
                if country == "KG":
                    transit = ("KZ",)
            if sc.seize_at == "drop" and country == "KZ" and rnd() < 0.3:
                origin = departure = "RU"
        else:
            route = pick(rnd, sc.routes)
            origin, departure, destination = route[0], route[1], route[-1]
            transit = tuple(c for c in route[2:-1] if c != departure)
            if sc.seize_at == "destination":
                country = destination
            else:
                on_route = [c for c in route[1:] if c in _MEMBERS]
                weights = [max(1, 4 - i) for i in range(len(on_route))]
                country = pick(rnd, weighted(list(zip(on_route, weights, strict=True))))
        if sc.seize_at == "drop":
            place_type = "residence" if rnd() < 0.45 else "other"
            concealment = "drop_point"
        elif sc.seize_at == "lab":
            place_type = "residence" if rnd() < 0.6 else "other"
            concealment = "other"
        else:
            place_type = pick(rnd, _PLACE_KIND[transport])
            concealment = pick(rnd, _CONCEALMENT[transport])
        code = KIND_CODES[place_type]
        places = PLACES[country]
        fitting = [p for p in places if code in p[4]] or list(places)
        admin_area, city, lat, lon, _ = pick(rnd, fitting)
        if place_type in ("road", "residence", "other"):
            lat += (rnd() - 0.5) * 0.06
            lon += (rnd() - 0.5) * 0.06
        agency = _agency_for(rnd, country, place_type)
        russian = rnd() < RUSSIAN_SHARE[country]
        quantity, unit = _quantity(rnd, sc, drug, russian)
        day = START + int(rnd() * (END - START + 1))
        date = dt.date.fromordinal(day).isoformat()
        if rnd() < 0.03:
            date = date[:7]
        purity = ""
        if drug in ("heroin", "meth", "cocaine", "mephedrone") and rnd() < 0.35:
            lo, hi = {"heroin": (15, 75), "meth": (40, 96), "cocaine": (55, 92)}.get(drug, (30, 90))
            purity = _number(round(lo + rnd() * (hi - lo), 1), russian and rnd() < 0.3)
        plates = ""
        if transport == "road" and concealment != "body_worn" and rnd() < 0.6:
            plate_country = departure if departure in _MEMBERS and rnd() < 0.5 else country
            plates = new_plate(rnd, plate_country)
            if rnd() < 0.1:
                plates += ";" + new_plate(rnd, plate_country)
        people = ""
        if n_blocks and rnd() < 0.55:
            people = pick_person_ids(rnd, seed, j * n_blocks // max(m, 1), n_blocks, persons,
                                  agency, layout)  # fmt: skip
        source_grade, info_grade, handling, recipients = grading(rnd, agency)
        yield {
            "agency": agency,
            "source_id": f"S-{agency}-{date[:4]}-{j + 1:07d}",
            "date": date,
            "country": country,
            "admin_area": admin_area,
            "city": city,
            "place_type": place_type,
            "latitude": f"{lat:.4f}",
            "longitude": f"{lon:.4f}",
            "drug": pick(rnd, DRUG_NAMES[drug][0 if russian else 1]),
            "quantity": quantity,
            "unit": unit,
            "purity_percent": purity,
            "origin_country": origin,
            "departure_country": departure,
            "transit_countries": ";".join(transit),
            "destination_country": destination,
            "transport_mode": transport,
            "concealment": concealment,
            "persons": people,
            "vehicle_plates": plates,
            "notes": seizure_note(rnd, russian, concealment, transport, city),
            "source_grade": source_grade,
            "information_grade": info_grade,
            "handling_code": handling,
            "handling_note": handling_note(handling),
            "recipients": recipients,
        }


def _quantity(rnd: Callable[[], float], sc: _Scenario, drug: str, russian: bool) -> tuple[str, str]:
    """Quantity and unit as the officer typed them."""
    value = min(sc.high, max(sc.low, _lognormal(rnd, sc.median, sc.sigma)))
    comma = russian and rnd() < 0.25
    if drug == "mdma":
        return str(max(1, round(value))), "tablets"
    if drug == "aa":
        return _number(round(value, 1), comma), "l"
    if value < 1.0:
        grams = round(value * 1000, 2 if value < 0.01 else 1)
        return _number(grams, comma), ("г" if russian and rnd() < 0.2 else "g")
    return _number(round(value, 3), comma), ("кг" if russian and rnd() < 0.2 else "kg")
