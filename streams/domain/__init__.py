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
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from importlib.util import spec_from_file_location
from pathlib import Path
from typing import Literal

HERE = Path(__file__).parent
#: written by the build: the digest of the sources it compiled
BUILD_STAMP = HERE / "_compiled_sources.txt"


#: the shared library of a build (``group_name`` in setup.py), beside one shim per module
NATIVE = "native__mypyc"


def compiled_sources() -> list[Path]:
    """The modules a build compiles: every module of the package and its subpackages (the
    folders with an ``__init__.py``, as the wheel has them), but the ``__init__`` files."""
    return sorted(
        path
        for path in HERE.rglob("*.py")
        if path.name != "__init__.py"
        and all((folder / "__init__.py").exists() for folder in _folders(path))
    )


def _folders(path: Path) -> list[Path]:
    return [folder for folder in path.parents if folder == HERE or HERE in folder.parents]


def built() -> bool:
    """Whether a whole build for this interpreter is here: every module's extension, and the
    shared library (a build for another Python, or with a module missing, is no build)."""
    suffix = EXTENSION_SUFFIXES[0]
    modules = [path.with_suffix(suffix) for path in compiled_sources()]
    return all(path.exists() for path in [*modules, HERE / (NATIVE + suffix)])


def build_is_current() -> bool:
    """A whole build is here, and the sources are those it was built from."""
    stamp = BUILD_STAMP.read_text().strip() if BUILD_STAMP.exists() else ""
    return built() and stamp == source_digest()


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
    present = any(HERE.rglob("*.so"))  # some build, whether usable or not
    current = present and build_is_current()
    if wanted == "compiled" and not current:
        state = "is older than its sources" if built() else "is not built for this Python"
        raise ImportError(f"SUPPORTKPI_CORE=compiled, but the compiled core {state}: make core")
    if current and wanted != "python":
        return "compiled"
    if present and wanted == "auto":
        warnings.warn(
            "the compiled core is older than its sources or not built for this Python; "
            "running the pure-Python core (make core rebuilds it)",
            stacklevel=2,
        )
    if present:
        import sys

        sys.meta_path.insert(0, _SourcesOnly())
    return "python"


CORE = _choose()
