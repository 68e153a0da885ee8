"""The drill-down to tickets: who is waiting, at risk or breached, by ticket id.

Each worker answers ``GET /tickets`` for the partitions it owns (``streams.runtime.tickets_view``
over ``streams.domain.sla.listing``); the stateless cluster view here merges every worker's
answer for the terminal (``supportkpi tickets``) and for Grafana (``supportkpi tickets --serve``).
docs/drilldown.md says what each field means.
"""
