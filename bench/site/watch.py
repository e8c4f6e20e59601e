"""Watching the archive while `mkdocs serve` runs: the system's own file events, not polling.

MkDocs' server polls what it watches every half second, listing every folder below it: for
an archive of 10,000 runs (~45,000 files and folders) each poll costs about half a second of
CPU, so the watcher keeps a core busy for as long as the server runs and holds the interpreter
from every rebuild. The archive is watched with watchdog's native observer instead (inotify,
FSEvents, ReadDirectoryChangesW); each change it reports replaces one small file of the build
cache, which the server polls at no cost, and the server rebuilds as for any watched change.
Where the system gives no events (too many folders for its watches, say), the archive is
polled as before. A watch is added to each of the archive's folders, ~1 s at 10,000 runs: on
a thread of its own, which the server's first page does not wait for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from bench.record.files import write_atomic

SIGNAL_NAME = "changed"


class ArchiveWatch(FileSystemEventHandler):
    """The archive's changes, each replacing `signal_dir`'s one file (`signal`)."""

    def __init__(self, archive_dir: Path, signal_dir: Path) -> None:
        self.archive_dir = archive_dir
        self.signal_dir = signal_dir
        self._observer: BaseObserver | None = None
        self._starting: threading.Thread | None = None
        self._count = 0
        self._lock = threading.Lock()

    @property
    def signal(self) -> Path:
        return self.signal_dir / SIGNAL_NAME

    def start(self, unwatched: Callable[[], None]) -> None:
        """Watch the archive, from a thread of its own; `unwatched()` there if the system's
        events cannot watch it (the caller polls it then). The signal's file is made first."""
        self.signal_dir.mkdir(parents=True, exist_ok=True)
        self._replace()
        self._starting = threading.Thread(
            target=self._observe, args=(unwatched,), name="bench-archive-watch", daemon=True
        )
        self._starting.start()

    def _observe(self, unwatched: Callable[[], None]) -> None:
        observer = Observer()
        try:
            observer.schedule(self, str(self.archive_dir), recursive=True)
            observer.start()
        except OSError:
            observer.stop()
            unwatched()
            return
        self._observer = observer

    def stop(self) -> None:
        """The watch ended (once it has started)."""
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self._observer is not None:
            self._observer.stop()
            self._observer.join()
            self._observer = None

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in ("opened", "closed_no_write"):  # reads change nothing
            self._replace()

    def _replace(self) -> None:
        """A new file in place of the signal (a new inode: seen by any poll, however soon)."""
        with self._lock:
            self._count += 1
            write_atomic(self.signal, f"{self._count}\n", durable=False)
