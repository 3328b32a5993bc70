"""spam: the spam and phishing detector (SPEC §1: `spam`, `fraud.phishing`,
`security.spearphishing`).

`features` and `seo` extract content signals (pure), `model` scores a batch with the trained
content model, `detector.judge` decides one event from its signals and its account's state
(pure), `pipeline` runs a micro-batch against the state stores, `agent` wires it to Kafka and
Redis, `train` rebuilds the model (`make train`). Run it with `python -m services.spam`.
"""
