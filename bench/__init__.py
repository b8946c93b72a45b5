"""Benchmarks: `python -m bench.<name>`, each printing a table and ratios against its peers."""
