"""Hostile candidate: hangs and swallows every exception the harness raises to stop it."""

import time

deadline = time.monotonic() + 3600
while time.monotonic() < deadline:
    try:  # noqa: SIM105 (spelled out: this is what the hostile code does)
        time.sleep(100)
    except BaseException:
        pass
