"""enforcement: turns verdicts into actions, 24-hour violation reports and review requests
under a versioned policy file (SPEC §1, §3, §4).

`policy` loads and validates the YAML policy, `decide` is the pure decision for one verdict,
`approval` the pure use-case check, `enforcer` runs a batch against the state store, `agent`
wires it to Kafka and Redis. Run it with `python -m services.enforcement`.
"""
