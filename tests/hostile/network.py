"""Hostile candidate: tries to reach a server on the host's loopback (and nothing else)."""

import socket

EVIDENCE = "__EVIDENCE__"
PORT = int("__PORT__")

try:
    socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
    outcome = "connected"
except OSError as error:
    outcome = f"{type(error).__name__}: {error}"
with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as channel:
    channel.sendto(outcome.encode(), EVIDENCE)
