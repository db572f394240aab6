"""List-page latency with a large persons table (default 1,000,000), SQLite.

What is measured: the wall time of one ``GET`` — request sent, response fully read —
from an ``httpx`` client to the real app served by uvicorn on 127.0.0.1 (in-process
thread, one request at a time, keep-alive), as ``kz.officer`` (an officer of KZ-MVD, a
member agency, so the visibility filter applies to every query). Each case is asked
``requests`` times after a warm-up, cases interleaved round by round so machine noise
spreads evenly over them; p50/p95/max per case.

Pages reached by following "Next" carry the previous page's cursor (``after=``), as the
UI's links and the API's ``next_cursor`` do; "typed ?page=" is a page number typed by
hand (found by offset). The cursor for a deep page is found once, before measuring.

Cases: the persons list (first page, page 10, page 200, surname prefix ``рах`` and
``rax``, nationality, birth year) on the JSON API (``/api/v1/persons``, bearer token)
and on the UI (``/persons``, signed-in cookie session). Baseline in the same rounds:
``GET /api/v1/me`` (authentication, no data); ``ratio`` = case p95 ÷ baseline p95.

For every case one extra request is traced (SQL statements and their time); for a case
over the target, the plan of its slowest statement (``EXPLAIN QUERY PLAN``) is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import sqltrace
from bench.build import build_list_db
from bench.server import running
from bench.stats import Latency
from caravan.accounts import service as accounts
from caravan.collect.generator import DEMO_PASSWORD
from caravan.store import Database

TARGET_P95_MS = 200.0
OFFICER = "kz.officer"

#: name → query parameters of the persons list.
CASES: dict[str, dict[str, Any]] = {
    "first page": {},
    "page 10 (next link)": {"page": 10, "walk": True},
    "page 200 (next link)": {"page": 200, "walk": True},
    "page 200 (typed ?page=)": {"page": 200},
    "q=рах": {"q": "рах"},
    "q=rax": {"q": "rax"},
    "nationality=TJ": {"nationality": "TJ"},
    "birth_year=1985": {"birth_year": 1985},
}


@dataclass
class CaseResult:
    surface: str
    name: str
    url: str
    latency: Latency
    items: int | None = None
    sql_statements: int = 0
    sql_ms: float = 0.0
    slowest_sql: str = ""
    slowest_sql_ms: float = 0.0
    plan: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return self.latency.p95 < TARGET_P95_MS


@dataclass
class ListReport:
    persons: int
    database: Path
    requests: int
    baseline: CaseResult | None = None
    cases: list[CaseResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def ratio(self, case: CaseResult) -> float | None:
        if self.baseline is None or not self.baseline.latency.p95:
            return None
        return case.latency.p95 / self.baseline.latency.p95


def _clients(db: Database, base: str) -> tuple[httpx.Client, httpx.Client]:
    """An API client with a fresh bearer token and a UI client signed in through /login."""
    with db.session() as session:
        secret, _ = accounts.create_token(
            session, accounts.get_user(session, OFFICER), f"bench-{time.time():.0f}"
        )
    api = httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {secret}"})
    ui = httpx.Client(base_url=base, timeout=120)
    login = ui.post("/login", data={"username": OFFICER, "password": DEMO_PASSWORD, "next": "/"})
    if login.status_code != 303:
        raise RuntimeError(f"UI sign-in failed: HTTP {login.status_code}")
    return api, ui


def _get(client: httpx.Client, url: str) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = client.get(url)
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: HTTP {response.status_code}: {response.text[:300]}")
    return seconds, response


def _cursor_for_page(api: httpx.Client, page: int) -> str:
    """Follow ``next_cursor`` from the first page to ``page`` (as "Next" clicks would)."""
    cursor = None
    for number in range(1, page):
        params: dict[str, Any] = {"per_page": 50, "page": number}
        if cursor:
            params["after"] = cursor
        cursor = api.get("/api/v1/persons", params=params).json()["next_cursor"]
    return str(cursor)


def _case_params(api: httpx.Client, params: dict[str, Any]) -> dict[str, Any]:
    params = dict(params)
    if params.pop("walk", False):
        params["after"] = _cursor_for_page(api, params["page"])
    return params


def _urls(api: httpx.Client, ui: httpx.Client) -> list[tuple[str, str, httpx.Client, str]]:
    """(surface, case name, client, url) for every measured request kind, baseline first."""
    urls = [("api", "baseline GET /api/v1/me", api, "/api/v1/me")]
    resolved = {name: _case_params(api, params) for name, params in CASES.items()}
    for name, params in resolved.items():
        api_url = httpx.URL("/api/v1/persons", params={"per_page": 50, **params})
        urls.append(("api", name, api, str(api_url)))
    for name, params in resolved.items():
        urls.append(("ui", name, ui, str(httpx.URL("/persons", params=params))))
    return urls


def _trace(db: Database, db_file: Path, client: httpx.Client, case: CaseResult) -> None:
    with sqltrace.capture(db) as trace:
        _get(client, case.url)
    case.sql_statements = len(trace.statements)
    case.sql_ms = trace.seconds * 1000
    slowest = trace.slowest
    if slowest is None:
        return
    case.slowest_sql = " ".join(slowest.sql.split())
    case.slowest_sql_ms = slowest.seconds * 1000
    if not case.met and case.surface != "baseline":
        case.plan = sqltrace.query_plan(str(db_file), slowest)


def measure(
    db_file: Path, persons: int, *, requests: int, warmup: int, log: Callable[[str], None]
) -> ListReport:
    """Serve ``db_file`` and measure every case ``requests`` times (interleaved)."""
    report = ListReport(persons, db_file, requests)
    db = Database(f"sqlite:///{db_file}")
    try:
        with running(db) as base:
            api, ui = _clients(db, base)
            try:
                urls = _urls(api, ui)
                first: dict[int, httpx.Response] = {}
                for _ in range(warmup):
                    for i, (_s, _n, client, url) in enumerate(urls):
                        first[i] = _get(client, url)[1]
                times: list[list[float]] = [[] for _ in urls]
                for round_no in range(requests):
                    for i, (_s, _n, client, url) in enumerate(urls):
                        times[i].append(_get(client, url)[0])
                    if (round_no + 1) % 50 == 0:
                        log(f"  list: round {round_no + 1}/{requests}")
                for i, (surface, name, client, url) in enumerate(urls):
                    case = CaseResult(surface, name, url, Latency.of(times[i]))
                    if surface == "api" and url.startswith("/api/v1/persons"):
                        case.items = len(first[i].json()["items"]) if i in first else None
                    if i == 0:
                        case.surface = "baseline"
                        report.baseline = case
                    else:
                        report.cases.append(case)
                    _trace(db, db_file, client, case)
            finally:
                api.close()
                ui.close()
    finally:
        db.dispose()
    return report


def run(
    persons: int,
    *,
    seed: int = 2026,
    requests: int = 200,
    warmup: int = 10,
    log: Callable[[str], None] = print,
) -> ListReport:
    """Build (or reuse) the database of ``persons`` persons, then measure."""
    db_file = build_list_db(persons, seed, log=log)
    log(f"list: {requests} requests per case after {warmup} warm-up rounds")
    return measure(db_file, persons, requests=requests, warmup=warmup, log=log)
