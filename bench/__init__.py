"""The benchmark (bench/bench.py): run it as ``python -m bench`` from the repository root."""
