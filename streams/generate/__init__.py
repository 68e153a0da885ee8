"""Files generated from the SLA policy and the metrics contract (``supportkpi generate``)."""
