"""Hostile candidate: eats memory, 64 MiB at a time. Bounded: 4 GiB."""

import os

CHUNK_MIB = 64

hoard = []
try:
    for _ in range(64):
        hoard.append(b"\1" * (CHUNK_MIB << 20))
finally:
    os.write(2, f"EVIDENCE held MiB {len(hoard) * CHUNK_MIB}\n".encode())
