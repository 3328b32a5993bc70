"""The console's queryable store, kept from the topics (`projector.py`) and read by its pages.

The store keeps its own position in each topic partition (`offsets`), written in the same
transaction as the records read up to it: a store that is new or was lost starts from the
topics' beginning and rebuilds itself, and no record is applied twice or skipped, whatever
happens to the process (consumer-group offsets would say where a *previous* store got to).

One schema, two engines: SQLite (embedded, the default: `sqlite:///path`) and PostgreSQL
(`postgresql://…`, psycopg 3). Every write is an upsert keyed by the record's own id, so a record
delivered twice (at-least-once) is stored once. Times are epoch seconds, bodies the records'
JSON as published, so a page shows exactly what the topic says."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas.codec import decode
from schemas.events import EnforcementEvent, ReviewDecision, ReviewOutcome, ViolationReport
from services.console.quality import Decided

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS reviews (
        enforcement_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, category TEXT NOT NULL,
        action TEXT NOT NULL, decided_at DOUBLE PRECISION NOT NULL, case_id TEXT,
        body TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS actions (
        enforcement_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, category TEXT NOT NULL,
        action TEXT NOT NULL, decided_at DOUBLE PRECISION NOT NULL, case_id TEXT,
        reverses TEXT, body TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS reports (
        report_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, category TEXT NOT NULL,
        occurred_at DOUBLE PRECISION NOT NULL, report_due_at DOUBLE PRECISION NOT NULL,
        case_id TEXT, body TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS decisions (
        decision_id TEXT PRIMARY KEY, enforcement_id TEXT NOT NULL, account_id TEXT NOT NULL,
        outcome TEXT NOT NULL, reviewer TEXT NOT NULL, reason TEXT NOT NULL,
        decided_at DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS offsets (
        topic TEXT NOT NULL, part INTEGER NOT NULL, next_offset BIGINT NOT NULL,
        PRIMARY KEY (topic, part))""",
    # Sessions logged out before they expired: a cookie stays valid across console restarts
    # (CONSOLE_SECRET), so logging out must end it here, not only in the browser.
    """CREATE TABLE IF NOT EXISTS ended_sessions (
        nonce TEXT PRIMARY KEY, expires_s DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS reviews_account ON reviews (account_id)",
    "CREATE INDEX IF NOT EXISTS actions_account ON actions (account_id)",
    "CREATE INDEX IF NOT EXISTS reports_account ON reports (account_id)",
    "CREATE INDEX IF NOT EXISTS reports_due ON reports (report_due_at)",
    "CREATE INDEX IF NOT EXISTS decisions_target ON decisions (enforcement_id)",
)


@dataclass(frozen=True, slots=True)
class Case:
    """One case of an account as its reports show it."""

    case_id: str
    category: str
    reports: int
    first_at: float
    last_at: float
    reversed: bool


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    strikes: dict[str, int]
    """Per category, the strike count the newest enforcement of it carried."""
    cases: list[Case]
    actions: list[EnforcementEvent]
    reversals: list[EnforcementEvent]
    reports: list[ViolationReport]
    reviews: list[EnforcementEvent]
    decisions: list[ReviewDecision]


class ConsoleStore:
    """The console's tables on one DB-API connection (guarded by a lock: the projector and the
    pages share it)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///")
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._conn: Any = sqlite3.connect(path, check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._mark = "?"
        elif url.startswith(("postgresql://", "postgres://")):
            import psycopg  # only where a server is configured

            self._conn = psycopg.connect(url)
            self._mark = "%s"
        else:
            raise ValueError(f"unsupported database URL {url!r}: sqlite:///… or postgresql://…")
        self._open: Any = None
        with self._cursor() as cur:
            for statement in SCHEMA:
                cur.execute(statement)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Every write inside is one transaction (the projector: records and their offsets).
        No reads inside: the store's lock is held."""
        with self._cursor() as cur:
            self._open = cur
            try:
                yield
            finally:
                self._open = None

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        with self._lock:
            cur = self._conn.cursor()
            try:
                yield cur
                self._conn.commit()
            except BaseException:
                self._conn.rollback()
                raise
            finally:
                cur.close()

    def _sql(self, statement: str) -> str:
        return statement.replace("?", self._mark)

    def _rows(self, statement: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._cursor() as cur:
            cur.execute(self._sql(statement), tuple(args))
            return list(cur.fetchall())

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- writes (the projector, and the console's own decisions) -------------------------------

    def add_review(self, e: EnforcementEvent) -> None:
        self._upsert("reviews", "enforcement_id", _enforcement_row(e))

    def add_action(self, e: EnforcementEvent) -> None:
        self._upsert("actions", "enforcement_id", _enforcement_row(e) | {"reverses": e.reverses})

    def add_report(self, r: ViolationReport) -> None:
        self._upsert(
            "reports",
            "report_id",
            {
                "report_id": r.report_id,
                "account_id": r.account_id,
                "category": r.category.value,
                "occurred_at": r.occurred_at.timestamp(),
                "report_due_at": r.report_due_at.timestamp(),
                "case_id": r.case_id,
                "body": r.model_dump_json(exclude_none=True),
            },
        )

    def add_decision(self, d: ReviewDecision) -> None:
        self._upsert(
            "decisions",
            "decision_id",
            {
                "decision_id": d.decision_id,
                "enforcement_id": d.enforcement_id,
                "account_id": d.account_id,
                "outcome": d.outcome.value,
                "reviewer": d.reviewer,
                "reason": d.reason,
                "decided_at": d.decided_at.timestamp(),
            },
        )

    def set_offset(self, topic: str, partition: int, next_offset: int) -> None:
        self._upsert(
            "offsets",
            "topic, part",
            {"topic": topic, "part": partition, "next_offset": next_offset},
        )

    def offsets(self) -> dict[tuple[str, int], int]:
        """Per (topic, partition), the offset of the next record to read."""
        return {(t, p): n for t, p, n in self._rows("SELECT topic, part, next_offset FROM offsets")}

    def end_session(self, nonce: str, expires_s: float, now_s: float) -> None:
        """Mark a session ended until it would have expired; forget those past expiry."""
        self._upsert("ended_sessions", "nonce", {"nonce": nonce, "expires_s": expires_s})
        with self._cursor() as cur:
            cur.execute(self._sql("DELETE FROM ended_sessions WHERE expires_s <= ?"), (now_s,))

    def session_ended(self, nonce: str) -> bool:
        return bool(self._rows("SELECT 1 FROM ended_sessions WHERE nonce = ?", (nonce,)))

    def _upsert(self, table: str, key: str, row: dict[str, Any]) -> None:
        """Insert, or replace the row of the same id (a newer delivery of the same record)."""
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        keys = {k.strip() for k in key.split(",")}
        updates = ", ".join(f"{n} = excluded.{n}" for n in row if n not in keys)
        statement = self._sql(
            f"INSERT INTO {table} ({names}) VALUES ({marks}) "  # names are ours
            f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
        )
        if self._open is not None:
            self._open.execute(statement, tuple(row.values()))
            return
        with self._cursor() as cur:
            cur.execute(statement, tuple(row.values()))

    # -- reads (the pages) ---------------------------------------------------------------------

    def queue(self, limit: int = 50, offset: int = 0) -> list[EnforcementEvent]:
        """What went to a person and nobody has decided yet, oldest first (it waited longest);
        one page of it."""
        rows = self._rows(
            f"SELECT body FROM reviews WHERE {_UNDECIDED} "
            "ORDER BY decided_at, enforcement_id LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [decode(EnforcementEvent, body) for (body,) in rows]

    def queue_size(self) -> int:
        return int(self._rows(f"SELECT COUNT(*) FROM reviews WHERE {_UNDECIDED}")[0][0])

    def open_reports(
        self, now_s: float, limit: int = 200, offset: int = 0
    ) -> list[ViolationReport]:
        """Reports not yet past their deadline, the least time left first; one page of them."""
        rows = self._rows(
            "SELECT body FROM reports WHERE report_due_at > ? "
            "ORDER BY report_due_at, report_id LIMIT ? OFFSET ?",
            (now_s, limit, offset),
        )
        return [decode(ViolationReport, body) for (body,) in rows]

    def open_report_count(self, now_s: float) -> int:
        rows = self._rows("SELECT COUNT(*) FROM reports WHERE report_due_at > ?", (now_s,))
        return int(rows[0][0])

    def enforcement(self, enforcement_id: str) -> EnforcementEvent | None:
        """An enforcement the console knows, as applied or else as it went to review."""
        for table in ("actions", "reviews"):
            rows = self._rows(
                f"SELECT body FROM {table} WHERE enforcement_id = ?",
                (enforcement_id,),
            )
            if rows:
                return decode(EnforcementEvent, rows[0][0])
        return None

    def decisions_on(self, enforcement_id: str) -> list[ReviewDecision]:
        rows = self._rows(
            "SELECT decision_id, enforcement_id, account_id, outcome, reviewer, reason, "
            "decided_at FROM decisions WHERE enforcement_id = ? ORDER BY decided_at",
            (enforcement_id,),
        )
        return [_decision(r) for r in rows]

    def decided(self, since_s: float) -> list[Decided]:
        """The latest decision on each enforcement decided since `since_s`, with what it was
        about: the action if it had been applied before the decision, else the review item."""
        latest: dict[str, tuple[str, float]] = {}
        for enforcement_id, outcome, at in self._rows(
            "SELECT enforcement_id, outcome, decided_at FROM decisions WHERE decided_at >= ? "
            "ORDER BY decided_at, decision_id",
            (since_s,),
        ):
            latest[enforcement_id] = (outcome, at)
        out = []
        for enforcement_id, (outcome, at) in latest.items():
            applied = self._rows(
                "SELECT body FROM actions WHERE enforcement_id = ? AND reverses IS NULL "
                "AND decided_at < ?",
                (enforcement_id, at),
            )
            reviewed = self._rows(
                "SELECT body FROM reviews WHERE enforcement_id = ?", (enforcement_id,)
            )
            body = applied[0][0] if applied else reviewed[0][0] if reviewed else None
            if body is not None:
                out.append(
                    Decided(ReviewOutcome(outcome), decode(EnforcementEvent, body), bool(applied))
                )
        return out

    def account(self, account_id: str) -> Account:
        actions = [
            decode(EnforcementEvent, b)
            for (b,) in self._rows(
                "SELECT body FROM actions WHERE account_id = ? ORDER BY decided_at DESC",
                (account_id,),
            )
        ]
        reports = [
            decode(ViolationReport, b)
            for (b,) in self._rows(
                "SELECT body FROM reports WHERE account_id = ? ORDER BY occurred_at DESC",
                (account_id,),
            )
        ]
        reviews = [
            decode(EnforcementEvent, b)
            for (b,) in self._rows(
                "SELECT body FROM reviews WHERE account_id = ? ORDER BY decided_at DESC",
                (account_id,),
            )
        ]
        decisions = [
            _decision(r)
            for r in self._rows(
                "SELECT decision_id, enforcement_id, account_id, outcome, reviewer, reason, "
                "decided_at FROM decisions WHERE account_id = ? ORDER BY decided_at DESC",
                (account_id,),
            )
        ]
        reversed_cases = {a.case_id for a in actions if a.reverses and a.case_id}
        cases: dict[str, list[ViolationReport]] = {}
        for r in reports:
            if r.case_id:
                cases.setdefault(r.case_id, []).append(r)
        strikes: dict[str, int] = {}
        for a in reversed(actions):  # oldest first: the newest wins
            strikes[a.category.value] = a.strikes
        return Account(
            account_id=account_id,
            strikes=strikes,
            cases=[
                Case(
                    case_id=case_id,
                    category=rs[0].category.value,
                    reports=len(rs),
                    first_at=min(r.occurred_at.timestamp() for r in rs),
                    last_at=max(r.occurred_at.timestamp() for r in rs),
                    reversed=case_id in reversed_cases,
                )
                for case_id, rs in cases.items()
            ],
            actions=[a for a in actions if a.reverses is None],
            reversals=[a for a in actions if a.reverses is not None],
            reports=reports,
            reviews=reviews,
            decisions=decisions,
        )


_UNDECIDED = "enforcement_id NOT IN (SELECT enforcement_id FROM decisions)"


def _enforcement_row(e: EnforcementEvent) -> dict[str, Any]:
    """The columns an enforcement is found and sorted by, and its JSON as published."""
    return {
        "enforcement_id": e.enforcement_id,
        "account_id": e.account_id,
        "category": e.category.value,
        "action": e.action.value,
        "decided_at": e.decided_at.timestamp(),
        "case_id": e.case_id,
        "body": e.model_dump_json(exclude_none=True),
    }


def _decision(row: tuple[Any, ...]) -> ReviewDecision:
    from datetime import UTC, datetime

    decision_id, enforcement_id, account_id, outcome, reviewer, reason, at = row
    return ReviewDecision(
        decision_id=decision_id,
        enforcement_id=enforcement_id,
        account_id=account_id,
        outcome=outcome,
        reviewer=reviewer,
        reason=reason,
        decided_at=datetime.fromtimestamp(at, UTC),
    )
