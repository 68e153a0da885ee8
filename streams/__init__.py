"""supportkpi: customer-service KPIs from Kafka events, in event time, as Prometheus metrics.

``streams.domain`` is pure (no Faust, no prometheus_client); ``streams.metrics`` owns every metric
name; ``streams.runtime`` is the worker. ``streams.publishing`` serves the services that send
events (``streams.publish`` is its SDK's public path), ``streams.devtools`` development (broker,
simulator, demo, benchmarks) and ``streams.generate`` the generated files. docs/architecture.md
has the whole tree.
"""

__version__ = "0.1.0"
