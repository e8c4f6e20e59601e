"""Hostile candidate: fills the disk with one big file, then many files, in its own folder and
in every shared place it can think of. Bounded: 1 GiB per file, 1024 files."""

import os

MIB = b"\0" * (1 << 20)


def report(message: str) -> None:
    os.write(2, f"EVIDENCE {message}\n".encode())


def fill(path: str, mib: int) -> int:
    written = 0
    try:
        with open(path, "wb") as file:
            for _ in range(mib):
                file.write(MIB)
                file.flush()
                written += 1
    except OSError as error:
        report(f"{path} stopped: {error.strerror}")
    return written


report(f"big file MiB {fill(f'big-{os.getpid()}.bin', 1024)}")
total = 0
for n in range(1024):
    written = fill(f"part-{os.getpid()}-{n}.bin", 1)
    total += written
    if not written:
        break
report(f"many files MiB {total}")
for folder in ("/tmp", "/var/tmp", "/", "/usr", os.path.dirname(os.getcwd())):
    fill(os.path.join(folder, f"bench-hostile-{os.getuid()}-{os.getpid()}.bin"), 1)
