"""``supportkpi tickets``: the cluster view as a table, as JSON, or served for Grafana."""

from __future__ import annotations

import argparse
import asyncio
import sys

import orjson

from streams.config import Settings
from streams.domain.sla.listing import DEFAULT_LIMIT, STATES, QueryError
from streams.drilldown.wire import tickets_token


def add_parser(sub: argparse._SubParsersAction) -> None:
    tickets = sub.add_parser(
        "tickets",
        help="who is waiting, at risk or breached, by ticket, merged over every worker",
    )
    tickets.add_argument("--state", choices=STATES, help="(default: every running clock)")
    tickets.add_argument("--sla", help="first_response, next_reply, resolution, periodic_update")
    tickets.add_argument("--priority")
    tickets.add_argument("--team", help="as published")
    tickets.add_argument("--limit", type=int, default=DEFAULT_LIMIT)
    tickets.add_argument(
        "--workers",
        help="comma-separated worker URLs (default: SUPPORTKPI_WORKERS)",
    )
    tickets.add_argument(
        "--dns",
        help="name:port whose DNS lists the workers, e.g. a headless Service "
        "(default: SUPPORTKPI_WORKERS_DNS)",
    )
    tickets.add_argument("--json", action="store_true", help="print the merged JSON")
    tickets.add_argument("--serve", action="store_true", help="serve GET /tickets over HTTP")
    tickets.add_argument("--host", default="0.0.0.0")
    tickets.add_argument("--port", type=int, default=6068)
    tickets.set_defaults(run=tickets_command)


def tickets_command(args: argparse.Namespace) -> int:
    """Exit 0 when complete, 1 when a worker or a partition is missing, 2 on a usage error."""
    from streams.drilldown import table
    from streams.drilldown.cluster import cluster_view

    settings = Settings.from_env()
    workers = tuple(w for w in (args.workers or "").split(",") if w) or settings.workers
    dns = args.dns or settings.workers_dns
    token = tickets_token(settings)
    if token is None:
        print(
            "supportkpi tickets needs SUPPORTKPI_TICKETS_TOKEN_FILE (the workers' token)",
            file=sys.stderr,
        )
        return 2
    if not workers and not dns:
        print(
            "no workers: pass --workers or --dns (or SUPPORTKPI_WORKERS, _WORKERS_DNS)",
            file=sys.stderr,
        )
        return 2
    if args.serve:
        from aiohttp import web

        from streams.drilldown.server import build_app

        web.run_app(build_app(workers, dns, token), host=args.host, port=args.port)
        return 0
    params = {
        "state": args.state,
        "sla": args.sla,
        "priority": args.priority,
        "team": args.team,
        "limit": str(args.limit),
    }
    try:
        view = asyncio.run(
            cluster_view(workers, dns, token, {k: v for k, v in params.items() if v})
        )
    except QueryError as exc:
        print(f"supportkpi tickets: {exc}", file=sys.stderr)
        return 2
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(view, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        print(table.render(view))
    return 0 if view["complete"] else 1
