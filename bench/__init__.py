"""Benchmarks and the fault-injection suite; importable so tests can run the fault driver (bench.faults)."""
