"""``supportkpi sla whatif``: what a candidate SLA policy would have done to past traffic."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    sla = sub.add_parser("sla", help="SLA policy tools")
    tools = sla.add_subparsers(dest="sla_command", required=True)
    whatif = tools.add_parser(
        "whatif",
        help="replay history through the current policy and a candidate, side by side",
    )
    whatif.add_argument("history", type=Path, help="events, JSON Lines or CSV (as for replay)")
    whatif.add_argument("--policy", required=True, type=Path, help="the candidate policy file")
    whatif.add_argument(
        "--current", type=Path, help="the policy in force (default: SUPPORTKPI_SLA_POLICY)"
    )
    whatif.add_argument("--csv", type=Path, help="also write the comparison as CSV")
    whatif.add_argument("--chart", type=Path, help="also write daily compliance as a PNG")
    whatif.add_argument("--sample", type=int, default=5, help="ticket ids shown per change")
    whatif.add_argument("--quiet", action="store_true", help="no progress bars")
    whatif.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Exit 0 with the comparison, 2 when a policy or the history cannot be read."""
    from streams.config import Settings
    from streams.domain.contributions import DEFAULT_DURATION_BUCKETS_S
    from streams.domain.sla.objectives import Exports
    from streams.domain.sla.policy import PolicyError, load_policy
    from streams.whatif import chart, history, outcomes, report
    from streams.whatif.compare import compare

    settings = Settings.from_env()
    current_path = str(args.current or settings.sla_policy_path or "")
    if not current_path:
        return _fail("no current policy: pass --current or set SUPPORTKPI_SLA_POLICY")
    if args.chart and not chart.available():
        return _fail(f"--chart needs matplotlib: {chart.INSTALL}")
    exports = Exports(settings.windows, DEFAULT_DURATION_BUCKETS_S)
    try:
        policies = [load_policy(p, exports) for p in (current_path, str(args.policy))]
    except (OSError, PolicyError) as exc:
        return _fail(str(exc))
    if not args.history.is_file():
        return _fail(f"{args.history}: no such file")
    past = history.read(args.history, settings, progress=not args.quiet)
    current, candidate = (outcomes.decided(past.records, p, past.newest_ms) for p in policies)
    comparison = compare(current, candidate)
    failed = f", {past.failed:,} failed as in a worker's dead letters" if past.failed else ""
    print(f"{past.events:,} events ({past.invalid:,} invalid skipped{failed}), "
          f"{comparison.tickets:,} tickets timed by an SLA")  # fmt: skip
    print(report.render(comparison, current_path, str(args.policy), args.sample))
    if args.csv:
        report.write_csv(comparison, args.csv)
    if args.chart:
        names = f"current ({Path(current_path).name})", f"candidate ({args.policy.name})"
        chart.write_png(comparison, args.chart, *names)
    return 0


def _fail(message: str) -> int:
    print(f"supportkpi sla whatif: {message}", file=sys.stderr)
    return 2
