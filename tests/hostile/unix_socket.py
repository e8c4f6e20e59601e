"""Hostile candidate: tries to reach the host through unix sockets: a socket at a host path,
an abstract socket, and any socket it can find on the file system. Bounded: 50,000 entries."""

import os
import socket
import stat

TARGETS = ["__SOCKET__", "\0__ABSTRACT__"]
entries = 0
for folder, dirs, files in os.walk("/", onerror=lambda error: None):
    if folder.startswith("/proc") or entries > 50_000:
        dirs[:] = []
        continue
    for name in files:
        entries += 1
        path = os.path.join(folder, name)
        try:
            if stat.S_ISSOCK(os.lstat(path).st_mode):
                TARGETS.append(path)
        except OSError:
            pass
outcomes = []
for target in TARGETS:
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        try:
            with socket.socket(socket.AF_UNIX, kind) as channel:
                channel.settimeout(1)
                channel.connect(target)
                channel.send(b"hello from the sandbox")
            outcomes.append(f"connected {target!r}")
        except OSError as error:
            outcomes.append(f"{type(error).__name__}")
os.write(2, f"EVIDENCE {outcomes}\n".encode())
