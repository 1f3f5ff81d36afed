"""Pure helpers for the benchmarks: data samples, corruptions, rendering, metrics and tables.

Kept separate from ``bench/run.py`` so the parts that decide the numbers (what counts as a
corruption, how precision is computed) are unit-tested without a server or the network.
"""
