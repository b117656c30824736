"""Benchmarks (never run as tests): the data generator and load timings (the
throwaway Virtuoso they start is tests/virtuoso_server.py)."""
