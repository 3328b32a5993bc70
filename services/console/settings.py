from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from services.settings import ServiceSettings


class ConsoleSettings(ServiceSettings):
    """The console's knobs (CONSOLE_* environment variables)."""

    console_host: str = Field(default="127.0.0.1", description="Address the web page binds.")
    console_port: int = Field(default=8088, ge=1, le=65535)
    console_database_url: str = Field(
        default="sqlite:///.run/console.db",
        description="sqlite:///path (embedded, the default) or postgresql://user@host/db.",
    )
    console_password: SecretStr | None = Field(
        default=None,
        description="The operators' password; the console refuses to start without one.",
    )
    console_users: Path | None = Field(
        default=None,
        description="A file of reviewer accounts (name:scrypt hash per line, made by "
        "`usewatch console-user NAME`); when set, each reviewer logs in with their own password "
        "and CONSOLE_PASSWORD is not used.",
    )
    console_secret: SecretStr | None = Field(
        default=None,
        description="The key sessions are signed with; set it and sessions outlive a restart "
        "(unset: a fresh key per process, everyone logs in again).",
    )
    console_session_hours: float = Field(default=12.0, gt=0)
