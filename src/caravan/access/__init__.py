"""The one place that decides who may see or do what.

Reads go through :func:`visible` / :func:`get_visible` (checks: :func:`hit_views`, and
:func:`hit_refs` for batches; saved
link charts: :func:`chart_visibility_clause`; requests for information:
:func:`rfi_visibility_clause`; joint operations: :func:`operation_visibility_clause`;
one's own notifications and watches: :func:`personal_clause`; the e-mail and webhook
queue: :func:`delivery_visibility_clause`); actions through
:func:`require`. Nothing else in Caravan re-implements either rule.
"""

from caravan.access.hits import HitNotice, HitRecord, hit_refs, hit_views
from caravan.access.permissions import ROLE_MATRIX, allowed, require, require_agency_scope
from caravan.access.principal import ROLES, Principal
from caravan.access.visibility import (
    OPEN_CODES,
    RESTRICTED_CODES,
    chart_visibility_clause,
    delivery_visibility_clause,
    get_visible,
    is_restricted,
    operation_visibility_clause,
    personal_clause,
    rfi_visibility_clause,
    visibility_clause,
    visible,
)

__all__ = [
    "OPEN_CODES",
    "RESTRICTED_CODES",
    "ROLES",
    "ROLE_MATRIX",
    "HitNotice",
    "HitRecord",
    "Principal",
    "allowed",
    "chart_visibility_clause",
    "delivery_visibility_clause",
    "get_visible",
    "hit_refs",
    "hit_views",
    "is_restricted",
    "operation_visibility_clause",
    "personal_clause",
    "require",
    "require_agency_scope",
    "rfi_visibility_clause",
    "visibility_clause",
    "visible",
]
