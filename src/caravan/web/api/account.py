"""``/api/v1/me`` and ``/api/v1/tokens``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from caravan.accounts import service as accounts
from caravan.web.api.schemas import MeOut, TokenIn, TokenOut
from caravan.web.deps import CsrfDep, PrincipalDep, SessionDep, UserDep

router = APIRouter(tags=["account"])


@router.get("/me", response_model=MeOut)
def me(user: UserDep) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "agency": user.agency.code,
        "role": user.role,
    }


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(session: SessionDep, principal: PrincipalDep) -> list[Any]:
    return [
        TokenOut.model_validate(t, from_attributes=True)
        for t in accounts.list_tokens(session, principal)
    ]


@router.post("/tokens", response_model=TokenOut, status_code=201, dependencies=[CsrfDep])
def create_token(body: TokenIn, session: SessionDep, user: UserDep) -> Any:
    secret, token = accounts.create_token(session, user, body.name)
    out = TokenOut.model_validate(token, from_attributes=True)
    out.token = secret
    return out


@router.delete("/tokens/{token_id}", status_code=204, dependencies=[CsrfDep])
def revoke_token(token_id: int, session: SessionDep, principal: PrincipalDep) -> None:
    accounts.revoke_token(session, principal, token_id)
