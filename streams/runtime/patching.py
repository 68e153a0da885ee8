"""Guards for our monkey patches of Faust and aiokafka internals.

A patch of private code is correct only for the versions someone read it against. On any other
version it may do nothing, or the wrong thing, and nothing would say so until events are lost
(issue 13). So every ``install()`` calls these first and refuses loudly, at start-up:

    from streams.runtime.patching import require, require_attributes

    PATCH = "streams.runtime.faust_fixes: Consumer.perform_seek"
    require("faust-streaming", {"0.15.3"}, PATCH)  # the versions this patch was verified on
    require_attributes(Consumer, ["perform_seek", "_committed_offset"], PATCH)

To support a new version: read the patched code in that version, check the patch still holds,
then add the version to the set passed to ``require`` (and pin it in pyproject.toml).
"""

from __future__ import annotations

import inspect
from collections.abc import Collection, Iterable
from importlib.metadata import PackageNotFoundError, version


class PatchRefused(RuntimeError):
    """A patch was not installed: its target is not the code it was written for."""


def require(distribution: str, supported: Collection[str], patch: str) -> None:
    """Raise ``PatchRefused`` unless the installed ``distribution`` is one of ``supported``.

    ``distribution`` is the name pip knows (``faust-streaming``, not ``faust``); ``patch`` names
    the patch in the message, e.g. ``"streams.runtime.faust_fixes: Consumer.perform_seek"``.
    """
    try:
        installed = version(distribution)
    except PackageNotFoundError:
        installed = None
    if installed in supported:
        return
    wanted = ", ".join(sorted(supported)) or "none"
    found = f"{installed} is installed" if installed else "it is not installed"
    raise PatchRefused(
        f"refusing to install patch {patch}: it was verified against {distribution} {wanted},"
        f" but {found}. Pin {distribution} to a supported version in pyproject.toml, or"
        f" re-verify the patch against the installed version and add that version to the ones"
        f" its install() supports."
    )


def require_attributes(owner: object, names: Iterable[str], patch: str) -> None:
    """Raise ``PatchRefused`` unless ``owner`` has every attribute in ``names``.

    An attribute counts if it exists on ``owner`` or, for a class, is declared in the class
    body of it or a base (``_committed_offset: Mapping[...]``): Faust declares its instance
    attributes that way and sets them in ``__init__``. A renamed private attribute then fails
    here, at install, not as an AttributeError in the middle of a rebalance.
    """
    missing = [name for name in names if not _has(owner, name)]
    if missing:
        where = getattr(owner, "__qualname__", type(owner).__qualname__)
        raise PatchRefused(
            f"refusing to install patch {patch}: {where} has no {', '.join(missing)}; the"
            f" patched code has changed. Re-verify the patch against the installed version."
        )


def _has(owner: object, name: str) -> bool:
    if hasattr(owner, name):
        return True
    classes = inspect.getmro(owner) if isinstance(owner, type) else ()
    return any(name in inspect.get_annotations(cls) for cls in classes)
