"""Reviewer accounts: one name and password per person, so the reviewer recorded on a decision
is the one who logged in, not a name typed beside a shared password.

The file (CONSOLE_USERS) has one `name:hash` line per reviewer; `#` starts a comment. A hash is
scrypt (RFC 7914; n=2^14, r=8, p=1, 16-byte salt) as `scrypt$n$r$p$salt$key`, base64; the file
holds no password. `usewatch console-user NAME` adds or changes one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from services.console.auth import REVIEWER

N, R, P = 2**14, 8, 1
_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 43 + "="
"""Checked against when the name is unknown, so a miss takes as long whether or not the name
exists."""


def hash_password(password: str, salt: bytes | None = None) -> str:
    if not password:
        raise ValueError("a reviewer's password cannot be empty")
    salt = salt if salt is not None else secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(key)}"


def verify(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, key = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(key)
        given = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
            dklen=len(expected),
        )  # fmt: skip
    except ValueError:
        return False
    return hmac.compare_digest(given, expected)


def check(reviewers: dict[str, str], name: str, password: str) -> bool:
    """Whether `name` is a reviewer and `password` is theirs (same cost either way)."""
    ok = verify(password, reviewers.get(name, _DUMMY))
    return ok and name in reviewers


def load(path: Path) -> dict[str, str]:
    """The reviewers of a CONSOLE_USERS file. Raises ValueError naming the bad line."""
    reviewers: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, stored = line.partition(":")
        if not sep or not REVIEWER.match(name) or not stored.startswith("scrypt$"):
            raise ValueError(f"{path}:{number}: expected name:scrypt$... (usewatch console-user)")
        reviewers[name] = stored
    if not reviewers:
        raise ValueError(f"{path}: no reviewers in it (usewatch console-user NAME adds one)")
    return reviewers


def set_password(path: Path, name: str, password: str) -> None:
    """Add `name` or change their password; the file is rewritten whole, readable by its owner
    only."""
    if not REVIEWER.match(name):
        raise ValueError("a reviewer name is 1-64 letters, digits or . _ @ -")
    entries = load(path) if path.exists() and path.read_text().strip() else {}
    entries[name] = hash_password(password)
    body = "".join(f"{n}:{h}\n" for n, h in sorted(entries.items()))
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(body)
    os.replace(temporary, path)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
