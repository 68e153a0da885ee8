"""Compiles the pure domain core with mypyc when SUPPORTKPI_COMPILE_CORE=1 (``make core``, the
image); otherwise the package is plain Python. pyproject.toml holds everything else."""

import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

ext_modules = []
if os.environ.get("SUPPORTKPI_COMPILE_CORE") == "1":
    from mypyc.build import mypycify

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)  # a PEP 517 build runs this file with the checkout off the path
    from streams.domain import compiled_sources

    sources = [os.path.relpath(path, here) for path in compiled_sources()]
    # one shared library inside the package, so an installed or editable package finds it
    ext_modules = mypycify(sources, group_name="streams.domain.native", opt_level="3")


class BuildAndStamp(build_ext):
    """Writes the digest of the compiled sources once the build has succeeded (the package
    uses a build only while the digest matches its sources)."""

    def run(self) -> None:
        if not ext_modules:
            super().run()
            return
        from streams.domain import BUILD_STAMP, source_digest

        digest = source_digest()  # before: an edit made while mypyc runs is not this build
        super().run()
        if self.inplace:
            BUILD_STAMP.write_text(digest + "\n")
        else:  # the wheel: beside the built modules, never in the source tree
            target = os.path.join(self.build_lib, "streams", "domain", BUILD_STAMP.name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w", encoding="utf-8") as stamp:
                stamp.write(digest + "\n")


setup(ext_modules=ext_modules, cmdclass={"build_ext": BuildAndStamp})
