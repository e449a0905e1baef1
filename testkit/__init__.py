"""Test doubles shared by the tests and the benchmarks (not shipped with the product):
the local fake Slack (Web API, Socket Mode, OAuth, file uploads) and a fast
deterministic embedder for plumbing that does not need language understanding."""
