from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from services.settings import Settings


class ConsoleSettings(Settings):
    """The console's knobs (CONSOLE_* environment variables). Where the broker is and the topic
    prefix are `ServiceSettings`'."""

    model_config = SettingsConfigDict(env_prefix="CONSOLE_")

    host: str = Field(default="127.0.0.1", description="Address the web page binds.")
    port: int = Field(default=8088, ge=1, le=65535)
    database_url: str = Field(
        default="sqlite:///.run/console.db",
        description="sqlite:///path (embedded, the default) or postgresql://user@host/db.",
    )
    password: SecretStr | None = Field(
        default=None,
        description="The operators' password; the console refuses to start without one.",
    )
    users: Path | None = Field(
        default=None,
        description="A file of reviewer accounts (name:scrypt hash per line, made by "
        "`usewatch console-user NAME`); when set, each reviewer logs in with their own password "
        "and CONSOLE_PASSWORD is not used.",
    )
    secret: SecretStr | None = Field(
        default=None,
        description="The key sessions are signed with; set it and sessions outlive a restart "
        "(unset: a fresh key per process, everyone logs in again).",
    )
    session_hours: float = Field(default=12.0, gt=0)
