"""Memory per open ticket, the ``/metrics`` render time and the drill-down's (``/tickets``),
with the real model, in process.

Each measurement runs in a fresh process: peak RSS growth only means something from a clean
start. ``footprint_events`` also feeds the restart benchmark (``recovery``).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import orjson

from streams.config import Settings
from streams.domain.events import Kind
from streams.domain.partition import PartitionState


def footprint_report(open_tickets: int, repeat: int = 1) -> str:
    """Memory per open ticket (each ticket shape) and /metrics render time, min/median/max.

    Bytes per open ticket divide the whole growth by the tickets, so they include what a
    partition holds whatever its size (caches of a bounded size, the windows); bytes per added
    ticket divide the growth from half the tickets to all of them, which those leave out.
    """
    rows = [
        "| open tickets | shape | bytes per open ticket (min / median / max) | "
        "bytes per added ticket, half to all (min / median / max) | "
        "/metrics render ms (min / median / max) | series | customers | "
        "/tickets ms: whole (min / median / max) | its longest slice ms |",
        "|---|---|---|---|---|---:|---:|---|---|",
    ]
    half = open_tickets // 2
    for shape in SHAPES:
        runs = [_footprint_in_subprocess(open_tickets, shape) for _ in range(repeat)]
        keys = ("bytes_per_open_ticket", "metrics_render_ms", "tickets_ms", "tickets_slice_ms")
        per, render, listing, pause = ([r[k] for r in runs] for k in keys)
        added = [_added_bytes(run, half) for run in runs] if half else per
        rows.append(
            f"| {open_tickets:,} | {shape} | {_spread(per, '.0f')} | {_spread(added, '.0f')} | "
            f"{_spread(render, '.1f')} | {int(runs[0]['metrics_series']):,} | "
            f"{int(runs[0]['customers']):,} | {_spread(listing, '.0f')} | {max(pause):.1f} |"
        )
    text = "\n".join(rows)
    print(text)
    return text


def _added_bytes(run: dict[str, Any], half: int) -> float:
    """Bytes per ticket added from ``half`` open tickets to those of ``run`` (a fresh process
    of the same shape at ``half``)."""
    halved = _footprint_in_subprocess(half, run["shape"])
    return (run["grown_bytes"] - halved["grown_bytes"]) / (run["open_tickets"] - half)


def _spread(values: list[float], fmt: str) -> str:
    return " / ".join(format(v, fmt) for v in (min(values), statistics.median(values), max(values)))


def _footprint_in_subprocess(open_tickets: int, shape: str) -> dict[str, Any]:
    """A fresh process per measurement: peak RSS growth is only meaningful from a clean start."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, orjson; from streams.devtools.bench.footprint "
            "import state_footprint as f; sys.stdout.buffer.write(orjson.dumps("
            f"f({open_tickets}, {shape!r})))",
        ],
        capture_output=True,
        check=True,
        timeout=3600,
    )
    return dict(orjson.loads(out.stdout))


# "new": created, nothing else yet (the bulk of a backlog after a spike); "in progress":
# created, a bot acknowledgement, the first agent reply, a customer answer waiting for the next
# reply, a status change and a transfer to another team -- six events, two running SLA
# clocks. Each ticket names a category and a customer (about 0.9 customers per ticket, so some
# return: the customers' state is counted too); "new, no customer" leaves the customers out, so
# the difference is what the customers' state costs.
SHAPES = ("new", "in progress", "new, no customer")


