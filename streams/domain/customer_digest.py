"""The only form in which a customer is kept: a keyed digest of its ``customer_id``.

HMAC-SHA256 under ``SUPPORTKPI_CUSTOMER_KEY``, truncated to 128 bits: stable across workers and
restarts (the key is the same everywhere), useless without the key (a plain hash of a known id
format could be reversed by trying ids). The raw id is never a label, stored or logged.
"""

from __future__ import annotations

import hashlib
import hmac

#: used when no key is configured: the digests still work, but anyone can recompute them
UNSET_KEY = b"supportkpi: SUPPORTKPI_CUSTOMER_KEY is not set"


def customer_digest(key: bytes, customer_id: str) -> str:
    return hmac.new(key, customer_id.encode(), hashlib.sha256).hexdigest()[:32]
