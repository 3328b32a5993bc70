"""The `usewatch` command line: emit events, tail topics, create topics, watch enforcement."""

from __future__ import annotations

import asyncio
import getpass
import json
import logging
import sys
import time
from collections import Counter, deque
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from aiokafka.errors import KafkaConnectionError
from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaTimeoutError
from pydantic import BaseModel, ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from schemas.codec import decode
from schemas.events import (
    AppApproval,
    Channel,
    DeadLetter,
    EnforcementEvent,
    GenerationEvent,
    Verdict,
    ViolationReport,
)
from schemas.topics import ALL_TOPICS, GENERATIONS, REGISTRY, topic_named
from services import registry
from usewatch import demo
from usewatch.admin import ensure_topics
from usewatch.durations import readable
from usewatch.sdk import Emitter
from usewatch.settings import ClientSettings


def _environment() -> str:
    """The variables every command reads, for --help (settings are the one place they live)."""
    lines = []
    for name, field in ClientSettings.model_fields.items():
        default = "unset" if field.default in (None, "") else f"default {field.default}"
        what = f"{field.description} " if field.description else ""
        lines.append(f"{name.upper()}: {what}({default})")
    return "Environment:\n\n" + "\n\n".join(lines)


app = typer.Typer(
    help="usewatch: usage-policy enforcement on generation streams.",
    epilog=_environment(),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


class UsageError(Exception):
    """A mistake of the user's (a file that is not there, a bad policy, an unknown topic):
    one line on stderr and exit status 1, never a traceback."""


def main() -> None:
    """The `usewatch` entry point: the commands, with user errors and unreachable services
    reported in one line."""
    # The clients log each failed connection attempt; the command says what matters once.
    for client in ("aiokafka", "kafka"):
        logging.getLogger(client).setLevel(logging.CRITICAL)
    try:
        app()
    except UsageError as exc:
        _fail(str(exc))
    except (KafkaConnectionError, KafkaTimeoutError):  # aiokafka's, kafka-python's "no broker"
        where = _settings().kafka_bootstrap_servers
        _fail(f"no Kafka broker answers at {where} (KAFKA_BOOTSTRAP_SERVERS)")
    except RedisConnectionError:
        _fail(f"Redis does not answer at {_settings().redis_url} (REDIS_URL)")


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"usewatch: {message}\n")  # one line, unwrapped, whatever the terminal
    sys.exit(1)


def _version(value: bool) -> None:
    if value:
        console.print(f"usewatch {package_version('usewatch')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = None,
) -> None:
    """usewatch: usage-policy enforcement on generation streams."""


def _settings() -> ClientSettings:
    return ClientSettings()


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, default=str) + "\n")


@app.command()
def topics() -> None:
    """Create every topic of the contract that does not exist yet."""
    s = _settings()
    created = ensure_topics(s.bootstrap_list, s.topic_prefix, **s.kafka_auth())
    console.print(
        f"created {len(created)} topic(s)" + (f": {', '.join(created)}" if created else "")
    )


