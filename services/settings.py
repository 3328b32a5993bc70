"""Settings every process shares (`ServiceSettings`: the broker, Redis, the topic prefix), and
the knobs of every batch stage (`StageSettings`: the gateway and each detector), each stage's
read under its own environment prefix (GATEWAY_BATCH_SIZE, MULTI_IDENTITY_WINDOW_S, …) by a
subclass that adds what is particular to it. No other code reads the environment. Telemetry
reads OTEL_* itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Typed, frozen, read from the environment when made; a subclass for one service's own
    knobs names its prefix (`model_config = SettingsConfigDict(env_prefix="GATEWAY_")`)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)


class ServiceSettings(Settings):
    """Where the broker and Redis are, and the prefix that namespaces every topic."""

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092", description="Comma-separated host:port list."
    )
    kafka_username: str | None = Field(
        default=None, description="SASL/SCRAM-SHA-512 user; unset: the broker needs no login."
    )
    kafka_password: SecretStr | None = None
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_cluster: bool = Field(
        default=False, description="REDIS_URL names one node of a Redis Cluster (SPEC §2)."
    )
    redis_username: str | None = Field(default=None, description="Redis ACL user; unset: none.")
    redis_password: SecretStr | None = None
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

    def kafka_auth(self) -> dict[str, Any]:
        """Client options that log in to the broker, in the names kafka-python and aiokafka
        share (empty when no user is set). The password leaves its SecretStr only here."""
        if self.kafka_username is None:
            return {}
        return {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": self.kafka_username,
            "sasl_plain_password": _reveal(self.kafka_password),
        }

    def kafka_client(self) -> dict[str, Any]:
        """Options for an aiokafka or kafka-python client: where the broker is, and the login."""
        return {"bootstrap_servers": self.bootstrap_list, **self.kafka_auth()}

    def redis_auth(self) -> dict[str, Any]:
        """redis-py options that log in to Redis (empty when no user is set)."""
        if self.redis_username is None:
            return {}
        return {"username": self.redis_username, "password": _reveal(self.redis_password)}

    def faust_broker(self) -> str:
        """faust's URL form: kafka://host1:port;host2:port."""
        return "kafka://" + ";".join(self.bootstrap_list)


class StageSettings(Settings):
    """The knobs of a stage that reads events in batches and judges each event id once (the
    gateway, every detector). Subclasses set `env_prefix` (`SPAM_`) and add their own fields;
    the connection settings stay `ServiceSettings`', shared by every detector a worker hosts."""

    batch_size: int = Field(default=256, ge=1, le=10_000, description="Events judged at once.")
    batch_within_s: float = Field(
        default=0.01, gt=0, description="Longest wait for a batch to fill."
    )
    seen_ttl_s: int = Field(
        default=72 * 3600,
        ge=48 * 3600,
        description="How long a judged event is remembered, so a redelivery is not judged again.",
    )


def _reveal(secret: SecretStr | None) -> str:
    return secret.get_secret_value() if secret is not None else ""
