"""Write the JSON Schema of every message model beside the models, and the AsyncAPI document
of the topics (its operations from the principals' grants, schemas/principals.py):
`python -m schemas.generate`.

`--check` exits 1 when a committed file differs from what the models produce (a test runs it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from schemas import asyncapi
from schemas.events import (
    AppApproval,
    DeadLetter,
    EnforcementEvent,
    GenerationEvent,
    ReviewDecision,
    Verdict,
    ViolationReport,
)
from schemas.principals import grants

SCHEMA_DIR = Path(__file__).parent / "json"
ASYNCAPI = Path(__file__).parent / "asyncapi.yaml"
MODELS: tuple[type[BaseModel], ...] = (
    GenerationEvent,
    Verdict,
    EnforcementEvent,
    ViolationReport,
    DeadLetter,
    AppApproval,
    ReviewDecision,
)


def file_name(model: type[BaseModel]) -> str:
    return asyncapi.schema_file(model)


def render(model: type[BaseModel]) -> str:
    schema = model.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://usewatch.dev/schemas/{file_name(model)}"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def stale_files() -> list[str]:
    """Names of schema files that are missing or differ from the models."""
    stale = []
    for model in MODELS:
        path = SCHEMA_DIR / file_name(model)
        if not path.exists() or path.read_text() != render(model):
            stale.append(path.name)
    if not ASYNCAPI.exists() or ASYNCAPI.read_text() != asyncapi.render(grants()):
        stale.append(ASYNCAPI.name)
    return stale


def main(argv: list[str]) -> int:
    if "--check" in argv:
        stale = stale_files()
        if stale:
            print(f"stale JSON Schema files: {', '.join(stale)}; run python -m schemas.generate")
            return 1
        return 0
    SCHEMA_DIR.mkdir(exist_ok=True)
    for model in MODELS:
        (SCHEMA_DIR / file_name(model)).write_text(render(model))
    ASYNCAPI.write_text(asyncapi.render(grants()))
    print(f"wrote {len(MODELS)} schemas to {SCHEMA_DIR} and {ASYNCAPI}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
