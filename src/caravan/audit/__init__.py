"""Append-only, hash-chained audit log and its verifier."""

from caravan.audit.chain import VerifyResult, append, verify
from caravan.audit.context import current_request_id, new_request_id, set_request_id
from caravan.audit.snapshot import changed_fields, snapshot

__all__ = [
    "VerifyResult",
    "append",
    "changed_fields",
    "current_request_id",
    "new_request_id",
    "set_request_id",
    "snapshot",
    "verify",
]
