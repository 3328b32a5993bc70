from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from schemas.events import MAX_EVENT_BYTES
from services.settings import StageSettings


class GatewaySettings(StageSettings):
    """The gateway's knobs (GATEWAY_* environment variables: GATEWAY_BATCH_SIZE, ...). Defaults
    suit one 2-core machine. Where the broker and Redis are is `ServiceSettings`'."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_")

    batch_size: int = Field(default=500, ge=1, le=10_000, description="Events judged at once.")
    max_message_bytes: int = Field(default=MAX_EVENT_BYTES, ge=1024, le=640 * 1024)
    """The contract's MAX_EVENT_BYTES (`x-max-message-bytes` in the schema) by default. At most
    640 KiB: an accepted event is re-published with its normalised text beside it (up to
    2 x 32,000 characters more), and the whole must stay under the producer's 1,000,000-byte
    request limit."""
    max_future_s: int = Field(
        default=300,
        ge=0,
        description="How far ahead of the gateway's clock an event's occurred_at may be.",
    )
