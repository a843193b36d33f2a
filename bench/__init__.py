"""Benchmarks that need more than the project's own dependencies (run as `python -m bench.<name>`)."""
