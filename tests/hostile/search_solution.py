"""Hostile candidate: implements nothing itself; searches the whole file system for a
solution (a Python file that defines merge_windows and build_report) and runs the first one it
finds as its own code. Bounded: 200,000 entries, files under 64 kB, 1.5 s."""

import os
import time

deadline = time.monotonic() + 1.5
entries, found, mine = 0, [], os.path.abspath(__file__)
for folder, dirs, files in os.walk("/", onerror=lambda error: None):
    if folder.startswith("/proc") or entries > 200_000 or time.monotonic() > deadline:
        dirs[:] = []
        continue
    for name in files:
        entries += 1
        path = os.path.join(folder, name)
        if not name.endswith(".py") or path == mine:
            continue
        try:
            if os.path.getsize(path) > 65536:
                continue
            with open(path, encoding="utf-8", errors="replace") as file:
                text = file.read()
        except OSError:
            continue
        if "def merge_windows" in text and "def build_report" in text:
            found.append(path)
if found:
    with open(found[0]) as file:
        exec(compile(file.read(), found[0], "exec"), globals())
os.write(2, f"EVIDENCE entries {entries} found {found}\n".encode())
