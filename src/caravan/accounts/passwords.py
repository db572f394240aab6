"""Password hashing with Argon2id (argon2-cffi's defaults follow RFC 9106)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from caravan.errors import FieldError, InvalidData

_hasher = PasswordHasher()  # Argon2id
#: A hash of a random string, verified against when the user does not exist, so that
#: "no such user" and "wrong password" take the same time.
_DUMMY_HASH = _hasher.hash("caravan-timing-equaliser")

MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    check_password_strength(password)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidData(
            [FieldError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")]
        )
