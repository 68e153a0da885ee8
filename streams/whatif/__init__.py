"""SLA policy what-if: replay history through the current policy and a candidate, compare.

``history`` reads and replays the events into the worker's own pure core (``PartitionState``),
``outcomes`` decides every SLA clock under a policy, ``compare`` sets the two side by side,
and ``report``, ``chart`` and ``commands`` present it (``supportkpi sla whatif``).
"""
