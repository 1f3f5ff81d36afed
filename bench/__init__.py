"""Benchmarks for the reference auditor (run them with ``python bench/run.py``)."""
