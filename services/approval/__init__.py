"""approval: the use-case approval check (SPEC §1) as a detector of its own. Traffic from an app
that was never approved, or on a channel it was not approved for, becomes a
`policy.unapproved_use` verdict, enforced like any other. Its only state is the `registry`
topic, followed in memory (services/registry.py). Hosted alone (`python -m services.approval`)
or with the other detectors (`python -m services.detectors`), where it costs no extra read of
the event."""
