"""The metrics layer: every metric name and label lives in ``contract``; collectors export them."""
