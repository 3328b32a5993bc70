from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.enforcement.policy import DEFAULT_POLICY
from services.settings import Settings


class EnforcementSettings(Settings):
    """The enforcer's knobs (ENFORCEMENT_* environment variables). Where the broker and Redis
    are is `ServiceSettings`'."""

    model_config = SettingsConfigDict(env_prefix="ENFORCEMENT_")

    policy_path: Path = Field(
        default=DEFAULT_POLICY, description="Policy YAML; re-read when it changes."
    )
    reconcile_lookback_s: float = Field(
        default=6 * 3600,
        gt=0,
        description="How far back a starting worker, or one assigned partitions, reads the "
        "enforcement topics for effects published but never marked (a predecessor killed "
        "between the two). Longer than any worker stays down before it or another takes over.",
    )
    batch_size: int = Field(default=256, ge=1, le=10_000)
    batch_within_s: float = Field(default=0.01, gt=0)
    fail_open_after_s: float = Field(
        default=2.0,
        ge=0,
        description="Fail-open policy: how long Redis may be away before deciding without it.",
    )
