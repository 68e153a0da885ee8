"""Event-id digests: fixed size, found only at aligned places of a digest list."""

from __future__ import annotations

from streams.domain.digests import DIGEST_SIZE, event_digest, holds


def test_a_digest_is_found_only_where_a_stored_digest_begins() -> None:
    a, b = event_digest("a"), event_digest("b")
    assert len(a) == DIGEST_SIZE and a == event_digest("a") != b
    straddling = (a + b)[4 : 4 + DIGEST_SIZE]
    assert holds(a + b, a) and holds(a + b, b) and not holds(a + b, straddling)
    assert holds(a + b + straddling, straddling) and not holds(b"", a)
