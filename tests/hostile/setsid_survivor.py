"""Hostile candidate: leaves a daemon (setsid, double fork) that tries to outlive the evaluation.

The daemon reports its uid, then a heartbeat every 0.1 s for 10 s. The importer waits (up to
1 s) for the daemon to have reported itself, then carries on.
"""

import os
import select
import time


def report(message: str) -> None:
    os.write(2, f"EVIDENCE {message}\n".encode())


ready_r, ready_w = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        report(f"daemon {os.getuid()}")
        os.write(ready_w, b"!")
        for _ in range(100):
            time.sleep(0.1)
            report("heartbeat")
    os._exit(0)
select.select([ready_r], [], [], 1.0)
