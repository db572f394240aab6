"""Browser UI: Jinja2 pages in Russian and English."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
