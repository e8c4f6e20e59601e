"""Hostile candidate: a fork bomb. Bounded: at most 2**6 processes per importer, 30 s each."""

import os
import socket
import time

EVIDENCE = "__EVIDENCE__"


def report(message: str) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as channel:
        channel.sendto(message.encode(), EVIDENCE)


for _ in range(6):
    try:
        child = os.fork()
    except OSError:
        continue
    if child == 0:
        report(f"forked {os.getuid()}")
time.sleep(30)
