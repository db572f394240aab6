"""Reference data and value types: countries, phones, dates, drugs, units, grading,
handling codes and controlled vocabularies.

Every normaliser raises :class:`caravan.errors.InvalidValue` with a message that names
the value and the problem. Reference data lives in ``domain/data/`` and is loaded once.
"""

from caravan.domain.countries import MEMBER_STATES, country_name, normalise_country
from caravan.domain.dates import PartialDate, parse_date, parse_partial_date
from caravan.domain.drugs import Drug, all_drugs, drug_groups, get_drug, group_name, resolve_drug
from caravan.domain.grading import DEFAULT_SCHEME, SCHEMES, Grade, parse_grade, scheme_values
from caravan.domain.handling import HandlingCode, parse_handling_code
from caravan.domain.phones import normalise_phone
from caravan.domain.places import (
    VOCABULARIES,
    AgencyType,
    Concealment,
    DocumentType,
    LinkType,
    PlaceType,
    Role,
    TransportMode,
    label,
    parse_vocab,
)
from caravan.domain.units import (
    NormalisedQuantity,
    normalise_quantity,
    parse_amount,
    resolve_unit,
    unit_codes,
    unit_factor,
    unit_kind,
    unit_label,
)

__all__ = [
    "DEFAULT_SCHEME",
    "MEMBER_STATES",
    "SCHEMES",
    "VOCABULARIES",
    "AgencyType",
    "Concealment",
    "DocumentType",
    "Drug",
    "Grade",
    "HandlingCode",
    "LinkType",
    "NormalisedQuantity",
    "PartialDate",
    "PlaceType",
    "Role",
    "TransportMode",
    "all_drugs",
    "country_name",
    "drug_groups",
    "get_drug",
    "group_name",
    "label",
    "normalise_country",
    "normalise_phone",
    "normalise_quantity",
    "parse_amount",
    "parse_date",
    "parse_grade",
    "parse_handling_code",
    "parse_partial_date",
    "parse_vocab",
    "resolve_drug",
    "resolve_unit",
    "scheme_values",
    "unit_codes",
    "unit_factor",
    "unit_kind",
    "unit_label",
]
