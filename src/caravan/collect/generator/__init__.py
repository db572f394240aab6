"""Deterministic synthetic demo data for Caravan (``caravan demo`` / ``caravan generate``).

Pure producers: they yield rows as ``dict[str, str]`` in the import columns and never
touch a database.  Same arguments, same rows, byte for byte.

* :func:`demo_agencies`, :func:`demo_users` — the centre and agencies of the seven
  member states, and users of every role (password :data:`DEMO_PASSWORD`).
* :func:`generate_persons` — persons written by different agencies in different
  scripts and transliterations, in small criminal networks (streams a million rows).
* :func:`generate_seizures`, :func:`generate_intel_reports`, :func:`generate_links` —
  seizures along realistic routes, reports in Russian and English, network links; all
  three can reference the person rows of ``generate_persons(persons, seed)``.
* :func:`generate_companies` — companies (front, transport, trading firms) of the member
  states, some filed by two agencies in different scripts; a stream of its own.
"""

from .agencies import (
    AGENCY_TYPES,
    DEMO_PASSWORD,
    MEMBER_STATES,
    ROLES,
    AgencySpec,
    UserSpec,
    demo_agencies,
    demo_users,
)
from .companies import COMPANY_COLUMNS, DEMO_COMPANIES, generate_companies
from .layout import PersonLayout
from .links import LINK_COLUMNS, generate_links
from .persons import PERSON_COLUMNS, TRUTH_COLUMNS, generate_persons
from .reports import REPORT_COLUMNS, generate_intel_reports
from .seizures import SEIZURE_COLUMNS, generate_seizures

__all__ = [
    "AGENCY_TYPES",
    "COMPANY_COLUMNS",
    "DEMO_COMPANIES",
    "DEMO_PASSWORD",
    "LINK_COLUMNS",
    "MEMBER_STATES",
    "PERSON_COLUMNS",
    "REPORT_COLUMNS",
    "ROLES",
    "SEIZURE_COLUMNS",
    "TRUTH_COLUMNS",
    "AgencySpec",
    "PersonLayout",
    "UserSpec",
    "demo_agencies",
    "demo_users",
    "generate_companies",
    "generate_intel_reports",
    "generate_links",
    "generate_persons",
    "generate_seizures",
]
