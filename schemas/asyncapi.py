"""The topics as an AsyncAPI 3.0 document for subscribers, generated from `schemas.topics`, the
message models and the principals' grants (`python -m schemas.generate` writes it to
schemas/asyncapi.yaml; a test fails when it is stale, and another runs the AsyncAPI parser on it,
payloads included: infra/asyncapi/validate.mjs). One channel per topic; each message with its
payload (the model's JSON Schema file), its Kafka key and the W3C trace headers every hop
carries; one operation per service and topic it really reads (`receive`) or writes (`send`),
taken from the same grants the broker's ACLs are made of (schemas/principals.py), so the document
cannot claim an access the broker would refuse."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import yaml
from pydantic import BaseModel

from schemas.events import SCHEMA_VERSION
from schemas.topics import ALL_TOPICS, Topic

JSON_SCHEMA = "application/schema+json;version=draft-07"
"""The payloads' schema format as AsyncAPI tooling reads it. The files declare JSON Schema 2020-12
(pydantic's dialect), but AsyncAPI's parser validates payloads of draft-07 only and passes any
other format unchecked; the files use only keywords that mean the same in both drafts (a test
holds them to that list: `SHARED_KEYWORDS`), so declaring draft-07 is true and has every payload
checked."""
SHARED_KEYWORDS = frozenset(
    {
        "$defs", "$id", "$ref", "$schema", "additionalProperties", "anyOf", "const", "default",
        "description", "enum", "examples", "exclusiveMaximum", "exclusiveMinimum", "format",
        "items", "maxItems", "maxLength", "maxProperties", "maximum", "minItems", "minLength",
        "minimum", "pattern", "properties", "propertyNames", "readOnly", "required", "title",
        "type", "uniqueItems",
    }
)  # fmt: skip
"""JSON Schema keywords whose meaning draft-07 and 2020-12 share. (`$defs` is only a container
in draft-07, but `$ref`s into it are plain JSON pointers, which both resolve alike.) Keywords named
`x-…` are our annotations, which both drafts ignore."""
TRACE_HEADERS = {
    "type": "object",
    "properties": {
        "traceparent": {
            "type": "string",
            "description": "W3C trace context: one trace per generation across every hop.",
        },
        "tracestate": {"type": "string"},
    },
}


class Access(Protocol):
    """What one principal reads and writes (schemas/principals.py: `Grant`)."""

    @property
    def principal(self) -> str: ...
    @property
    def reads(self) -> Sequence[Topic]: ...
    @property
    def writes(self) -> Sequence[Topic]: ...
    @property
    def group(self) -> str | None: ...


def schema_file(model: type[BaseModel]) -> str:
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()
    return f"{snake}.schema.json"


def _channel_id(topic: Topic) -> str:
    return topic.name.replace(".", "_")


def _operation(access: Access, action: str, topic: Topic) -> tuple[str, dict[str, Any]]:
    verb = "reads" if action == "receive" else "writes"
    operation: dict[str, Any] = {
        "action": action,
        "channel": {"$ref": f"#/channels/{_channel_id(topic)}"},
        "summary": f"{access.principal} {verb} {topic.name}.",
        "tags": [{"name": access.principal}],
    }
    if action == "receive" and access.group is not None:
        operation["bindings"] = {
            "kafka": {
                "groupId": {
                    "type": "string",
                    "pattern": f"usewatch-{access.group}$",
                    "description": f"usewatch-{access.group}, after the deployment's TOPIC_PREFIX.",
                },
                "bindingVersion": "0.5.0",
            }
        }
    return f"{access.principal}_{action}_{_channel_id(topic)}", operation


def _key_binding(topics: Iterable[Topic]) -> dict[str, Any]:
    """The Kafka key of a message, the same on every topic that carries it."""
    keys = {t.key for t in topics}
    if len(keys) != 1:
        raise ValueError(f"one message model, several keys: {sorted(keys)}")
    (key,) = keys
    described = (
        "the key of the message it refuses, unchanged (null if it had none)"
        if key == "original key"
        else f"the message's {key}, as UTF-8 bytes"
    )
    key_schema = {"type": "string", "description": described}
    return {"kafka": {"key": key_schema, "bindingVersion": "0.5.0"}}


def _kafka_binding(topic: Topic) -> dict[str, Any]:
    binding: dict[str, Any] = {"partitions": topic.partitions, "bindingVersion": "0.5.0"}
    configuration: dict[str, Any] = {}
    if topic.compacted:
        configuration["cleanup.policy"] = ["compact"]
    if topic.retention_days is not None:
        configuration["retention.ms"] = topic.retention_days * 24 * 3600 * 1000
    if configuration:
        binding["topicConfiguration"] = configuration
    return binding


def document(grants: Iterable[Access]) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic in ALL_TOPICS:
        model = topic.value.__name__
        if model not in messages:
            messages[model] = {
                "name": model,
                "title": model,
                "summary": (topic.value.__doc__ or model).strip().splitlines()[0],
                "contentType": "application/json",
                "headers": TRACE_HEADERS,
                "bindings": _key_binding(t for t in ALL_TOPICS if t.value is topic.value),
                # The JSON Schema files beside this document: one source for both.
                "payload": {
                    "schemaFormat": JSON_SCHEMA,
                    "schema": {"$ref": f"json/{schema_file(topic.value)}"},
                },
            }
        channels[_channel_id(topic)] = {
            "address": topic.name,
            "description": (
                f"{topic.description} Written by {topic.writer}. Key: {topic.key}. "
                "A deployment may prefix every name (TOPIC_PREFIX)."
            ),
            "messages": {model: {"$ref": f"#/components/messages/{model}"}},
            "bindings": {"kafka": _kafka_binding(topic)},
        }
    for access in grants:
        for action, topics in (("receive", access.reads), ("send", access.writes)):
            for topic in topics:
                operation_id, operation = _operation(access, action, topic)
                operations[operation_id] = operation
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "usewatch topics",
            "version": SCHEMA_VERSION,
            "description": (
                "What the usewatch pipeline reads and writes on Kafka. Every message is "
                "compact JSON (fields at null are left out), schema_version "
                f"{SCHEMA_VERSION!r}; every stream topic is keyed by account_id, the registry "
                "by app_id, as UTF-8 bytes."
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def render(grants: Iterable[Access]) -> str:
    header = "# Generated by `python -m schemas.generate` from schemas/; do not edit.\n"
    return header + yaml.safe_dump(document(grants), sort_keys=False, allow_unicode=True, width=100)
