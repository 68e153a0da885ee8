"""``supportkpi bench``: supportkpi against raw aiokafka and two Faust baselines, in one run."""
