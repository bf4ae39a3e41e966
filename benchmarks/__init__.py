"""Benchmarks of dhopt on the reference scenario: `python -m benchmarks --help`."""
