# The two commands a new user needs: `make demo` and `make test`.
.PHONY: demo test core lint unit e2e clean

demo:
	./scripts/bootstrap.sh
	.venv/bin/supportkpi demo

# the suite runs on the compiled core (as the image does), then the unit tests on the pure one
test:
	./scripts/bootstrap.sh --with-monitoring
	./scripts/compile_core.sh
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	SUPPORTKPI_CORE=compiled .venv/bin/python -m pytest -p no:cacheprovider --durations=10
	SUPPORTKPI_CORE=python .venv/bin/python -m pytest -p no:cacheprovider -q tests/unit

# mypyc-compiles streams/domain in place; a no-op while the build matches the sources
core:
	./scripts/compile_core.sh

unit:
	.venv/bin/python -m pytest tests/unit -q

e2e:
	.venv/bin/python -m pytest tests/e2e -q

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

clean:
	rm -rf .venv .mypy_cache .ruff_cache build *.egg-info streams/domain/_compiled_sources.txt
	find streams -name '*.so' -delete
