"""``supportkpi bench``: supportkpi against raw aiokafka and two Faust baselines, in one run.

``run`` plans a run and prints its tables; ``harness`` holds what every part shares (the run, its
workers, the preload); ``throughput``, ``latency``, ``scale``, ``recovery``, ``footprint`` and
``ingest`` measure one thing each; ``baselines`` are the Faust apps compared against; ``profile``
samples a worker with py-spy. Run from a checkout: the wheel leaves this package out.
"""
