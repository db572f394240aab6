"""Pages: rfis."""

from fastapi import APIRouter

router = APIRouter()
