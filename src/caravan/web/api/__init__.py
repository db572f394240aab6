"""The JSON API under ``/api/v1`` (OpenAPI at ``/api/docs``)."""

from fastapi import APIRouter

router = APIRouter()
