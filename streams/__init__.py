"""supportkpi: customer-service KPIs from Kafka events, in event time, as Prometheus metrics.

``streams.domain`` is pure (no Faust, no prometheus_client); ``streams.metrics`` owns every metric
name; ``streams.runtime`` wires the router, the Faust agent, the changelog and the timers.
"""

__version__ = "0.1.0"
