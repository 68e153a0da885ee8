"""Pure domain logic: decoding, ticket records, KPI contributions, sliding windows.

Nothing in this package imports faust or prometheus_client, so it is tested with plain pytest.
"""
