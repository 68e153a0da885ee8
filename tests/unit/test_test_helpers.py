"""The tests' own helpers have one home: a helper, factory or fake is defined in one file under
tests/, shared ones in tests/support/ (builders.py for states, events and fakes). A second copy
drifts from the first; this test names it instead."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import orjson

from streams.domain.events import Kind, decode
from tests.support.builders import (
    NOW,
    S,
    created,
    created_payload,
    replied,
    replied_payload,
)

TESTS = Path(__file__).resolve().parents[1]
# names two files may both define, each with the reason it is not a copy
ALLOWED: dict[str, str] = {}
# the clock's units and the fixed "now" are builders' alone, but for these two modules: they are
# written from the metrics contract and import nothing from streams (builders builds streams
# objects), so the oracle stays independent of the code it checks
TIME_NAMES = {"S", "M", "H", "D", "NOW", "MIN", "MINUTE", "HOUR", "DAY"}
OWN_CLOCK = {"support/builders.py", "support/oracle.py", "support/trace.py"}


def _is_fixture(node: ast.AST) -> bool:
    decorators = getattr(node, "decorator_list", [])
    for decorator in decorators:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ast.unparse(target) in ("pytest.fixture", "fixture"):
            return True
    return False


def _definitions(tree: ast.Module) -> list[tuple[str, bool]]:
    """Module-level functions and classes other than tests: (name, is a fixture)."""
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith(
            "test_"
        ):
            out.append((node.name, _is_fixture(node)))
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("Test"):
            out.append((node.name, False))
    return out


def _sources() -> dict[str, ast.Module]:
    return {
        path.relative_to(TESTS).as_posix(): ast.parse(path.read_text(), str(path))
        for path in sorted(TESTS.rglob("*.py"))
    }


def _overrides_a_conftest_fixture(name: str, where: str, conftest_fixtures: dict) -> bool:
    """pytest's way to change a fixture for one module: redefine it below its conftest.py."""
    return any(
        where != conftest and where.startswith(conftest.removesuffix("conftest.py"))
        for conftest in conftest_fixtures.get(name, ())
    )


def _defined_twice(sources: dict[str, ast.Module]) -> dict[str, list[str]]:
    """Names defined at module level in more than one file, with the files."""
    conftest_fixtures: dict[str, list[str]] = defaultdict(list)
    for where, tree in sources.items():
        for name, fixture in _definitions(tree):
            if fixture and where.endswith("conftest.py"):
                conftest_fixtures[name].append(where)
    defined: dict[str, list[str]] = defaultdict(list)
    for where, tree in sources.items():
        for name, fixture in _definitions(tree):
            if not (fixture and _overrides_a_conftest_fixture(name, where, conftest_fixtures)):
                defined[name].append(where)
    return {name: files for name, files in defined.items() if len(files) > 1}


def test_no_helper_factory_or_fake_is_defined_in_two_files() -> None:
    twice = _defined_twice(_sources())
    assert {n: f for n, f in twice.items() if n not in ALLOWED} == {}, (
        "define it once, in tests/support/ (builders.py) or a conftest.py"
    )
    assert set(ALLOWED) <= set(twice), "an allowed name is defined once now: drop it"


def test_the_check_finds_copies_and_lets_a_module_override_a_conftest_fixture() -> None:
    fixture = "import pytest\n@pytest.fixture\ndef processor(): ...\n"
    sources = {
        "unit/a.py": ast.parse("def _state(): ...\nclass Fake: ...\ndef test_x(): ...\n"),
        "unit/b.py": ast.parse("def _state(): ...\nclass Fake: ...\ndef test_x(): ...\n"),
        "unit/runtime/conftest.py": ast.parse(fixture),
        "unit/runtime/test_c.py": ast.parse(fixture),  # overrides it: pytest's own mechanism
        "e2e/test_d.py": ast.parse(fixture),  # not below that conftest.py: a copy
    }
    assert _defined_twice(sources) == {
        "_state": ["unit/a.py", "unit/b.py"],
        "Fake": ["unit/a.py", "unit/b.py"],
        "processor": ["unit/runtime/conftest.py", "e2e/test_d.py"],
    }


def test_time_constants_come_from_the_builders() -> None:
    found = []
    for where, tree in _sources().items():
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                found += [
                    (where, n.id)
                    for n in names
                    if isinstance(n, ast.Name) and n.id in TIME_NAMES and where not in OWN_CLOCK
                ]
    assert found == [], "import them from tests.support.builders"


def test_partition_states_are_built_by_the_one_factory() -> None:
    """``PartitionState(...)`` is spelled once, so a change to its constructor is made once."""
    calls = [
        where
        for where, tree in _sources().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == "PartitionState"
    ]
    assert calls == ["support/builders.py"], "use tests.support.builders.partition_state"


def test_the_payload_builders_decode_to_what_the_event_builders_build() -> None:
    """The two sets of event builders describe the same events, as publishers and as the
    processor see them."""
    doc = created_payload("T-1", NOW, "c-T-1", team="billing")
    assert decode(orjson.dumps(doc), Kind.CREATED) == created("T-1", NOW, team="billing")
    reply = replied_payload("T-1", NOW + S, "r1")
    assert decode(orjson.dumps(reply), Kind.REPLIED) == replied("T-1", NOW + S, "r1")
    note = replied_payload("T-1", NOW + S, "r2", public=False)
    assert decode(orjson.dumps(note), Kind.REPLIED) == replied("T-1", NOW + S, "r2", counts=False)
