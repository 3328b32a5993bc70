"""misrepresentation: generations passed off as human-written, or published under a false
identity (SPEC §1: `misrepresentation.human_authorship`, `misrepresentation.false_identity`).
`cues` and `model` read the prompt (and the output), `detector` decides (pure), `pipeline` runs a
micro-batch against the account windows, `agent` wires it; `corpus` and `train` rebuild the
prompt model. Run it with `python -m services.misrepresentation`.
"""
