"""For development: the embedded broker, the traffic simulator, the demo and the benchmarks.

Not for production: the broker needs the ``dev`` extra, and ``bench`` is left out of the wheel
(run it from a checkout). The simulator ships in the image, for the compose stack's traffic.
"""
