"""The signed-in user's own API tokens: list, create (the secret is shown once), revoke."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from caravan.access import Principal, require
from caravan.accounts import service as accounts
from caravan.errors import InvalidData
from caravan.web.deps import CsrfDep, PrincipalDep, SessionDep, UserDep
from caravan.web.templating import render
from caravan.web.ui.helpers import N_

router = APIRouter()


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    secret: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "tokens": accounts.list_tokens(session, principal),
        "secret": secret,
        "error": error,
    }
    return render(request, "account/tokens.html", context, status_code=status_code)


@router.get("/account/tokens")
def tokens_page(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    require(principal, "token.manage")
    return _page(request, session, principal)


@router.post("/account/tokens", dependencies=[CsrfDep])
def create_token(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    user: UserDep,
    name: str = Form(""),
) -> Response:
    """Create a token and show its secret on this response only (it is stored hashed)."""
    require(principal, "token.manage")
    try:
        secret, _token = accounts.create_token(session, user, name[:100])
    except InvalidData:
        return _page(
            request, session, principal, error=N_("Give the token a name"), status_code=422
        )
    session.commit()
    response = _page(request, session, principal, secret=secret)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/account/tokens/{token_id}/revoke", dependencies=[CsrfDep])
def revoke(token_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    require(principal, "token.manage")
    accounts.revoke_token(session, principal, token_id)
    session.commit()
    return RedirectResponse("/account/tokens?notice=revoked", status_code=303)
