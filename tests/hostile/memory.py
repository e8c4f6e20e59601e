"""Hostile candidate: eats memory, 64 MiB at a time. Bounded: 4 GiB."""

import socket

EVIDENCE = "__EVIDENCE__"
CHUNK_MIB = 64

hoard = []
try:
    for _ in range(64):
        hoard.append(b"\1" * (CHUNK_MIB << 20))
finally:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as channel:
        channel.sendto(f"held MiB {len(hoard) * CHUNK_MIB}".encode(), EVIDENCE)
