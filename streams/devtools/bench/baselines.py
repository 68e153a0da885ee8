"""Baseline Faust apps for the benchmark, each run as its own worker process.

``floor``: an agent that iterates the stream and updates a plain dict (the framework's ceiling).
``naive``: an agent that writes one changelog-backed Table key per event (how most Faust apps are
written). Each writes ``{"first": t0, "last": t1, "events": n}`` to ``--result`` once it has
seen ``--events`` events.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import faust
import orjson


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("variant", choices=["floor", "naive"])
    parser.add_argument("--broker", required=True)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--topics", required=True)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--web-port", type=int, required=True)
    parser.add_argument("--result", required=True, help="file to write the timing JSON to")
    args = parser.parse_args()
    app = faust.App(
        args.app_id,
        broker=args.broker,
        store="memory://",
        topic_partitions=args.partitions,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=3,
        broker_heartbeat_interval=0.75,
        table_standby_replicas=0,
        web_port=args.web_port,
        web_bind="127.0.0.1",
        datadir=f"/tmp/{args.app_id}",
    )
    topic = app.topic(*args.topics.split(","), key_type=bytes, value_type=bytes)
    seen = {"n": 0, "first": 0.0}
    counts: dict[Any, int] = {}
    table = (
        app.Table("counts", default=int, partitions=args.partitions)
        if args.variant == "naive"
        else None
    )

    def done() -> None:
        with open(args.result, "wb") as out:  # Faust redirects stdout to its logger
            out.write(
                orjson.dumps(
                    {"first": seen["first"], "last": time.perf_counter(), "events": seen["n"]}
                )
            )
        os._exit(0)

    @app.agent(topic)
    async def consume(stream: Any) -> None:
        async for event in stream.events():
            if not seen["n"]:
                seen["first"] = time.perf_counter()
            seen["n"] += 1
            doc = orjson.loads(event.message.value)
            key = doc.get("ticket_id") or doc["event_id"]
            if table is not None:
                table[key] += 1
            else:
                counts[key] = counts.get(key, 0) + 1
            if seen["n"] >= args.events:
                done()

    worker = faust.Worker(app, loglevel="warning")
    worker.spinner = None  # else the root logger is set to DEBUG (see streams.cli.cmd_worker)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
