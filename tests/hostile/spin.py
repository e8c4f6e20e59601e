"""Hostile candidate: spins the CPU on import (for at most an hour)."""

import time

deadline = time.monotonic() + 3600
while time.monotonic() < deadline:
    pass
