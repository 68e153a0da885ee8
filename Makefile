# The two commands a new user needs: `make demo` and `make test`.
.PHONY: demo test lint unit e2e clean

demo:
	./scripts/bootstrap.sh
	.venv/bin/supportkpi demo

test:
	./scripts/bootstrap.sh --with-monitoring
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/python -m pytest -p no:cacheprovider --durations=10

unit:
	.venv/bin/python -m pytest tests/unit -q

e2e:
	.venv/bin/python -m pytest tests/e2e -q

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

clean:
	rm -rf .venv .mypy_cache .ruff_cache build *.egg-info