def _read_jsonl(path: Path) -> Iterator[tuple[int, str]]:
    try:
        fh = path.open(encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    with fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                yield number, line.rstrip("\n")


@app.command()
def emit(
    file: Annotated[
        Path | None, typer.Argument(help="JSONL file, one GenerationEvent a line.")
    ] = None,
    demo_count: Annotated[int, typer.Option("--demo", help="Send N synthetic demo events.")] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the demo stream.")] = 7,
    rate: Annotated[float, typer.Option(help="Events per second (0: as fast as possible).")] = 0,
    raw: Annotated[
        bool, typer.Option(help="Send file lines as-is, unvalidated (tests the DLQ).")
    ] = False,
) -> None:
    """Send events from a JSONL file or the demo generator to the `generations` topic."""
    s = _settings()
    if (file is None) == (demo_count == 0):
        raise typer.BadParameter("give a FILE or --demo N (one of them)")
    sent = invalid = 0
    started = time.monotonic()
    if raw and file is not None:
        producer = KafkaProducer(**s.kafka_client(), acks="all")
        for _, line in _read_jsonl(file):
            producer.send(
                GENERATIONS.full_name(s.topic_prefix), value=line.encode("utf-8", "surrogateescape")
            )
            sent += 1
        producer.flush()
        producer.close()
    else:
        with Emitter(s.bootstrap_list, s.topic_prefix, **s.kafka_auth()) as emitter:
            counter: Counter[str] = Counter()
            events: Iterator[GenerationEvent] = (
                _valid_lines(file, counter)
                if file is not None
                else demo.generate(demo_count, seed=seed, live=True)
            )
            for event in events:
                if rate:
                    # A live stream: the generation happens now, whatever the file or demo says.
                    time.sleep(max(0.0, started + sent / rate - time.monotonic()))
                    event = event.model_copy(update={"occurred_at": datetime.now(UTC)})
                emitter.emit(event)
                sent += 1
            invalid = counter["invalid"]
    elapsed = time.monotonic() - started
    console.print(
        f"sent {sent} event(s) in {elapsed:.1f}s"
        + (f"; skipped {invalid} invalid line(s)" if invalid else "")
    )
    if invalid:
        raise typer.Exit(1)


def _valid_lines(file: Path, counter: Counter[str]) -> Iterator[GenerationEvent]:
    for number, line in _read_jsonl(file):
        try:
            yield decode(GenerationEvent, line.encode("utf-8", "surrogateescape"))
        except ValidationError as exc:
            counter["invalid"] += 1
            for e in exc.errors(include_url=False, include_input=False):
                loc = ".".join(map(str, e["loc"]))
                err.print(f"[red]{file}:{number}[/red] {loc}: {e['msg']}")


apps_cli = typer.Typer(
    help="The application registry: which apps may send on which channels.", no_args_is_help=True
)
app.add_typer(apps_cli, name="apps")


def _registry_topic() -> tuple[dict[str, Any], str]:
    s = _settings()
    return s.kafka_client(), REGISTRY.full_name(s.topic_prefix)


def _operator() -> str:
    """Who is at the keyboard, recorded with an approval (the OS login; no auth of its own)."""
    try:
        return getpass.getuser()[:128]
    except (KeyError, OSError):
        return "unknown"


def _parse_channels(channels: str) -> list[Channel]:
    try:
        return [Channel(c.strip()) for c in channels.split(",") if c.strip()]
    except ValueError:
        raise typer.BadParameter(
            f"channels are a comma list of: {', '.join(c.value for c in Channel)}"
        ) from None


@apps_cli.command("approve")
def apps_approve(
    app_id: str,
    use_case: Annotated[str, typer.Option("--use-case", help="What the app is approved for.")],
    channels: Annotated[str, typer.Option(help="Comma list, e.g. email,sms.")],
    red_team: Annotated[
        bool, typer.Option("--red-team", help="May send red-team traffic.")
    ] = False,
    supervised: Annotated[
        bool,
        typer.Option(
            "--supervised",
            help="A person reviews its outputs before users see them (required for medical "
            "or mental-health advice to end users).",
        ),
    ] = False,
) -> None:
    """Approve APP_ID for a use case on some channels (replaces an earlier approval)."""
    parsed = _parse_channels(channels)

    change = {
        app_id: registry.approval(app_id, use_case, parsed, red_team, _operator(), supervised)
    }
    asyncio.run(registry.publish_approvals(*_registry_topic(), change))
    console.print(
        f"approved {app_id} on {', '.join(c.value for c in parsed)}"
        + (" (red team)" if red_team else "")
        + (" (supervised)" if supervised else "")
    )


@apps_cli.command("approve-demo", hidden=True)
def apps_approve_demo() -> None:
    """Approve every app of the demo stream (make run does it)."""

    changes: dict[str, AppApproval | None] = {
        app_id: registry.approval(app_id, "usewatch demo traffic", channels, False, "make run")
        for app_id, channels in demo.demo_apps().items()
    }
    asyncio.run(registry.publish_approvals(*_registry_topic(), changes))
    console.print(f"approved {len(changes)} demo apps")


@apps_cli.command("revoke")
def apps_revoke(app_id: str) -> None:
    """Withdraw APP_ID's approval: its further traffic is policy.unapproved_use."""

    kafka, topic = _registry_topic()
    approved = {a.app_id for a in asyncio.run(registry.read_registry(kafka, topic))}
    if app_id not in approved:
        err.print(f"{app_id} was not approved")
        raise typer.Exit(1)
    asyncio.run(registry.publish_approvals(kafka, topic, {app_id: None}))
    console.print(f"revoked {app_id}")


@apps_cli.command("list")
def apps_list(as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False) -> None:
    """Every approved app, its use case and channels."""
    approved = asyncio.run(registry.read_registry(*_registry_topic()))
    if as_json:
        _print_json([a.model_dump(mode="json") for a in approved])
        return
    table = Table("app", "use case", "channels", "red team", "approved at", "by")
    for a in approved:
        table.add_row(
            a.app_id,
            a.use_case,
            ",".join(sorted(c.value for c in a.channels)),
            "yes" if a.red_team else "",
            f"{a.approved_at:%Y-%m-%d %H:%M}Z",
            a.approved_by or "",
        )
    console.print(table)


@app.command()
def account(
    account_id: str,
    as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
) -> None:
    """An account's strikes (cases) per category and its recent actions and reports."""
    from usewatch.operator import account_view

    view = asyncio.run(account_view(_settings(), account_id))
    if as_json:
        _print_json(
            {
                "account_id": account_id,
                "strikes": view.strikes,
                "recent": [i.model_dump(mode="json", exclude_none=True) for i in view.recent],
            }
        )
        return
    strikes = Table("category", "strikes in decay window", title=f"account {account_id}")
    for category, n in sorted(view.strikes.items()):
        strikes.add_row(category, str(n))
    console.print(strikes)
    now = datetime.now(UTC)
    for item in view.recent:
        if isinstance(item, ViolationReport):
            left = item.report_due_at - now
            state = f"due in {readable(left)}" if left.total_seconds() > 0 else "past its deadline"
            console.print(
                f"[yellow]report[/yellow] {item.report_id} {item.category} "
                f"{'[magenta]red-team[/magenta] ' if item.red_team else ''}{state}"
            )
        else:
            console.print(f"[dim]{item.decided_at:%Y-%m-%d %H:%M:%S}Z[/dim] {_summary(item)}")


@app.command()
def reverse(
    enforcement_id: str,
    reason: Annotated[str, typer.Option("--reason", help="Why, for the audit trail.")],
) -> None:
    """Reverse an enforcement: a reversal on enforcement.actions, and the strike removed."""
    from usewatch.operator import reverse as run_reverse

    try:
        undo = asyncio.run(run_reverse(_settings(), enforcement_id, reason))
    except (LookupError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(
        f"reversed {enforcement_id} ({undo.action}) on {undo.account_id}; "
        f"strikes now {undo.strikes}; reversal {undo.enforcement_id}"
    )


@app.command("console")
def console_command() -> None:
    """Serve the review console (CONSOLE_HOST:CONSOLE_PORT, default 127.0.0.1:8088): the review
    queue, open reports, accounts, and decisions published on review.decisions. Needs
    CONSOLE_USERS (reviewer accounts, see console-user) or CONSOLE_PASSWORD (one shared
    password); CONSOLE_SECRET keeps sessions across restarts; CONSOLE_DATABASE_URL picks its
    store (default sqlite:///.run/console.db, or postgresql://...)."""
    from services.console.main import main as serve

    serve()


@app.command("console-user")
def console_user(
    name: Annotated[str, typer.Argument(help="The reviewer's name, recorded on their decisions.")],
    file: Annotated[
        Path | None,
        typer.Option(help="The accounts file [default: CONSOLE_USERS, else .run/console-users]."),
    ] = None,
) -> None:
    """Add a reviewer account to the console, or change its password (asked twice on a
    terminal, else read from the first line of stdin). The file keeps scrypt hashes only."""
    from services.console import reviewers
    from services.console.settings import ConsoleSettings

    path = file or ConsoleSettings().users or Path(".run/console-users")
    if sys.stdin.isatty():
        password = getpass.getpass(f"password for {name}: ")
        if getpass.getpass("again: ") != password:
            _fail("the two passwords differ; nothing changed")
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        reviewers.set_password(path, name, password)
    except (OSError, ValueError) as exc:
        _fail(str(exc))
    console.print(f"{name} can log in to the console (accounts in {path}; CONSOLE_USERS={path})")


@app.command()
def quality(
    days: Annotated[float, typer.Option(help="Decisions of the last N days.")] = 7.0,
    as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
) -> None:
    """Measured precision from people's decisions, per detector, category and model version:
    of what reached review (confirmed / decided) and of what was sanctioned (upheld / decided).
    Reads the review console's store (CONSOLE_DATABASE_URL)."""
    from services.console.quality import quality as measure
    from services.console.settings import ConsoleSettings
    from services.console.store import ConsoleStore

    try:
        store = ConsoleStore(ConsoleSettings().database_url)
    except Exception as exc:  # a bad URL or an unreachable server: one line, no traceback
        _fail(f"cannot open the console's store: {exc}")
    try:
        rows = measure(store.decided(time.time() - days * 86400))
    finally:
        store.close()
    if as_json:
        _print_json([q.as_dict() for q in rows])
        return

    def share(value: float | None) -> str:
        return "–" if value is None else f"{value:.1%}"

    table = Table(
        "detector",
        "category",
        "model version",
        "review: confirmed / dismissed",
        "review precision",
        "sanctions: upheld / reversed",
        "sanction precision",
        title=f"people's decisions, last {days:g} days",
    )
    for q in rows:
        table.add_row(
            q.detector,
            q.category,
            q.model_version,
            f"{q.review_confirmed} / {q.review_dismissed}",
            share(q.review_precision),
            f"{q.sanctions_upheld} / {q.sanctions_reversed}",
            share(q.sanction_precision),
        )
    console.print(table)


@app.command()
def reports(
    open_only: Annotated[
        bool, typer.Option("--open/--all", help="Only reports not yet due, or the last 48 h.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
) -> None:
    """Violation reports, soonest due first, with report latency (p50/p99)."""
    from usewatch.operator import recent_reports

    found, figures = asyncio.run(recent_reports(_settings(), open_only))
    if as_json:
        _print_json(
            {
                "figures": figures,  # counts, report latency, the oldest open report's age
                "reports": [r.model_dump(mode="json", exclude_none=True) for r in found],
            }
        )
        return
    now = datetime.now(UTC)
    table = Table(
        "due in",
        "report",
        "account",
        "category",
        "score",
        "red team",
        title=f"{figures['reports']} report(s)",
    )
    for r in found[:200]:
        table.add_row(
            readable(r.report_due_at - now),
            r.report_id,
            r.account_id,
            r.category.value,
            f"{r.score:.2f}",
            "yes" if r.red_team else "",
        )
    console.print(table)
    if "report_latency_p50_s" in figures:
        console.print(
            f"occurred → reported: p50 {readable(figures['report_latency_p50_s'])}, "
            f"p99 {readable(figures['report_latency_p99_s'])}"
        )
    if "oldest_open_age_s" in figures:
        console.print(
            f"oldest open report: {readable(figures['oldest_open_age_s'])} after its "
            "generation (deadline 24 h)"
        )


@app.command()
def backtest(
    file: Annotated[Path, typer.Argument(help="JSONL file of GenerationEvents.")],
    policy: Annotated[
        Path | None, typer.Option(help="Also apply this enforcement policy (YAML).")
    ] = None,
) -> None:
    """Run the detectors offline over FILE: one verdict JSON a line on stdout, a summary on
    stderr. With --policy, every line is {"topic", "value"} and the enforcer's actions, review
    requests and reports follow each batch's verdicts. No Kafka or Redis; identical input gives
    identical output."""
    from services.enforcement.policy import load_policy
    from usewatch.backtest import backtest as run_backtest

    counter: Counter[str] = Counter()
    try:
        rules = load_policy(policy) if policy is not None else None
    except ValueError as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    events = list(_valid_lines(file, counter))
    started = time.monotonic()
    published = list(asyncio.run(run_backtest(events, rules)))
    elapsed = time.monotonic() - started
    tally: Counter[tuple[str, str, str]] = Counter()
    for topic, message in published:
        body = message.model_dump_json(exclude_none=True)
        if rules is None:
            sys.stdout.write(body + "\n")
        else:
            sys.stdout.write(f'{{"topic":"{topic.name}","value":{body}}}\n')
        tally[(topic.name, *_tally_key(message))] += 1
    summary = Table(title=f"backtest: {len(events)} events, {elapsed:.1f}s", expand=False)
    for col in ("topic", "category", "label / action", "messages"):
        summary.add_column(col)
    for (name, category, what), n in sorted(tally.items()):
        summary.add_row(name, category, what, str(n))
    err.print(summary)
    if counter["invalid"]:
        # The output is incomplete: say so in the exit status too, for scripts.
        err.print(f"[red]skipped {counter['invalid']} invalid line(s)[/red]")
        raise typer.Exit(1)


def _tally_key(message: BaseModel) -> tuple[str, str]:
    match message:
        case Verdict():
            return message.category.value, message.label.value
        case EnforcementEvent():
            return message.category.value, message.action.value
        case ViolationReport():
            return message.category.value, "red-team report" if message.red_team else "report"
        case _:
            return "", ""


@app.command()
def tail(
    topic: Annotated[str, typer.Argument(help="Topic name, e.g. enforcement.actions")],
    from_beginning: Annotated[bool, typer.Option("--from-beginning")] = False,
    limit: Annotated[int, typer.Option(help="Stop after N messages (0: never).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line.")] = False,
) -> None:
    """Print a topic's messages, decoded and validated against their schema."""
    s = _settings()
    try:
        spec = topic_named(topic, s.topic_prefix)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None
    consumer = KafkaConsumer(
        spec.full_name(s.topic_prefix),
        **s.kafka_client(),
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
    )
    shown = 0
    try:
        for record in consumer:
            try:
                message = decode(spec.value, record.value)
            except ValidationError as exc:
                err.print(
                    f"[red]undecodable {record.topic}[{record.partition}]@{record.offset}: "
                    f"{exc.error_count()} error(s)[/red]"
                )
                continue
            if as_json:
                sys.stdout.write(message.model_dump_json(exclude_none=True) + "\n")
                sys.stdout.flush()
            else:
                console.print(f"[dim]{record.partition}@{record.offset}[/dim] {_summary(message)}")
            shown += 1
            if limit and shown >= limit:
                break
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()


def _summary(message: BaseModel) -> str:
    """One line a person can read at a glance."""
    match message:
        case GenerationEvent():
            return (
                f"[bold]{message.account_id}[/bold] {message.channel} "
                f"{message.identity or ''} {message.generation[:80]!r}"
            )
        case DeadLetter():
            first = message.errors[0]
            return (
                f"[red]{message.reason}[/red] {message.source_topic}[{message.source_partition}]"
                f"@{message.source_offset}: {first.loc} {first.message}"
            )
        case EnforcementEvent():
            return (
                f"[bold red]{message.action}[/bold red] {message.account_id} "
                f"{message.category} strikes={message.strikes}: {message.reason}"
            )
        case ViolationReport():
            return (
                f"[yellow]report[/yellow] {message.account_id} {message.category} "
                f"score={message.score:.2f} due {message.report_due_at:%Y-%m-%d %H:%M}Z"
                + (" [magenta]red-team[/magenta]" if message.red_team else "")
            )
        case _:
            return json.dumps(message.model_dump(mode="json", exclude_none=True))[:200]


security_cli = typer.Typer(
    help="Principals, ACLs and Redis users of a secured stack (SECURITY=on).", no_args_is_help=True
)
app.add_typer(security_cli, name="security")


@security_cli.command("apply")
def security_apply() -> None:
    """Create the broker's SCRAM users and ACLs and Redis's users, one per stage, from the
    passwords in USEWATCH_PASSWORD_<PRINCIPAL>; logs in as the admins (KAFKA_ADMIN_PASSWORD,
    REDIS_ADMIN_PASSWORD). Idempotent."""
    import os

    import redis as redis_sync
    from kafka.admin import KafkaAdminClient

    from schemas.principals import grants
    from usewatch import security

    s = _settings()
    try:
        secrets = security.passwords(os.environ, [g.principal for g in grants()])
        kafka_pw = os.environ["KAFKA_ADMIN_PASSWORD"]
        redis_pw = os.environ["REDIS_ADMIN_PASSWORD"]
    except KeyError as exc:
        err.print(f"[red]{exc.args[0]}[/red]")
        raise typer.Exit(2) from None
    admin = KafkaAdminClient(
        bootstrap_servers=s.bootstrap_list,
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_plain_username="admin",
        sasl_plain_password=kafka_pw,
    )
    client = redis_sync.Redis.from_url(s.redis_url, username="admin", password=redis_pw)
    try:
        principals, acls = security.apply(admin, client, secrets, s.topic_prefix)
    finally:
        admin.close()
        client.close()
    console.print(f"{principals} principals, {acls} ACLs, Redis users saved")


@app.command()
def watch(
    from_beginning: Annotated[bool, typer.Option("--from-beginning")] = False,
) -> None:
    """Live view: messages per topic and the latest enforcement, dead letters and reports."""
    s = _settings()
    names = {t.full_name(s.topic_prefix): t for t in ALL_TOPICS}
    consumer = KafkaConsumer(
        *names,
        **s.kafka_client(),
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
    )
    counts: Counter[str] = Counter()
    latest: deque[str] = deque(maxlen=15)
    started = time.monotonic()

    def render() -> Group:
        table = Table(title="usewatch: messages since start", expand=False)
        table.add_column("topic")
        table.add_column("messages", justify="right")
        table.add_column("per second", justify="right")
        elapsed = max(time.monotonic() - started, 1e-3)
        for t in ALL_TOPICS:
            table.add_row(t.name, str(counts[t.name]), f"{counts[t.name] / elapsed:.1f}")
        recent = Table(title="latest enforcement, reports and dead letters", expand=True)
        recent.add_column("what")
        for line in latest:
            recent.add_row(line)
        if not latest:
            recent.add_row("[dim]nothing enforced yet[/dim]")
        return Group(table, recent)

    try:
        with Live(render(), console=console, refresh_per_second=4) as live:
            while True:
                for records in consumer.poll(timeout_ms=250).values():
                    for record in records:
                        spec = names[record.topic]
                        counts[spec.name] += 1
                        if spec.name in (
                            "generations",
                            "generations.accepted",
                            "verdicts",
                            "registry",
                        ):
                            continue
                        try:
                            latest.appendleft(_summary(decode(spec.value, record.value)))
                        except ValidationError:
                            latest.appendleft(f"[red]undecodable message on {spec.name}[/red]")
                live.update(render())
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()


if __name__ == "__main__":
    app()
