"""multi_identity: one operator running many identities that appear independent (SPEC §1:
`misrepresentation.multi_identity`). `detector` decides (pure), `pipeline` runs a micro-batch
against the state stores (identities per window, near-duplicate index with identities,
fingerprint links across accounts), `agent` wires it. Run it with
`python -m services.multi_identity`.
"""
