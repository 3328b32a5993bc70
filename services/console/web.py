"""The console's pages (aiohttp, Jinja templates rendered on the server, no JavaScript):

- `/` the review queue, oldest first, with each item's evidence and a decision form;
- `/reports` open reports, the least time left to their 24-hour deadline first;
- `/quality` measured precision from people's decisions per detector, category and model
  version (`quality.py`; `usewatch quality` prints the same);
- `/accounts/<id>` an account: strikes, cases, actions, reversals, reports, reviews, decisions,
  with a reverse form on each applied action;
- `POST /decisions` a confirm, dismiss or reverse, published on `review.decisions` (acknowledged
  by the broker before the page says so) and kept in the store at once.

Every page but `/login` and `/healthz` needs a session; every form carries its session's CSRF
token. A login is a reviewer's own name and password (CONSOLE_USERS, `reviewers.py`) or, without
that file, a name beside the operators' shared password; misses are throttled (`throttle.py`).
Pages are read from the store only: the console never touches the enforcer's Redis."""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import jinja2
from aiohttp import web
from pydantic import ValidationError

from schemas.events import ReviewDecision, ReviewOutcome
from services.console import auth, reviewers
from services.console.quality import quality
from services.console.store import ConsoleStore
from services.console.throttle import LoginThrottle
from usewatch.durations import readable

COOKIE = "uw_console"
TEMPLATES = Path(__file__).parent / "templates"
OPEN = frozenset({"/login", "/healthz"})
SAFE_BACK = re.compile(r"/(?:[A-Za-z0-9_.%-]+(?:/[A-Za-z0-9_.%-]+)*)?")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Publisher(Protocol):
    async def publish(self, decision: ReviewDecision) -> None:
        """Returns once the broker acknowledged the decision."""
        ...


STORE = web.AppKey("store", ConsoleStore)
PUBLISHER = web.AppKey("publisher", Publisher)
SECRET = web.AppKey("secret", bytes)
PASSWORD = web.AppKey("password", str)
REVIEWERS = web.AppKey("reviewers", dict[str, str])
THROTTLE = web.AppKey("throttle", LoginThrottle)
HOURS = web.AppKey("hours", float)
TEMPLATE_ENV = web.AppKey("templates", jinja2.Environment)
SESSION = web.RequestKey("session", auth.Session)


def _when(ts: datetime | float | None) -> str:
    if ts is None:
        return "–"
    at = ts if isinstance(ts, datetime) else datetime.fromtimestamp(ts, UTC)
    return at.strftime("%Y-%m-%d %H:%M:%S UTC")


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["when"] = _when
    env.filters["pretty"] = lambda v: json.dumps(v, indent=2, sort_keys=True, default=str)
    env.filters["urlpart"] = lambda v: quote(str(v), safe="")
    return env


def _render(request: web.Request, name: str, status: int = 200, **context: Any) -> web.Response:
    session = request.get(SESSION)
    app = request.app
    html = (
        app[TEMPLATE_ENV]
        .get_template(name)
        .render(
            session=session,
            csrf=auth.csrf_token(session, app[SECRET]) if session else "",
            message=request.query.get("done", ""),
            **context,
        )
    )
    return web.Response(text=html, content_type="text/html", status=status)


