"""Signed values for the coordinator's page: sign-in links, the session cookie and each
form's CSRF token, all made with one secret (`DASHBOARD_SECRET`) and HMAC-SHA256.

A signed value names what it is for ("link", "session"), so a link can never be used as
a cookie or the other way round, and a value signed with another key is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["Keys", "fresh_nonce"]

SEPARATOR = "."


def fresh_nonce() -> str:
    """A random id: what makes a link single use and a session its own."""
    return secrets.token_urlsafe(16).replace(SEPARATOR, "_")


class Keys:
    """Signs and reads values made of a purpose and parts (no part holds a dot)."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def _mac(self, body: str) -> str:
        return hmac.new(self._secret, body.encode(), hashlib.sha256).hexdigest()

    def sign(self, purpose: str, *parts: str) -> str:
        body = SEPARATOR.join((purpose, *parts))
        return f"{body}{SEPARATOR}{self._mac(body)}"

    def read(self, purpose: str, signed: str, count: int) -> list[str] | None:
        """The parts of a value this key signed for `purpose`, or None."""
        body, _, mac = signed.rpartition(SEPARATOR)
        if not hmac.compare_digest(mac.encode(), self._mac(body).encode()):
            return None
        found_purpose, *parts = body.split(SEPARATOR)
        if found_purpose != purpose or len(parts) != count:
            return None
        return parts

    def csrf(self, session_nonce: str) -> str:
        """The token every form of one session carries."""
        return self._mac(f"csrf{SEPARATOR}{session_nonce}")

    def csrf_matches(self, session_nonce: str, given: str) -> bool:
        return hmac.compare_digest(self.csrf(session_nonce).encode(), given.encode())
