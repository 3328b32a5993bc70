"""Operator login and CSRF tokens, pure: a session is "reviewer|expires|nonce" signed with the
console's secret (HMAC-SHA256) in an HttpOnly, SameSite=Strict cookie; a form's CSRF token is
the HMAC of its session's nonce, so a page of another origin can neither read nor forge it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

REVIEWER = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
"""What a reviewer's name may be: it is recorded on every decision."""


@dataclass(frozen=True, slots=True)
class Session:
    reviewer: str
    expires_s: float
    nonce: str


def _mac(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def password_ok(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def new_session(reviewer: str, now_s: float, hours: float) -> Session:
    if not REVIEWER.match(reviewer):
        raise ValueError("a reviewer name is 1-64 letters, digits or . _ @ -")
    return Session(reviewer, now_s + hours * 3600, secrets.token_urlsafe(16))


def cookie_of(session: Session, secret: bytes) -> str:
    payload = f"{session.reviewer}|{session.expires_s:.0f}|{session.nonce}"
    return f"{payload}|{_mac(secret, payload)}"


def session_of(cookie: str | None, secret: bytes, now_s: float) -> Session | None:
    """The session a cookie proves, or None (missing, forged, malformed or expired)."""
    if not cookie:
        return None
    payload, _, mac = cookie.rpartition("|")
    if not payload or not hmac.compare_digest(mac, _mac(secret, payload)):
        return None
    parts = payload.split("|")
    if len(parts) != 3:
        return None
    reviewer, expires, nonce = parts
    try:
        expires_s = float(expires)
    except ValueError:
        return None
    if expires_s <= now_s:
        return None
    return Session(reviewer, expires_s, nonce)


def csrf_token(session: Session, secret: bytes) -> str:
    return _mac(secret, f"csrf|{session.nonce}")


def csrf_ok(session: Session, secret: bytes, token: str | None) -> bool:
    return token is not None and hmac.compare_digest(token, csrf_token(session, secret))
