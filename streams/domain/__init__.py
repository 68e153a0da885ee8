"""Pure domain logic: decoding, ticket records, KPI contributions, sliding windows.

Nothing in this package imports faust or prometheus_client, so it is tested with plain pytest.

The package may be compiled with mypyc (``make core``; the image always is): the modules stay
plain Python, and a compiled build beside them is used only while it matches them. Which one
runs is ``CORE`` ("compiled" or "python"); ``SUPPORTKPI_CORE`` chooses: ``auto`` (the default:
the build if it is current), ``python`` (never the build) or ``compiled`` (the build, or fail).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from importlib.util import spec_from_file_location
from pathlib import Path
from typing import Literal

HERE = Path(__file__).parent
#: written by the build: the digest of the sources it compiled
BUILD_STAMP = HERE / "_compiled_sources.txt"


def compiled_sources() -> list[Path]:
    """The modules a build compiles: every module of the package but the ``__init__`` files."""
    return sorted(p for p in HERE.rglob("*.py") if p.name != "__init__.py")


def source_digest() -> str:
    """What the sources are now; a build is current while its stamp says the same."""
    digest = hashlib.sha1()
    for path in compiled_sources():
        digest.update(path.relative_to(HERE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class _SourcesOnly(MetaPathFinder):
    """Imports this package's modules from their ``.py`` files, even beside a compiled build."""

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> ModuleSpec | None:
        if not fullname.startswith(__name__ + "."):
            return None
        base = HERE.joinpath(*fullname.split(".")[2:])
        if (base / "__init__.py").exists():
            init = base / "__init__.py"
            return spec_from_file_location(fullname, init, submodule_search_locations=[str(base)])
        source = base.with_suffix(".py")
        return spec_from_file_location(fullname, source) if source.exists() else None


def _choose() -> Literal["compiled", "python"]:
    wanted = os.environ.get("SUPPORTKPI_CORE", "auto")
    if wanted not in ("auto", "python", "compiled"):
        raise ImportError(f"SUPPORTKPI_CORE must be auto, python or compiled, not {wanted!r}")
    built = any(HERE.rglob("*.so"))
    current = built and BUILD_STAMP.exists() and BUILD_STAMP.read_text().strip() == source_digest()
    if wanted == "compiled" and not current:
        state = "is older than its sources" if built else "is not built"
        raise ImportError(f"SUPPORTKPI_CORE=compiled, but the compiled core {state}: make core")
    if current and wanted != "python":
        return "compiled"
    if built and wanted == "auto":
        warnings.warn(
            "the compiled core is older than its sources; running the pure-Python core "
            "(make core rebuilds it)",
            stacklevel=2,
        )
    if built:
        import sys

        sys.meta_path.insert(0, _SourcesOnly())
    return "python"


CORE = _choose()
