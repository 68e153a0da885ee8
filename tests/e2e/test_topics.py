"""``supportkpi topics --check`` against the embedded broker over TCP: one line per topic, and
an exit code an init container or a CI job can gate on."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from streams.config import Settings
from streams.runtime.topics import expected_partitions, partition_counts
from tests.conftest import isolated_env
from tests.support.processes import Broker, supportkpi

pytestmark = pytest.mark.e2e


def _check_statuses(stdout: str) -> dict[str, str]:
    """Topic name -> status, from the check's lines."""
    return {line.split()[0]: line.split()[-1] for line in stdout.splitlines()}


def test_the_check_passes_on_the_default_twelve_partitions(broker: Broker, tmp_path: Path) -> None:
    env, settings = isolated_env(broker, tmp_path)  # its topics made by ensure_topics
    assert settings.partitions == 12
    result = supportkpi(env, "topics", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    statuses = _check_statuses(result.stdout)
    assert statuses == dict.fromkeys(expected_partitions(settings), "ok")
    assert all(" 12 " in line for line in result.stdout.splitlines())


def test_the_check_names_each_mismatch_and_missing_topic_and_creates_nothing(
    broker: Broker, tmp_path: Path
) -> None:
    env, settings = isolated_env(broker, tmp_path, partitions="4")
    assert supportkpi(env, "topics", "--check").returncode == 0  # as created: 4 partitions
    other = dict(env, SUPPORTKPI_PARTITIONS="12", SUPPORTKPI_APP_ID=f"{settings.app_id}-other")
    result = supportkpi(other, "topics", "--check")
    assert result.returncode == 1, result.stdout + result.stderr
    statuses = _check_statuses(result.stdout)
    expected = Settings.from_env(other)
    internal = set(expected_partitions(expected)) - set(expected.source_topics)
    assert statuses == {
        **dict.fromkeys(expected.source_topics, "MISMATCH"),  # 4 on the broker, 12 wanted
        **dict.fromkeys(internal, "missing"),  # another app id's: never created
    }
    line = next(li for li in result.stdout.splitlines() if li.startswith(settings.topic_prefix))
    assert line.split()[1:5] == ["expected", "12", "actual", "4"]
    assert f"{len(statuses)} of {len(statuses)} topics differ" in result.stderr
    assert internal.isdisjoint(asyncio.run(partition_counts(expected)))  # a check, not a create
