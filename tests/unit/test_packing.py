"""The hiredis-packed connection puts the same RESP on the wire as redis-py's own packing."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis
from redis.exceptions import DataError

from services.state.packing import PackingConnection

COMMANDS = [
    ("EVALSHA", "a" * 40, 2, "uw:w:ev:{a1}", "uw:w:rcpt:{a1}:7", "evt-1", 1_733_380_000_000),
    ("SET", "k", b"\x00\xff binary \r\n", "EX", 60),
    ("CONFIG GET", "maxmemory"),  # a command name of two words is split, as redis-py does
    ("HSET", "h", "naïve ключ", 1.5),
    ("ZADD", "z", -3, "m"),
]


def test_one_command_packs_as_redis_py_does() -> None:
    ours, theirs = PackingConnection(), aioredis.Connection()
    for command in COMMANDS:
        assert b"".join(ours.pack_command(*command)) == b"".join(theirs.pack_command(*command))


def test_a_pipeline_packs_as_redis_py_does() -> None:
    ours, theirs = PackingConnection(), aioredis.Connection()
    assert b"".join(ours.pack_commands(COMMANDS)) == b"".join(theirs.pack_commands(COMMANDS))


def test_an_argument_redis_cannot_take_is_a_data_error() -> None:
    with pytest.raises(DataError):
        PackingConnection().pack_command("SET", "k", {"not": "encodable"})
