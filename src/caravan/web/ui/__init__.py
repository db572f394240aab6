"""Browser UI: Jinja2 pages in Russian and English.

Routes are split by area (sign-in, dashboard, records, imports, checks, resolution,
network charts, account, admin); this package joins them into the one ``router`` the
app factory mounts.
"""

from fastapi import APIRouter

from caravan.web.ui import (
    account,
    admin,
    auth,
    checks,
    dashboard,
    graph,
    helpers,
    imports,
    inbox,
    operations,
    records,
    resolve,
    rfis,
    watches,
)

helpers.install()
checks.install()
resolve.install()
inbox.install()

router = APIRouter(include_in_schema=False)
for _module in (
    auth,
    dashboard,
    records,
    imports,
    checks,
    resolve,
    graph,
    rfis,
    watches,
    operations,
    inbox,
    account,
    admin,
):
    router.include_router(_module.router)

__all__ = ["router"]
