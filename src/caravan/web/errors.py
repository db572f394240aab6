"""The one place where ``caravan.errors`` become HTTP responses.

The JSON API answers with ``{"error", "message", "errors"?}`` and the class's
status; browser pages get an HTML page, or a redirect to sign-in.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

from caravan.errors import CaravanError, FieldError, InvalidData, NotAuthenticated
from caravan.web.templating import render


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def install(app: FastAPI) -> None:
    @app.exception_handler(CaravanError)
    async def caravan_error(request: Request, exc: CaravanError) -> Response:
        if wants_json(request):
            headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
            return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers)
        if isinstance(exc, NotAuthenticated):
            target = request.url.path
            if request.url.query:
                target += "?" + request.url.query
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        return render(request, "error.html", {"error": exc}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            FieldError(".".join(str(p) for p in e["loc"] if p != "body"), e["msg"])
            for e in exc.errors()
        ]
        return await caravan_error(request, InvalidData(errors))
