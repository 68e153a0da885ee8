"""The shape of ``streams/``: imports go one way, modules stay small, layers keep their place.

Imports are read from the source with ``ast`` (every ``import`` statement, inside functions
too), relative and ``from streams import x`` forms resolved to the module they name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import NamedTuple

import streams

PACKAGE = Path(streams.__file__).resolve().parent
MAX_LINES = 300
# what the processor runs (and the SDK): none of it may need a generator or a development tool
RUN_TIME = ("streams.runtime", "streams.metrics", "streams.domain", "streams.publishing")
DEV_ONLY = ("streams.generate", "streams.devtools")
FRAMEWORKS = ("faust", "mode", "aiokafka", "prometheus_client")


class Import(NamedTuple):
    importer: str
    target: str  # the deepest module of streams it names, or the top-level name outside it
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _named(name: str) -> str:
    """The module ``name`` refers to: itself if it is one, else its deepest module parent."""
    while name not in modules() and "." in name:
        name = name.rpartition(".")[0]
    return name


def imports_of(name: str) -> Iterator[Import]:
    path = modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, _named(alias.name), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:  # `from streams import x`: x may be a module
                full = f"{base}.{alias.name}"
                yield Import(name, _named(full if full in modules() else base), node.lineno)


def internal_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in modules()}
    for name in modules():
        for found in imports_of(name):
            if found.target in modules() and found.target != name:
                graph[name].add(found.target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _inside(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_the_reader_sees_what_the_checks_rely_on() -> None:
    """The import reader resolves every form used in streams/ (else the checks prove nothing)."""
    found = {(i.importer, i.target) for name in modules() for i in imports_of(name)}
    assert ("streams.__main__", "streams.cli") in found  # from streams.cli import main
    assert ("streams.cli", "streams.devtools.demo") in found  # inside a function
    assert ("streams.publish", "streams.publishing.publish") in found
    assert ("streams.devtools.bench.run", "streams.devtools.bench.latency") in found
    assert ("streams.runtime.app", "faust") in found
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_between_modules_of_streams() -> None:
    assert cycles(internal_graph()) == []


def test_no_module_in_streams_is_longer_than_300_lines() -> None:
    lengths = {name: len(path.read_text().splitlines()) for name, path in modules().items()}
    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}


def test_the_domain_needs_no_framework_and_nothing_of_streams_outside_it() -> None:
    bad = [
        found
        for name in modules()
        if _inside(name, ("streams.domain",))
        for found in imports_of(name)
        if _inside(found.target, FRAMEWORKS)
        or (_inside(found.target, ("streams",)) and not _inside(found.target, ("streams.domain",)))
    ]
    assert bad == []


def test_nothing_the_processor_runs_imports_a_generator_or_a_development_tool() -> None:
    bad = [
        found
        for name in modules()
        if _inside(name, RUN_TIME)
        for found in imports_of(name)
        if _inside(found.target, DEV_ONLY)
    ]
    assert bad == []
