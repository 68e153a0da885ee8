"""Secrets from the environment or from a file (a mounted Kubernetes or Docker secret).

The file wins. A file that is set but empty or unreadable is an error: starting without the
secret when the operator meant to give one would be the worse failure.
"""

from __future__ import annotations

import hmac
from pathlib import Path


class SecretFileError(ValueError):
    """A ``*_FILE`` setting names a file that gives no secret."""


def read_secret(value: str, path: str, setting: str) -> str | None:
    """The secret from ``path`` if set, else ``value`` (None when both are empty); ``setting``
    names the file's environment variable in errors."""
    if not path:
        return value or None
    try:
        secret = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretFileError(f"{setting} {path!r} is unreadable: {exc}") from exc
    if not secret:
        raise SecretFileError(f"{setting} {path!r} is empty")
    return secret


def bearer_matches(header: str | None, token: str) -> bool:
    """``Authorization: Bearer <token>``, compared in constant time over bytes; a header that
    is not UTF-8 is merely wrong (aiohttp decodes headers with surrogateescape: encoding so
    gives back the raw bytes)."""
    if header is None:
        return False
    try:
        given = header.encode("utf-8", "surrogateescape")
    except UnicodeError:
        return False
    return hmac.compare_digest(given, b"Bearer " + token.encode())
