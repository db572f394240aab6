"""One exception hierarchy for Caravan.

Domain code raises these; the web layer and the CLI each map them once
(``caravan.web.errors`` and ``caravan.cli``). Every class carries the HTTP
status it stands for, so no route decides that on its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


class CaravanError(Exception):
    """Base class: a problem that we can explain to the person who caused it."""

    status_code = 500
    code = "error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message or self.__class__.__doc__ or self.code

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message}


class NotFound(CaravanError):
    """The record does not exist, or you may not see it."""

    status_code = 404
    code = "not_found"


class NotAuthenticated(CaravanError):
    """Sign in first."""

    status_code = 401
    code = "not_authenticated"


class PermissionDenied(CaravanError):
    """You may not do this."""

    status_code = 403
    code = "permission_denied"


class Conflict(CaravanError):
    """The change conflicts with what is stored."""

    status_code = 409
    code = "conflict"


class TooManyAttempts(CaravanError):
    """Too many failed attempts; wait and try again."""

    status_code = 429
    code = "too_many_attempts"


class PayloadTooLarge(CaravanError):
    """The upload is larger than this server accepts."""

    status_code = 413
    code = "payload_too_large"


class ConfigurationError(CaravanError):
    """The settings are unsafe or incomplete."""

    code = "configuration_error"


@dataclass(frozen=True)
class FieldError:
    """One problem with one field, optionally in one row of a file.

    ``row`` counts data rows from 1 as a person would in a spreadsheet
    (the header is row 1, so the first data row of a CSV is row 2).
    """

    field: str
    message: str
    row: int | None = None
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}{self.field}: {self.message}"


class InvalidValue(ValueError):
    """A single value could not be understood (raised by normalisers).

    Normalisers know the value but not the field or row; the caller wraps
    this into a :class:`FieldError`.
    """


class InvalidData(CaravanError):
    """The data is not valid; ``errors`` lists every problem found."""

    status_code = 422
    code = "invalid_data"

    def __init__(self, errors: list[FieldError], message: str = "") -> None:
        self.errors = list(errors)
        if not message:
            count = len(self.errors)
            first = str(self.errors[0]) if self.errors else ""
            message = f"{count} problem(s) found" + (f"; first: {first}" if first else "")
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["errors"] = [e.to_dict() for e in self.errors]
        return data
