"""The enforcer's stores (one module each, a Protocol and a Redis and an in-memory
implementation): applied marks, strikes, actions in force, hourly quotas and the whole mark,
composed by `EnforcementState`; and the operators' log."""

from services.state.enforcement.log import EnforcementLog, RedisEnforcementLog
from services.state.enforcement.records import Effect, Loaded, LoadRequest, StoreCondition
from services.state.enforcement.state import EnforcementState

__all__ = [
    "Effect",
    "EnforcementLog",
    "EnforcementState",
    "LoadRequest",
    "Loaded",
    "RedisEnforcementLog",
    "StoreCondition",
]
