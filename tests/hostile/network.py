"""Hostile candidate: tries to reach a server on the host's loopback (and nothing else)."""

import os
import socket

PORT = int("__PORT__")

try:
    socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
    outcome = "connected"
except OSError as error:
    outcome = f"{type(error).__name__}: {error}"
os.write(2, f"EVIDENCE {outcome}\n".encode())
