"""state: the small typed stores that hold per-account state, each with a Redis implementation
and an in-memory one behind the same interface (one contract test suite runs against both).

Conventions every store follows (SPEC §2, §4):
- every key has a TTL, stated in the store's docstring, so memory does not grow with the number
  of accounts ever seen;
- every key starts with its stage's namespace (`keys.py`), and keys that belong to one account
  carry it as a Redis Cluster hash tag, `{account_id}`;
- a batch of work costs one Redis round trip (pipelines), never one per event.
"""
