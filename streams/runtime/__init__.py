"""The worker: the Faust app and its wiring, the router, partition ownership, the changelog
written and read directly, and the fixes for the clients and the development broker."""
