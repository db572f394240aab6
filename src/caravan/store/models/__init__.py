"""All models, imported in one place so metadata and Alembic see every table."""

from caravan.store.models.audit import AuditEvent, AuditHead
from caravan.store.models.base import Base, RecordMixin
from caravan.store.models.charts import Chart
from caravan.store.models.checks import ChangeFeed, CheckJob, CheckResult, HitNotification
from caravan.store.models.jobs import ImportJob
from caravan.store.models.people import Agency, ApiToken, SigninAttempt, User, WebSession
from caravan.store.models.profiles import (
    Profile,
    ProfileMember,
    ResolutionDecision,
    ResolutionPair,
    ResolutionRun,
)
from caravan.store.models.records import (
    ENTITY_MODELS,
    RECORD_MODELS,
    REPORT_MODELS,
    IdentityDocument,
    IntelReport,
    Link,
    Location,
    Organisation,
    Person,
    PersonName,
    Phone,
    RecordRecipient,
    SeizureReport,
    Vehicle,
)

__all__ = [
    "ENTITY_MODELS",
    "RECORD_MODELS",
    "REPORT_MODELS",
    "Agency",
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "Base",
    "ChangeFeed",
    "Chart",
    "CheckJob",
    "CheckResult",
    "HitNotification",
    "IdentityDocument",
    "ImportJob",
    "IntelReport",
    "Link",
    "Location",
    "Organisation",
    "Person",
    "PersonName",
    "Phone",
    "Profile",
    "ProfileMember",
    "RecordMixin",
    "RecordRecipient",
    "ResolutionDecision",
    "ResolutionPair",
    "ResolutionRun",
    "SeizureReport",
    "SigninAttempt",
    "User",
    "Vehicle",
    "WebSession",
]
