"""The JSON API under ``/api/v1`` (OpenAPI at ``/api/docs``)."""

from fastapi import APIRouter

from caravan.web.api import (
    account,
    charts,
    checks,
    graph,
    imports,
    notifications,
    operations,
    records,
    resolve,
    rfis,
    watches,
)

router = APIRouter()
router.include_router(account.router)
router.include_router(records.router)
router.include_router(imports.router)
router.include_router(checks.router)
router.include_router(resolve.router)
router.include_router(charts.router)
router.include_router(graph.router)
router.include_router(rfis.router)
router.include_router(watches.router)
router.include_router(notifications.router)
router.include_router(operations.router)
