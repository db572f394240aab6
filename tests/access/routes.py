"""Every route the app serves, whatever way FastAPI nests included routers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute


def _walk(routes: Iterable[Any], prefix: str) -> Iterator[tuple[str, str]]:
    for route in routes:
        if isinstance(route, APIRoute):
            for method in route.methods:
                yield method, prefix + route.path
        elif hasattr(route, "original_router"):  # an included router (FastAPI >= 0.16x)
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)
        elif hasattr(route, "routes") and hasattr(route, "path"):  # a mount
            yield from _walk(route.routes, prefix + route.path)


def all_routes(app: FastAPI) -> set[tuple[str, str]]:
    return set(_walk(app.routes, ""))
