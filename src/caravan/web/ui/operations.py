"""Pages: operations."""

from fastapi import APIRouter

router = APIRouter()
