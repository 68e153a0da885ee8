"""Generated text inside a hand-written document, between two marker lines."""

from __future__ import annotations


def splice(document: str, begin: str, end: str, text: str) -> str:
    """``document`` with what lies between the line ``begin`` and ``end`` replaced by ``text``."""
    head, found_begin, rest = document.partition(begin + "\n")
    _, found_end, tail = rest.partition(end)
    if not found_begin or not found_end:
        raise ValueError(f"the document needs the markers {begin!r} and {end!r}")
    return head + found_begin + text + found_end + tail
