"""Pages: watches."""

from fastapi import APIRouter

router = APIRouter()
