"""Uploaded files: saved under ``var/uploads`` with a random name, for a background job."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from starlette.datastructures import UploadFile

from caravan.config import PROJECT_ROOT

UPLOAD_DIR = PROJECT_ROOT / "var" / "uploads"
#: File suffixes kept on the saved copy (so the reader can tell the format).
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".json", ".jsonl", ".ndjson")
CHUNK = 1024 * 1024


def safe_filename(name: str | None) -> str:
    """The client's file name for display only (never used for a path)."""
    base = re.split(r"[\\/]", name or "")[-1]
    return "".join(c for c in base if c.isprintable())[:300] or "upload"


async def save_upload(upload: UploadFile) -> tuple[Path, str]:
    """Copy the upload to a new random file; returns its path and the display name.

    An empty upload is removed again and its path returned all the same: callers check
    ``path.exists()``.
    """
    filename = safe_filename(upload.filename)
    suffix = Path(filename).suffix.lower()
    UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    path = UPLOAD_DIR / f"{uuid.uuid4().hex}{suffix if suffix in SUFFIXES else ''}"
    with path.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            out.write(chunk)
    await upload.close()
    if path.stat().st_size == 0:
        path.unlink(missing_ok=True)
    return path, filename


__all__ = ["UPLOAD_DIR", "safe_filename", "save_upload"]