def footprint_events(
    open_tickets: int, shape: str, now_ms: int, seed: int = 1
) -> Iterator[tuple[Kind, bytes]]:
    """Wire-format events (as publishers send them) that leave ``open_tickets`` tickets open."""
    import random

    from streams.devtools.simulate import CHANNELS, PRIORITIES, rfc3339

    rng = random.Random(seed)
    channels, priorities = list(CHANNELS), list(PRIORITIES)
    teams = ["billing", "tech", "accounts", "enterprise"]

    def event(kind: Kind, at_ms: int, **fields: object) -> tuple[Kind, bytes]:
        return kind, orjson.dumps(
            {
                "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "occurred_at": rfc3339(at_ms),
                **fields,
            }
        )

    categories = ["technical_fault", "payment", "product_quality", "delivery", "account"]
    customers = max(1, open_tickets * 9 // 10)
    for n in range(open_tickets):
        ticket, at = f"T-{seed}-{n}", now_ms - rng.randrange(86_400_000)
        customer = None if shape.endswith("no customer") else f"C-{rng.randrange(customers)}"
        yield event(
            Kind.CREATED,
            at,
            ticket_id=ticket,
            channel=rng.choice(channels),
            priority=rng.choice(priorities),
            team=rng.choice(teams),
            category=rng.choice(categories),
            customer_id=customer,
        )
        if shape == "in progress":
            agent = f"A-{rng.randrange(500)}"
            yield event(Kind.REPLIED, at + 100, ticket_id=ticket, agent_id="bot", author="bot")
            yield event(Kind.REPLIED, at + 60_000, ticket_id=ticket, agent_id=agent)
            yield event(Kind.UPDATED, at + 60_100, ticket_id=ticket, status="pending")
            yield event(Kind.CUSTOMER_REPLIED, at + 120_000, ticket_id=ticket)
            yield event(Kind.UPDATED, at + 130_000, ticket_id=ticket, team=rng.choice(teams))


def state_footprint(open_tickets: int, shape: str = "new") -> dict[str, Any]:
    """Bytes per open ticket and /metrics render time, in process, with the real model.

    Events go through the real decoder, so every string is a fresh object as in the worker.
    """
    import gc
    import resource

    from prometheus_client import CollectorRegistry, generate_latest

    from streams.metrics.collectors import HealthCollector, KpiCollector
    from streams.runtime.clock import EventClock
    from streams.runtime.states import StateFactory
    from streams.runtime.stats import ProcessorStats

    clock = EventClock()  # the wall clock, as a live worker
    new_state = StateFactory(Settings.from_env(), clock)  # a worker's state, as configured
    model, state = new_state.model, new_state()
    now = state.now_ms
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fill(state, open_tickets, shape)
    gc.collect()
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    opened = sum(dims.tickets for dims in state.backlog().values())
    if opened != open_tickets:
        raise AssertionError(f"{opened} tickets open, expected {open_tickets}")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(KpiCollector(lambda: [state], lambda: now, model.buckets_ms))
    registry.register(HealthCollector(ProcessorStats(clock), lambda: [state], ["t"]))
    renders = []
    for _ in range(5):
        started = time.perf_counter()
        body = generate_latest(registry)
        renders.append(time.perf_counter() - started)
    whole_ms, slice_ms = _drilldown_ms(state, now)
    return {
        "open_tickets": open_tickets,
        "shape": shape,
        "grown_bytes": grown_kib * 1024,
        "bytes_per_open_ticket": grown_kib * 1024 / open_tickets,
        "tickets_ms": whole_ms,
        "tickets_slice_ms": slice_ms,
        "metrics_render_ms": statistics.median(renders) * 1000,
        "metrics_series": body.count(b"\n") - body.count(b"# "),
        "customers": len(state.customers.records),
    }


def _drilldown_ms(state: PartitionState, now_ms: int) -> tuple[float, float]:
    """``GET /tickets?state=upcoming&limit=10`` over the state, as the worker lists it (a
    slice of keys between two yields): the whole listing, and its longest slice, which is
    the longest the event loop waits for it."""
    from streams.domain.sla.listing import ClockQuery, Listing
    from streams.runtime.tickets_view import slices

    started = time.perf_counter()
    listing, longest = Listing(ClockQuery(state="upcoming", limit=10), now_ms), 0.0
    for keys in slices(state):
        begun = time.perf_counter()
        listing.add(state, keys)
        longest = max(longest, time.perf_counter() - begun)
    if len(listing.rows()) != min(10, listing.matched) or not listing.matched:
        raise AssertionError(f"the drill-down listed {listing.matched} clocks")
    return (time.perf_counter() - started) * 1000, longest * 1000


def fill(state: PartitionState, open_tickets: int, shape: str) -> None:
    """Leave ``open_tickets`` tickets of ``shape`` open in ``state``, as a worker would: the
    events decoded, the contacts applied, the changed records drained after every batch."""
    from streams.domain.contacts import contact_of
    from streams.domain.customer_digest import UNSET_KEY
    from streams.domain.events import decode

    for kind, raw in footprint_events(open_tickets, shape, state.now_ms):
        event = decode(raw, kind)
        state.apply(event)
        contact = contact_of(event, UNSET_KEY)  # what the router re-keys by customer
        if contact is not None:
            state.customers.apply(contact, state.late_before_ms)
        if len(state.dirty) >= 1000:  # the worker drains after every batch
            _drain(state)
    _drain(state)
    state.drop_caches()  # the small recent-contributions cache is not per-ticket state


def _drain(state: PartitionState) -> None:
    """What the worker does after each batch: persist the changed records, advance the state
    (its windows take in the batch's additions)."""
    state.advance(state.now_ms)
    for store in (state, state.customers):
        for _ in store.drain_dirty():
            pass
