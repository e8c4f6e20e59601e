"""Hostile candidate: leaves a daemon (setsid, double fork) that tries to outlive the evaluation.

The daemon reports its pid as the host sees it and its uid, then a heartbeat every 0.1 s for
10 s. The importer waits (up to 1 s) for the daemon to have reported itself, then carries on.
"""

import os
import select
import socket
import time

EVIDENCE = "__EVIDENCE__"


def report(message: str) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as channel:
        channel.sendto(message.encode(), EVIDENCE)


ready_r, ready_w = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        report(f"daemon {os.readlink('/proc/self')} {os.getuid()}")
        os.write(ready_w, b"!")
        for _ in range(100):
            time.sleep(0.1)
            report("heartbeat")
    os._exit(0)
select.select([ready_r], [], [], 1.0)
