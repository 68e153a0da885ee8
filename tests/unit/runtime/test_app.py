"""The wiring (streams/runtime/app.py), on a Faust app that is built but never started: Faust's
own assignment signal reaches partition ownership and the statistics."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from faust.types import TP

from streams.config import Settings
from streams.runtime.app import Processor
from streams.runtime.changelog import Changelogs


def test_an_assignment_from_faust_rebuilds_the_events_partitions_and_prunes_their_lag(
    tmp_path: Path,
) -> None:
    processor = Processor(
        Settings.from_env({"SUPPORTKPI_DATA_DIR": str(tmp_path), "SUPPORTKPI_SLA_POLICY": ""})
    )
    reads: list[int] = []

    async def changelog_never_ends(
        partition: int, progress: Callable[[int], None], since: object = None
    ) -> Changelogs:
        reads.append(partition)
        await asyncio.Event().wait()
        return Changelogs({}, {}, (0, 0))

    processor.ownership.read_changelog = changelog_never_ends
    events, source = processor.settings.events_topic, "ticket-created"
    processor.stats.lag.update({(events, 0): 1, (events, 3): 2, (source, 3): 5})

    async def scenario() -> None:
        assigned = {TP(events, 0), TP(events, 1), TP(source, 3)}
        await processor.app.on_partitions_assigned.send(assigned)  # as Faust sends it
        await asyncio.sleep(0.01)
        assert processor.ownership.assigned == {0, 1} and sorted(reads) == [0]  # one at a time
        assert not processor.ownership.ready()

    asyncio.run(asyncio.wait_for(scenario(), timeout=10))
    assert processor.stats.rebalances == 1
    assert processor.stats.lag == {(events, 0): 1, (source, 3): 5}  # the router keeps its own


def test_the_category_settings_bound_every_partition_and_folds_reach_the_scrape(
    tmp_path: Path,
) -> None:
    from prometheus_client import generate_latest

    from tests.support.builders import created
    from tests.support.scrape import parse

    processor = Processor(
        Settings.from_env(
            {
                "SUPPORTKPI_DATA_DIR": str(tmp_path),
                "SUPPORTKPI_SLA_POLICY": "",
                "SUPPORTKPI_MAX_CATEGORIES": "2",
            }
        )
    )
    first, second = processor.new_state(), processor.new_state()
    assert first.categories is second.categories  # one set of labels per worker
    assert first.categories.cap == 2
    at = processor.clock.now_ms() - 1000  # inside the windows, not late
    for n, category in enumerate(["refund", "bug", "payment", "outage"]):
        (first if n % 2 else second).apply(created(f"T{n}", at, category=category))
    scraped = parse(generate_latest(processor.registry).decode())
    key = ("support_label_values_folded_total", (("label", "category"),))
    assert scraped[key] == 2
    assert scraped[("support_label_values_folded_total", (("label", "team"),))] == 0


def test_a_category_allow_list_comes_from_the_settings(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "SUPPORTKPI_DATA_DIR": str(tmp_path),
            "SUPPORTKPI_SLA_POLICY": "",
            "SUPPORTKPI_CATEGORIES": "refund, bug",
        }
    )
    assert settings.categories == ("refund", "bug") and settings.max_categories == 30
    state = Processor(settings).new_state()
    assert state.categories.allowed == {"refund", "bug"}
