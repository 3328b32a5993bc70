"""Settings every process shares. Each service subclasses `ServiceSettings` once (its own typed,
frozen settings class); no other code reads the environment. Telemetry reads OTEL_* itself."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Where the broker and Redis are, and the prefix that namespaces every topic."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092", description="Comma-separated host:port list."
    )
    redis_url: str = "redis://127.0.0.1:6379/0"
    topic_prefix: str = Field(default="", description="Prepended to every topic and group name.")
    faust_data_dir: Path = Field(
        default=Path(".run/faust"), description="Where faust keeps its per-app directories."
    )
    metrics_port: int | None = Field(
        default=None, ge=1, le=65535, description="Serve Prometheus metrics here (unset: don't)."
    )
    metrics_host: str = Field(default="127.0.0.1", description="Address the metrics port binds.")

    @property
    def bootstrap_list(self) -> list[str]:
        return [s.strip() for s in self.kafka_bootstrap_servers.split(",") if s.strip()]

    def faust_broker(self) -> str:
        """faust's URL form: kafka://host1:port;host2:port."""
        return "kafka://" + ";".join(self.bootstrap_list)
