"""Hostile candidate: hangs on import."""

import time

time.sleep(3600)
