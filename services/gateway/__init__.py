"""gateway: the front door. Validates every generation event against the contract, normalises
its text for the detectors, drops duplicates by event_id, and sends everything invalid to the
dead-letter topic with the original bytes and every error (SPEC §2, §4).

`admission` decides (pure), `normalize` canonicalises text (pure), `agent` wires them to Kafka
and Redis. Run it with `python -m services.gateway`.
"""
