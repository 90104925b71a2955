"""The fault suite (bench/faults.py) run small in CI, and its checks shown able to fail."""
