"""Which core runs: the compiled build only while it matches the sources, the pure one on demand.

Each case imports the package in a fresh interpreter, since the choice is made at import. The
stale-build cases copy the package (with its build, if there is one) and change one source.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import streams
import streams.domain

PACKAGE = Path(streams.__file__).parent
SHOW = (
    "import streams.domain as d, streams.domain.partition as p, streams.domain.sla.clocks as c;"
    "print(d.CORE, Path(p.__file__).suffix, Path(c.__file__).suffix)"
)
BUILT = any(Path(streams.domain.HERE).rglob("*.so"))


def _import(root: Path, core: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SUPPORTKPI_CORE": core, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-c", "from pathlib import Path;" + SHOW],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def _stale_copy(tmp_path: Path) -> Path:
    """The package with its build, one of whose compiled sources then changed."""
    shutil.copytree(PACKAGE, tmp_path / "streams", ignore=shutil.ignore_patterns("__pycache__"))
    source = tmp_path / "streams" / "domain" / "windows.py"
    source.write_text(source.read_text() + "\n# changed after the build\n")
    return tmp_path


def test_the_pure_core_is_chosen_with_python_even_beside_a_build() -> None:
    done = _import(PACKAGE.parent, "python")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["python", ".py", ".py"]


def test_an_unknown_choice_fails_at_import_and_names_the_choices() -> None:
    done = _import(PACKAGE.parent, "fast")
    assert done.returncode != 0
    assert "SUPPORTKPI_CORE must be auto, python or compiled" in done.stderr


@pytest.mark.skipif(not BUILT, reason="no compiled core here (make core builds it)")
def test_a_current_build_is_what_runs_by_default() -> None:
    done = _import(PACKAGE.parent, "auto")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["compiled", ".so", ".so"]


@pytest.mark.skipif(not BUILT, reason="no compiled core here (make core builds it)")
def test_a_build_older_than_its_sources_is_never_used(tmp_path: Path) -> None:
    root = _stale_copy(tmp_path)
    done = _import(root, "auto")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["python", ".py", ".py"]
    assert "the compiled core is older than its sources" in done.stderr


@pytest.mark.skipif(not BUILT, reason="no compiled core here (make core builds it)")
def test_asking_for_the_compiled_core_fails_when_the_build_is_stale(tmp_path: Path) -> None:
    done = _import(_stale_copy(tmp_path), "compiled")
    assert done.returncode != 0
    assert "the compiled core is older than its sources: make core" in done.stderr


@pytest.mark.skipif(not BUILT, reason="no compiled core here (make core builds it)")
def test_a_build_with_a_module_missing_is_no_build(tmp_path: Path) -> None:
    """Its compiled callers would use the copy in the shared library, the importer the .py."""
    shutil.copytree(PACKAGE, tmp_path / "streams", ignore=shutil.ignore_patterns("__pycache__"))
    next((tmp_path / "streams" / "domain").glob("windows.*.so")).unlink()
    assert _import(tmp_path, "auto").stdout.split() == ["python", ".py", ".py"]
    refused = _import(tmp_path, "compiled")
    assert refused.returncode != 0 and "is not built for this Python" in refused.stderr
