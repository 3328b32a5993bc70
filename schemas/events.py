"""The wire format: every message on every usewatch topic is one of these models, as JSON.

The models are frozen and strict about shape (unknown fields are errors, not silently dropped),
because a producer that misspells `red_team` must hear about it instead of being treated as
normal traffic. Bounds are part of the contract (SPEC §3): an event over them is rejected at the
gateway with a clear error and sent to the dead-letter topic.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)

SCHEMA_VERSION: Literal["1"] = "1"
REPORT_DEADLINE = timedelta(hours=24)

MAX_ID_CHARS = 128
MAX_TEXT_CHARS = 32_000
MAX_RECIPIENTS = 1_000
MAX_ATTRIBUTES = 32
MAX_ATTRIBUTE_KEY_CHARS = 64
MAX_ATTRIBUTE_VALUE_CHARS = 1_024
MAX_EVIDENCE_ITEMS = 32
MAX_EVENT_BYTES = 512 * 1024
"""The contract's bound on one GenerationEvent on `generations`, in bytes of its JSON (the
schema states it as `x-max-message-bytes`): the gateway dead-letters what is larger, since a
schema-valid event may be far larger (32,000 characters that JSON escapes to six bytes each)."""


def _as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


Id = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_CHARS)]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS)]
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_as_utc)]
"""A timezone-aware instant, stored as UTC. Naive datetimes are rejected: their zone is a guess."""


class Channel(StrEnum):
    """Where a generation goes. Published and sent channels reach people who did not ask an AI."""

    CHAT = "chat"
    EMAIL = "email"
    SMS = "sms"
    SOCIAL_POST = "social_post"
    COMMENT = "comment"
    REVIEW = "review"
    WEB_PAGE = "web_page"
    AD = "ad"
    OTHER = "other"


class Category(StrEnum):
    """Policy categories (SPEC §1). The deceit family is detected here; the rest keep their ids so
    a classifier for any of them plugs in without a schema change."""

    SPAM = "spam"
    FRAUD_PHISHING = "fraud.phishing"
    SECURITY_SPEARPHISHING = "security.spearphishing"
    HUMAN_AUTHORSHIP = "misrepresentation.human_authorship"
    FALSE_IDENTITY = "misrepresentation.false_identity"
    MULTI_IDENTITY = "misrepresentation.multi_identity"
    UNAPPROVED_USE = "policy.unapproved_use"
    VIOLENCE_INCITEMENT = "violence.incitement"
    VIOLENCE_SELF_HARM = "violence.self_harm"
    SEXUAL_EXPLOITATION = "sexual.exploitation"
    HATE = "hate"
    HARASSMENT = "harassment"
    ANTISOCIAL_INSENSITIVITY = "antisocial.insensitivity"
    ANTISOCIAL_DIVISION = "antisocial.division"
    ANTISOCIAL_HARMFUL_BELIEFS = "antisocial.harmful_beliefs"
    ANTISOCIAL_IDENTITY_CHARACTERIZATION = "antisocial.identity_characterization"
    ANTISOCIAL_GRAPHIC = "antisocial.graphic"
    MISINFORMATION = "misinformation"
    MANIPULATIVE_REDIRECTION = "manipulative_redirection"
    PRIVACY_EXTRACTION = "privacy.extraction"
    UNSAFE_UNSUPERVISED_MEDICAL = "unsafe.unsupervised_medical"


class Label(StrEnum):
    CLEAN = "clean"
    SUSPECT = "suspect"
    VIOLATION = "violation"


class Action(StrEnum):
    """Enforcement actions, mildest first (the order is the strike ladder's order)."""

    FLAG_FOR_REVIEW = "flag_for_review"
    REQUIRE_DISCLOSURE = "require_disclosure"
    THROTTLE = "throttle"
    BLOCK_GENERATION = "block_generation"
    SUSPEND_API_KEY = "suspend_api_key"
    SUSPEND_ACCOUNT = "suspend_account"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ClientFingerprint(_Message):
    """Opaque hashes of where a request came from; never the raw IP or device id."""

    ip_hash: Id | None = None
    device_hash: Id | None = None


class NormalizedText(_Message):
    """The gateway's normalised copy of prompt and generation, what detectors read (NFKC, no
    zero-width or control characters, whitespace collapsed). The originals stay on the event."""

    prompt: Text
    generation: Text


Attributes = Annotated[
    dict[
        Annotated[str, StringConstraints(min_length=1, max_length=MAX_ATTRIBUTE_KEY_CHARS)],
        Annotated[str, StringConstraints(max_length=MAX_ATTRIBUTE_VALUE_CHARS)],
    ],
    Field(max_length=MAX_ATTRIBUTES),
]


EARLIEST_OCCURRED_AT = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_OCCURRED_AT = datetime(2100, 1, 1, tzinfo=UTC)
"""The schema's hard range for `occurred_at`: nothing downstream (a deadline at occurred_at +
24 h, a window in milliseconds) can overflow inside it. The gateway also refuses times more than
a few minutes ahead of its own clock (`GATEWAY_MAX_FUTURE_S`)."""


def _plausible(value: datetime) -> datetime:
    if not EARLIEST_OCCURRED_AT <= value < LATEST_OCCURRED_AT:
        raise ValueError(
            f"must be between {EARLIEST_OCCURRED_AT:%Y-%m-%d} and {LATEST_OCCURRED_AT:%Y-%m-%d}"
        )
    return value


def _rfc3339_text(value: Any) -> Any:
    """JSON carries a time as RFC 3339 text, `T` between date and time, as the schema's
    `date-time` says; pydantic alone would also take "2026-01-01 00:00:00Z". Parsed here, so
    strict validation at the edge (which refuses numbers) gets a datetime."""
    if not isinstance(value, str):
        return value
    message = "must be an RFC 3339 date-time, e.g. 2026-01-01T00:00:00Z"
    if len(value) < 16 or value[10] not in "Tt":
        raise ValueError(message)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(message) from None


OccurredAt = Annotated[
    UtcDatetime,
    BeforeValidator(_rfc3339_text),
    AfterValidator(_plausible),
    # The range in the published schema: years 2000 to 2099, and the `T` of RFC 3339.
    WithJsonSchema(
        {"type": "string", "format": "date-time", "pattern": "^20[0-9]{2}-[0-9]{2}-[0-9]{2}[Tt]"}
    ),
]


class GenerationEvent(_Message):
    """One generation, as the producing app reports it. `event_id` is the idempotency key. At
    most `x-max-message-bytes` of JSON; `normalized` is the gateway's (readOnly: producers
    leave it out)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_extra={"x-max-message-bytes": MAX_EVENT_BYTES}
    )

    schema_version: Literal["1"] = SCHEMA_VERSION
    event_id: Id
    occurred_at: OccurredAt
    account_id: Id
    app_id: Id
    api_key_id: Id | None = None
    end_user_id: Id | None = None
    identity: Id | None = Field(
        default=None,
        description="Name or handle under which the output is published or sent, as declared.",
    )
    channel: Channel
    recipients: Annotated[list[Id], Field(max_length=MAX_RECIPIENTS)] | None = None
    prompt: Text
    generation: Text
    model: Id
    ai_disclosure: StrictBool | None = None
    red_team: StrictBool = False
    client: ClientFingerprint | None = None
    attributes: Attributes = Field(default_factory=dict)
    normalized: NormalizedText | None = Field(
        default=None,
        description="Set by the gateway on generations.accepted; never by producers.",
        json_schema_extra={"readOnly": True},
    )


def _small_evidence(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > MAX_EVIDENCE_ITEMS:
        raise ValueError(f"evidence has {len(value)} items; at most {MAX_EVIDENCE_ITEMS}")
    return value


Evidence = Annotated[dict[str, Any], AfterValidator(_small_evidence)]
Score = Annotated[float, Field(ge=0.0, le=1.0)]


class VerdictSubject(_Message):
    """What the enforcer needs to know about the judged event, copied from it by the detector,
    so that enforcing a verdict never waits for, or looks up, the event itself."""

    app_id: Id
    channel: Channel
    occurred_at: OccurredAt
    red_team: StrictBool = False
    api_key_id: Id | None = None

    @classmethod
    def of(cls, event: GenerationEvent) -> VerdictSubject:
        return cls(
            app_id=event.app_id,
            channel=event.channel,
            occurred_at=event.occurred_at,
            red_team=event.red_team,
            api_key_id=event.api_key_id,
        )


class Verdict(_Message):
    """A detector's judgement of one event for one category. "Cannot say" is not a verdict."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    event_id: Id
    account_id: Id
    subject: VerdictSubject
    detector: Id
    category: Category
    score: Score
    label: Label
    evidence: Evidence = Field(default_factory=dict)
    model_version: Id
    decided_at: UtcDatetime


class EnforcementEvent(_Message):
    """What the enforcer decided. `enforcement_id` is derived from (event_id, category), so a
    replayed verdict yields the same id and subscribers can de-duplicate on it. A reversal is an
    EnforcementEvent whose `reverses` names the enforcement it undoes. `case_id` names the case
    the violation belongs to: one account's violations of one category within the policy's
    case cooldown are one case, which counts as one strike."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    enforcement_id: Id
    event_id: Id
    account_id: Id
    app_id: Id
    category: Category
    action: Action
    severity: Severity
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    evidence: Evidence = Field(default_factory=dict)
    scores: dict[Category, Score] = Field(default_factory=dict)
    policy_version: Id
    strikes: Annotated[int, Field(ge=0)]
    red_team: bool = False
    decided_at: UtcDatetime
    report_due_at: UtcDatetime | None = None
    reverses: Id | None = None
    case_id: Id | None = None
    api_key_id: Id | None = None
    """The key the generation was made with: the one `suspend_api_key` suspends."""


class ViolationReport(_Message):
    """A usage that appears to violate the guidelines, due 24 h after the generation occurred.
    Red-team traffic is reported too, without an enforcement_id: it is never sanctioned."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    report_id: Id
    event_id: Id
    account_id: Id
    app_id: Id
    enforcement_id: Id | None = None
    category: Category
    score: Score
    occurred_at: UtcDatetime
    reported_at: UtcDatetime
    report_due_at: UtcDatetime
    red_team: bool = False
    case_id: Id | None = None
    """The case of the enforcement (absent with it, for red-team traffic)."""

    @model_validator(mode="after")
    def _deadline_is_24h_after_occurrence(self) -> ViolationReport:
        if self.report_due_at != self.occurred_at + REPORT_DEADLINE:
            raise ValueError("report_due_at must be occurred_at + 24 h")
        return self


class DeadLetterReason(StrEnum):
    """Why the gateway refused a message; the first failing check decides."""

    TOO_LARGE = "too_large"
    IN_THE_FUTURE = "in_the_future"
    NOT_UTF8 = "not_utf8"
    INVALID_JSON = "invalid_json"
    SCHEMA = "schema"


class ValidationProblem(_Message):
    """One error: where in the payload (`loc`, a dotted path) and what is wrong."""

    loc: str
    message: str
    type: str


MAX_DEAD_LETTER_ORIGINAL_BYTES = 256 * 1024
"""The most of an original message a dead letter carries: its base64 (4/3 of it) and the rest of
the record stay well under the broker's and the producer's 1,000,000-byte limits, so a dead
letter can always be published. Beyond it the record keeps a prefix, the whole length and the
SHA-256 digest of the whole."""


class DeadLetter(_Message):
    """A message the gateway could not accept, with everything needed to replay or debug it. A
    message over `MAX_DEAD_LETTER_ORIGINAL_BYTES` is kept as its first bytes
    (`original_truncated`), its length and its digest."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    reason: DeadLetterReason
    errors: Annotated[list[ValidationProblem], Field(min_length=1)]
    original_key_b64: str | None
    original_value_b64: str
    original_value_bytes: Annotated[int, Field(ge=0)] = Field(
        description="Length of the whole original value, in bytes."
    )
    original_value_sha256: str = Field(description="SHA-256 (hex) of the whole original value.")
    original_truncated: bool = Field(
        default=False, description="original_value_b64 holds only a prefix of the value."
    )
    source_topic: str
    source_partition: Annotated[int, Field(ge=0)]
    source_offset: Annotated[int, Field(ge=0)]
    failed_at: UtcDatetime

    @field_validator("errors")
    @classmethod
    def _bounded(cls, errors: list[ValidationProblem]) -> list[ValidationProblem]:
        # A hostile payload can produce thousands of errors; the first hundred say enough.
        return errors[:100]


class AppApproval(_Message):
    """One app's use-case approval (SPEC §1), on the compacted `registry` topic keyed by
    `app_id`. The latest record per key is the app's approval; a record with a null value (a
    tombstone) revokes it. The topic is the registry's only store: every service that needs it
    reads it from the beginning into memory, so no state store can lose an approval."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    app_id: Id
    use_case: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    channels: Annotated[list[Channel], Field(min_length=1)]
    red_team: StrictBool = False
    supervised: StrictBool = Field(
        default=False,
        description="A person (a clinician, for medical or mental-health use) reviews the "
        "app's outputs before they reach its users. Medical advice to end users from an app "
        "not registered as supervised is unsafe.unsupervised_medical.",
    )
    approved_at: UtcDatetime
    approved_by: Id | None = Field(default=None, description="Who granted it, as recorded.")

    def allows(self, channel: Channel) -> bool:
        return channel in self.channels


class ReviewOutcome(StrEnum):
    """What a person decided about an enforcement they reviewed."""

    CONFIRM = "confirm"
    """The decision stands; one held back (by a quota or a state-store outage) is applied."""
    DISMISS = "dismiss"
    """Not a violation: what was applied for it is reversed and its strike removed."""
    REVERSE = "reverse"
    """An applied enforcement undone (appeal, error): reversed and its strike removed."""


class ReviewDecision(_Message):
    """A person's decision on one enforcement, with who decided and why.

    On `review.decisions`, keyed by `account_id`, written only by the review console and applied
    by the enforcer. `decision_id` is the idempotency key: the enforcer applies each decision
    once however often it is delivered."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    decision_id: Id
    enforcement_id: Id
    account_id: Id
    outcome: ReviewOutcome
    reviewer: Id
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    decided_at: UtcDatetime
