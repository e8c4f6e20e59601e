"""Waiting on another process's files by their events, never by a guessed delay.

A run tells no other process when it has written its record: the file itself is the event.
watchdog (MkDocs' own file watcher: inotify on Linux) reports each change under a folder, and
the wait checks again on each one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer


class _Changed(FileSystemEventHandler):
    def __init__(self) -> None:
        self.event = threading.Event()

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.event.set()


def wait_for_file(
    root: Path, pattern: str, holds: Callable[[Path], bool], timeout_s: float
) -> Path:
    """The first file under `root` matching the glob `pattern` of which `holds` is true,
    checked now and after every change under `root`.

    Raises:
        AssertionError: no such file after `timeout_s`.
    """
    changed = _Changed()
    observer = Observer()
    observer.schedule(changed, str(root), recursive=True)
    observer.start()
    try:
        deadline = time.monotonic() + timeout_s
        while (left_s := deadline - time.monotonic()) > 0:
            changed.event.clear()  # before looking: a change while we look wakes us again
            for path in sorted(root.glob(pattern)):
                if holds(path):
                    return path
            changed.event.wait(left_s)
    finally:
        observer.stop()
        observer.join()
    raise AssertionError(f"no {pattern} under {root} held after {timeout_s:g} s")
