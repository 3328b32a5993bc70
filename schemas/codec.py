"""Encode and decode at the topic edge: the only place models become bytes and back."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def encode(message: BaseModel) -> bytes:
    """Compact JSON, without fields left at None, so optional fields cost nothing on the wire."""
    return message.model_dump_json(exclude_none=True).encode()


def decode(model: type[M], data: bytes | str, *, strict: bool = False) -> M:
    """Parse and validate in one pass (pydantic-core); raises pydantic.ValidationError.
    `strict` at the edge (the gateway): JSON types as the published schema states them, no
    coercion ("yes" is not a boolean, 1764000000 not a time)."""
    return model.model_validate_json(data, strict=strict)


def encode_key(account_id: str) -> bytes:
    return account_id.encode()
