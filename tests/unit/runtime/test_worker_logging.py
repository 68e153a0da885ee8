"""The worker must not turn on DEBUG logging behind the user's back (it costs every event)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from streams.cli import build_worker
from streams.config import Settings


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield root
    root.setLevel(level)
    root.handlers[:] = handlers


@pytest.mark.parametrize("loglevel", ["warning", "error", "info"])
def test_debug_records_are_not_built_at_the_chosen_level(
    root_logger: logging.Logger, loglevel: str
) -> None:
    worker = build_worker(Settings.from_env({}), loglevel)
    worker._setup_logging()  # what execute_from_commandline does first
    assert not logging.getLogger("aiokafka.producer.producer").isEnabledFor(logging.DEBUG)
    assert root_logger.getEffectiveLevel() == logging.getLevelName(loglevel.upper())
