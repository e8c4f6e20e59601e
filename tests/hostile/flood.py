"""Hostile candidate: floods stdout and stderr. Bounded: 100 GB."""

import sys

LINE = "flood " * 1000 + "\n"

for _ in range(16_000_000):
    sys.stdout.write(LINE)
    sys.stderr.write(LINE)
