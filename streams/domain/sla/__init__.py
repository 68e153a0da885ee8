"""SLA engine: policies, business-hours calendars and live clocks (pure domain logic)."""
