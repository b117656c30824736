"""Benchmarks (never run as tests): the data generator, a throwaway Virtuoso, load timings."""
