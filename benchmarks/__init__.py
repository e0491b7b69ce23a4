"""Benchmarks (``make bench``, ``make bench-city``): run from the repository root."""