@web.middleware
async def _security(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Sessions on every page but the open ones, and headers that keep the page to itself."""
    if request.path not in OPEN:
        session = auth.session_of(request.cookies.get(COOKIE), request.app[SECRET], time.time())
        if session is not None and request.app[STORE].session_ended(session.nonce):
            session = None
        if session is None:
            if request.method == "GET":
                raise web.HTTPSeeOther("/login")
            raise web.HTTPForbidden(text="log in first")
        request[SESSION] = session
    response = await handler(request)
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def login_page(request: web.Request) -> web.Response:
    return _login_form(request, "")


def _login_form(request: web.Request, error: str, status: int = 200) -> web.Response:
    return _render(
        request, "login.html", status=status, error=error, accounts=bool(request.app[REVIEWERS])
    )


async def login(request: web.Request) -> web.Response:
    throttle, client = request.app[THROTTLE], request.remote or "?"
    wait = throttle.retry_after(client, time.monotonic())
    if wait > 0:
        response = _login_form(
            request, f"Too many failed logins: try again in {readable(wait)}.", status=429
        )
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    form = await request.post()
    reviewer = str(form.get("reviewer", "")).strip()
    password = str(form.get("password", ""))
    known = request.app[REVIEWERS]
    if known:
        # scrypt takes ~50 ms of CPU: off the loop, so pages keep being served meanwhile.
        ok = await asyncio.to_thread(reviewers.check, known, reviewer, password)
    else:
        ok = auth.password_ok(password, request.app[PASSWORD])
    if not ok:
        throttle.failed(client, time.monotonic())
        error = "Wrong name or password." if known else "Wrong password."
        return _login_form(request, error, status=401)
    throttle.succeeded(client)
    try:
        session = auth.new_session(reviewer, time.time(), request.app[HOURS])
    except ValueError as exc:
        return _login_form(request, str(exc), status=400)
    response = web.HTTPSeeOther("/")
    response.set_cookie(
        COOKIE,
        auth.cookie_of(session, request.app[SECRET]),
        httponly=True,
        samesite="Strict",
        max_age=int(request.app[HOURS] * 3600),
    )
    raise response


async def logout(request: web.Request) -> web.Response:
    await _checked_form(request)
    session: auth.Session = request[SESSION]
    request.app[STORE].end_session(session.nonce, session.expires_s, time.time())
    response = web.HTTPSeeOther("/login")
    response.del_cookie(COOKIE)
    raise response


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of a long list a page shows: every row is reachable, none silently cut."""

    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def last(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def showing(self) -> str:
        if not self.total:
            return ""
        return f"{self.offset + 1}–{min(self.offset + self.size, self.total)} of {self.total}"


def _page(request: web.Request, size: int, total: int) -> Page:
    try:
        number = max(1, int(request.query.get("page", "1")))
    except ValueError:
        number = 1
    return Page(min(number, Page(1, size, total).last), size, total)  # past the end: the last


QUEUE_PAGE = 50
REPORTS_PAGE = 200


async def queue(request: web.Request) -> web.Response:
    store = request.app[STORE]
    page = _page(request, QUEUE_PAGE, store.queue_size())
    items = store.queue(page.size, page.offset)
    return _render(request, "queue.html", items=items, page=page, form_id=lambda: uuid.uuid4().hex)


async def reports(request: web.Request) -> web.Response:
    now = datetime.now(UTC)
    store = request.app[STORE]
    page = _page(request, REPORTS_PAGE, store.open_report_count(now.timestamp()))
    rows = [
        (r, readable(r.report_due_at - now))
        for r in store.open_reports(now.timestamp(), page.size, page.offset)
    ]
    return _render(request, "reports.html", rows=rows, page=page)


async def quality_page(request: web.Request) -> web.Response:
    days = 7.0
    rows = quality(request.app[STORE].decided(time.time() - days * 86400))
    return _render(request, "quality.html", rows=rows, days=days)


async def account(request: web.Request) -> web.Response:
    account_id = request.match_info["account_id"]
    view = request.app[STORE].account(account_id)
    return _render(request, "account.html", a=view, form_id=lambda: uuid.uuid4().hex)


async def find_account(request: web.Request) -> web.Response:
    account_id = request.query.get("account_id", "").strip()
    if not account_id:
        raise web.HTTPSeeOther("/")
    raise web.HTTPSeeOther(f"/accounts/{quote(account_id, safe='')}")


async def _checked_form(request: web.Request) -> Any:
    form = await request.post()
    token = form.get("csrf")
    if not auth.csrf_ok(request[SESSION], request.app[SECRET], str(token) if token else None):
        raise web.HTTPForbidden(text="stale or missing form token; reload the page")
    return form


async def decide(request: web.Request) -> web.Response:
    form = await _checked_form(request)
    session: auth.Session = request[SESSION]
    store = request.app[STORE]
    enforcement_id = str(form.get("enforcement_id", ""))
    target = store.enforcement(enforcement_id)
    if target is None:
        raise web.HTTPNotFound(text=f"no enforcement {enforcement_id} in the console's store")
    try:
        decision = ReviewDecision(
            decision_id=str(form.get("decision_id") or uuid.uuid4().hex),
            enforcement_id=enforcement_id,
            account_id=target.account_id,
            outcome=ReviewOutcome(str(form.get("outcome", ""))),
            reviewer=session.reviewer,
            reason=str(form.get("reason", "")).strip(),
            decided_at=datetime.now(UTC),
        )
    except (ValueError, ValidationError):
        raise web.HTTPBadRequest(
            text="a decision needs an outcome (confirm, dismiss or reverse) and a reason "
            "of 1-500 characters"
        ) from None
    await request.app[PUBLISHER].publish(decision)
    store.add_decision(decision)
    back = str(form.get("back", "/"))
    if not SAFE_BACK.fullmatch(back):  # a page of this console, never another site
        back = "/"
    done = quote(f"{decision.outcome.value} of {enforcement_id} sent to the enforcer")
    raise web.HTTPSeeOther(f"{back}?done={done}")


def make_app(
    store: ConsoleStore,
    publisher: Publisher,
    password: str | None,
    secret: bytes,
    session_hours: float = 12.0,
    reviewer_accounts: dict[str, str] | None = None,
    throttle: LoginThrottle | None = None,
) -> web.Application:
    """`reviewer_accounts` (name → scrypt hash), when given, replace the shared `password`."""
    if not password and not reviewer_accounts:
        raise ValueError(
            "the console needs reviewer accounts (CONSOLE_USERS) or an operators' password "
            "(CONSOLE_PASSWORD)"
        )
    app = web.Application(middlewares=[_security], client_max_size=64 * 1024)
    app[STORE] = store
    app[PUBLISHER] = publisher
    app[SECRET] = secret
    app[PASSWORD] = password or ""
    app[REVIEWERS] = reviewer_accounts or {}
    app[THROTTLE] = throttle or LoginThrottle()
    app[HOURS] = session_hours
    app[TEMPLATE_ENV] = _templates()
    app.add_routes(
        [
            web.get("/healthz", healthz),
            web.get("/login", login_page),
            web.post("/login", login),
            web.post("/logout", logout),
            web.get("/", queue),
            web.get("/reports", reports),
            web.get("/quality", quality_page),
            web.get("/accounts", find_account),
            web.get("/accounts/{account_id}", account),
            web.post("/decisions", decide),
        ]
    )
    return app
