"""The metrics layer: ``kpis`` (the windowed KPI table) and ``contract`` (every family, once)
name each metric; the collectors export them, reading the partitions through ``readout``."""
