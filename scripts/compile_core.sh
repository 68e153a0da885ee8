#!/usr/bin/env bash
# Compiles streams/domain with mypyc in place (the .so files sit beside the modules, which stay
# plain Python); does nothing while the build matches the sources. SUPPORTKPI_CORE=python
# ignores a build; see streams/domain/__init__.py.
set -euo pipefail
cd "$(dirname "$0")/.."
current=$(SUPPORTKPI_CORE=python .venv/bin/python -W ignore -c \
  'from streams.domain import build_is_current; print(build_is_current())')
if [ "$current" = True ]; then
  echo "compiled core: current"
  exit 0
fi
find streams/domain -name '*.so' -delete
rm -f streams/domain/_compiled_sources.txt
mkdir -p build
echo "compiling the core with mypyc (~30 s on 2 cores)"
SUPPORTKPI_CORE=python SUPPORTKPI_COMPILE_CORE=1 .venv/bin/python setup.py -q build_ext \
  --inplace --build-temp build/mypyc > build/mypyc.log 2>&1 || { tail -40 build/mypyc.log; exit 1; }
echo "compiled core: built"
