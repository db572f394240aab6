"""Controlled vocabularies: place types, transport, concealment, agencies, roles, links.

The enum members are fixed here (code depends on them); their English and Russian labels
and accepted aliases live together in ``data/vocabularies.yaml``.

Example:
    >>> parse_vocab(Concealment, "закладка")
    <Concealment.DROP_POINT: 'drop_point'>
    >>> label(PlaceType.BORDER_CROSSING, "ru")
    'Пункт пропуска через границу'
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache, lru_cache
from typing import TypeVar

from caravan.domain._data import fold, load_yaml, shown
from caravan.errors import InvalidValue

__all__ = [
    "VOCABULARIES",
    "AgencyType",
    "Concealment",
    "DocumentType",
    "LinkType",
    "PlaceType",
    "Role",
    "TransportMode",
    "label",
    "parse_vocab",
]


class PlaceType(StrEnum):
    BORDER_CROSSING = "border_crossing"
    ROAD = "road"
    RAIL = "rail"
    AIRPORT = "airport"
    POST = "post"
    SEA_PORT = "sea_port"
    RESIDENCE = "residence"
    WAREHOUSE = "warehouse"
    PUBLIC_PLACE = "public_place"
    PLANTATION = "plantation"
    OTHER = "other"


class TransportMode(StrEnum):
    ROAD = "road"
    RAIL = "rail"
    AIR = "air"
    SEA = "sea"
    POST_COURIER = "post_courier"
    PEDESTRIAN = "pedestrian"
    OTHER = "other"


class Concealment(StrEnum):
    VEHICLE_HIDDEN_COMPARTMENT = "vehicle_hidden_compartment"
    VEHICLE_FUEL_TANK = "vehicle_fuel_tank"
    LUGGAGE = "luggage"
    BODY_INTERNAL = "body_internal"
    BODY_WORN = "body_worn"
    CARGO = "cargo"
    POST_PARCEL = "post_parcel"
    DROP_POINT = "drop_point"
    OTHER = "other"


class AgencyType(StrEnum):
    POLICE = "police"
    DRUG_CONTROL = "drug_control"
    CUSTOMS = "customs"
    BORDER = "border"
    SECURITY_SERVICE = "security_service"
    CENTRE = "centre"


class Role(StrEnum):
    OFFICER = "officer"
    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"


class LinkType(StrEnum):
    ASSOCIATE = "associate"
    FAMILY = "family"
    EMPLOYEE_OF = "employee_of"
    DIRECTOR_OF = "director_of"
    OWNS = "owns"
    DRIVES = "drives"
    USES_PHONE = "uses_phone"
    CALLED = "called"
    TRAVELLED_WITH = "travelled_with"
    INVOLVED_IN_SEIZURE = "involved_in_seizure"
    MENTIONED_IN_REPORT = "mentioned_in_report"
    HOLDS_DOCUMENT = "holds_document"


class DocumentType(StrEnum):
    PASSPORT = "passport"
    NATIONAL_ID = "national_id"
    DRIVING_LICENCE = "driving_licence"
    OTHER = "other"


#: Every vocabulary enum, by class name (the keys of vocabularies.yaml).
VOCABULARIES: dict[str, type[StrEnum]] = {
    cls.__name__: cls
    for cls in (PlaceType, TransportMode, Concealment, AgencyType, Role, LinkType, DocumentType)
}

E = TypeVar("E", bound=StrEnum)


def _key(value: str) -> str:
    return fold(value.replace("_", " ").replace("-", " "))


@cache
def _vocab(name: str) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """(code -> (en, ru), folded spelling -> code) for one vocabulary, checked."""
    cls = VOCABULARIES[name]
    spec = load_yaml("vocabularies.yaml").get(name) or {}
    if set(spec) != {m.value for m in cls}:
        raise ValueError(f"vocabularies.yaml: {name} must list exactly {[m.value for m in cls]}")
    labels: dict[str, tuple[str, str]] = {}
    index: dict[str, str] = {}
    for code, entry in spec.items():
        labels[code] = (str(entry["en"]), str(entry["ru"]))
        for spelling in (code, entry["en"], entry["ru"], *entry.get("aliases", ())):
            if index.setdefault(_key(str(spelling)), code) != code:
                raise ValueError(f"vocabularies.yaml: {name}: {spelling!r} names two members")
    return labels, index


def label(enum_value: StrEnum, lang: str = "en") -> str:
    """The display label of a vocabulary member in ``"en"`` or ``"ru"``."""
    en, ru = _vocab(type(enum_value).__name__)[0][enum_value.value]
    return ru if lang == "ru" else en


def parse_vocab(enum_cls: type[E], value: str) -> E:
    """Find a member by code or by English/Russian label or alias, ignoring case.

    Raises :class:`InvalidValue` naming the value and the vocabulary otherwise.
    """
    return enum_cls(_parse(enum_cls.__name__, value))


@lru_cache(maxsize=4096)
def _parse(name: str, value: str) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"unknown {_human(name)} {shown(value)}: expected text")
    code = _vocab(name)[1].get(_key(value))
    if code is None:
        codes = ", ".join(_vocab(name)[0])
        raise InvalidValue(f"unknown {_human(name)} {shown(value.strip())}; known: {codes}")
    return code


def _human(name: str) -> str:
    """'PlaceType' -> 'place type'."""
    return "".join(" " + c.lower() if c.isupper() else c for c in name).strip()
