"""Jinja2 templates with the request's language, user and CSRF token in every context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from caravan.domain.countries import country_name
from caravan.web.deps import language
from caravan.web.i18n import translations

TEMPLATE_DIR = Path(__file__).parent / "ui" / "templates"

templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
templates.env.autoescape = True  # every page escapes free text; never mark user text safe


def _country(code: str | None, lang: str = "en") -> str:
    if not code:
        return ""
    try:
        return country_name(code, lang)
    except Exception:
        return code


templates.env.filters["country"] = _country


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render ``name`` with what every page needs: ``_``, ``lang``, ``user``, ``csrf_token``."""
    lang = language(request)
    gettext = translations(lang).gettext
    web = getattr(request.state, "web_session", None)
    base = {
        "_": gettext,
        "lang": lang,
        "user": getattr(request.state, "user", None),
        "csrf_token": web.csrf_token if web is not None else "",
        "path": request.url.path,
    }
    base.update(context or {})
    return templates.TemplateResponse(request, name, base, status_code=status_code)
