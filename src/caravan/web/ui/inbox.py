"""Pages: inbox."""

from fastapi import APIRouter

router = APIRouter()
