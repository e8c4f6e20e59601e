"""Hostile candidate: a fork bomb. Bounded: at most 2**6 processes per importer, 30 s each."""

import os
import time


def report(message: str) -> None:
    os.write(2, f"EVIDENCE {message}\n".encode())


for _ in range(6):
    try:
        child = os.fork()
    except OSError:
        continue
    if child == 0:
        report(f"forked {os.getuid()}")
time.sleep(30)
