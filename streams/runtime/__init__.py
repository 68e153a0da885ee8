"""The Faust runtime: topics, the changelog table, agents, timers and the web endpoints."""
