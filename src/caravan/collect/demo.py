"""Load the synthetic demo region into the store — through the real import path.

Generated rows are written to CSV files and imported with
:func:`caravan.collect.importer.import_file` by the centre's administrator, so the
demo exercises exactly what an agency's own files go through.
"""

from __future__ import annotations

import csv
import functools
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from caravan import audit
from caravan.access import Principal
from caravan.accounts import service as accounts
from caravan.collect.clean import agency_map
from caravan.collect.generator import (
    COMPANY_COLUMNS,
    DEMO_COMPANIES,
    DEMO_PASSWORD,
    LINK_COLUMNS,
    PERSON_COLUMNS,
    REPORT_COLUMNS,
    SEIZURE_COLUMNS,
    demo_agencies,
    demo_users,
    generate_companies,
    generate_intel_reports,
    generate_links,
    generate_persons,
    generate_seizures,
)
from caravan.collect.importer import ImportProgress, ImportResult, import_file
from caravan.collect.writer import existing_ids, note_change
from caravan.store import Database
from caravan.store.bulk import new_id
from caravan.store.models import Agency, Link, Organisation, Person, User
from caravan.store.models.base import utcnow

CENTRE_ADMIN = "caricc.admin"


@dataclass
class DemoSummary:
    created_agencies: int = 0
    created_users: int = 0
    imported: dict[str, ImportResult] = field(default_factory=dict)
    links: int = 0
    skipped: bool = False


def write_csv(path: Path, columns: Iterable[str], rows: Iterator[dict[str, str]]) -> Path:
    columns = list(columns)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_files(
    directory: Path,
    *,
    persons: int,
    seizures: int,
    reports: int,
    seed: int,
    companies: int = DEMO_COMPANIES,
) -> dict[str, Path]:
    """The generated region as import files (``caravan generate --out DIR``)."""
    directory.mkdir(parents=True, exist_ok=True)
    return {
        "persons": write_csv(
            directory / "persons.csv", PERSON_COLUMNS, generate_persons(persons, seed)
        ),
        "seizures": write_csv(
            directory / "seizures.csv",
            SEIZURE_COLUMNS,
            generate_seizures(seizures, seed, persons=persons),
        ),
        "reports": write_csv(
            directory / "reports.csv",
            REPORT_COLUMNS,
            generate_intel_reports(reports, seed, persons=persons),
        ),
        "links": write_csv(
            directory / "links.csv", LINK_COLUMNS, generate_links(seed, persons=persons)
        ),
        "organisations": write_csv(
            directory / "organisations.csv", COMPANY_COLUMNS, generate_companies(companies, seed)
        ),
    }


def ensure_accounts(session: Session) -> tuple[int, int]:
    """Create the demo agencies and users that are missing; never touches existing ones."""
    created_agencies = created_users = 0
    known = set(session.scalars(select(Agency.code)))
    for spec in demo_agencies():
        if spec.code not in known:
            accounts.create_agency(
                session,
                code=spec.code,
                country=spec.country,
                name_en=spec.name_en,
                name_ru=spec.name_ru,
                type=spec.type,
                contact=spec.contact,
            )
            created_agencies += 1
    users = set(session.scalars(select(User.username)))
    for user in demo_users():
        if user.username not in users:
            accounts.create_user(
                session,
                username=user.username,
                agency_code=user.agency,
                role=user.role,
                password=DEMO_PASSWORD,
                display_name=user.display_name,
            )
            created_users += 1
    return created_agencies, created_users


def load_links(session: Session, path: Path, principal: Principal) -> int:
    """Network links between persons of one agency, from the generator's link file."""
    agencies = {code: agency_id for code, (agency_id, _) in agency_map(session).items()}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    keys = {(agencies[r["agency"]], r[k]) for r in rows for k in ("from_source_id", "to_source_id")}
    ids = existing_ids(session, Person, keys)
    now = utcnow()
    values: list[dict[str, Any]] = []
    for row in rows:
        agency_id = agencies[row["agency"]]
        from_id = ids.get((agency_id, row["from_source_id"]))
        to_id = ids.get((agency_id, row["to_source_id"]))
        if from_id is None or to_id is None:
            raise ValueError(f"demo link refers to a missing person: {row}")
        values.append(
            {
                "agency_id": agency_id,
                "source_id": f"L-{row['from_source_id']}-{row['to_source_id']}-{row['link_type']}",
                "handling_code": "H1",
                "grading_scheme": "europol",
                "source_grade": "B",
                "information_grade": "2",
                "grade_as_entered": "europol:B2",
                "link_type": row["link_type"],
                "from_kind": "person",
                "from_id": from_id,
                "to_kind": "person",
                "to_id": to_id,
                "valid_from": row.get("valid_from") or None,
                "valid_to": row.get("valid_to") or None,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
    if values:
        new_ids = [new_id() for _ in values]
        for value, hex_id in zip(values, new_ids, strict=True):
            value["id"] = uuid.UUID(hex_id)
        session.execute(insert(Link), values)
        note_change(session, Link.KIND, inserted=new_ids)
    audit.append(session, "import.links", principal=principal, after={"rows": len(values)})
    return len(values)


def load_demo(
    db: Database,
    *,
    persons: int = 3000,
    seizures: int = 4000,
    reports: int = 400,
    seed: int = 2026,
    force: bool = False,
    progress: Callable[[str, ImportProgress], None] | None = None,
    companies: int = DEMO_COMPANIES,
) -> DemoSummary:
    """Create the demo region. Running it again adds nothing (unless ``force``, which
    re-imports: records are updated in place, never duplicated).

    Persons (with their seizures, reports and links) and companies are loaded each when
    the store has none yet, so a region loaded before companies existed gets them.
    """
    summary = DemoSummary()
    with db.session() as session:
        summary.created_agencies, summary.created_users = ensure_accounts(session)
    with db.session() as session:
        admin = Principal.from_user(accounts.get_user(session, CENTRE_ADMIN))
        already = session.scalar(select(func.count()).select_from(Person)) or 0
        have_companies = session.scalar(select(func.count()).select_from(Organisation)) or 0
    kinds = [
        *(("persons", "seizures", "reports") if force or not already else ()),
        *(("organisations",) if companies > 0 and (force or not have_companies) else ()),
    ]
    if not kinds:
        summary.skipped = True
        return summary
    with tempfile.TemporaryDirectory(prefix="caravan-demo-") as tmp:
        files = write_files(
            Path(tmp),
            persons=persons,
            seizures=seizures,
            reports=reports,
            seed=seed,
            companies=companies,
        )
        for kind in kinds:
            with db.session() as session:
                summary.imported[kind] = import_file(
                    session,
                    admin,
                    kind,
                    files[kind],
                    filename=files[kind].name,
                    progress=functools.partial(progress, kind) if progress else None,
                )
        if not already:
            with db.session() as session:
                summary.links = load_links(session, files["links"], admin)
    return summary
