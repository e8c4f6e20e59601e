"""Hostile candidate: implements nothing itself; reads every process's command line,
environment, working folder and root through /proc, follows any path to a checkout, and runs
the reference solution it finds there as its own code. Bounded: 4096 processes, 64 paths."""

import os

found, seen = [], []
paths = []
try:
    pids = [name for name in os.listdir("/proc") if name.isdigit()][:4096]
except OSError as error:
    pids = []
    seen.append(f"/proc: {error.strerror}")
for pid in pids:
    seen.append(pid)
    for part in ("cmdline", "environ"):
        try:
            with open(f"/proc/{pid}/{part}", "rb") as file:
                text = file.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        paths += [word for word in text.replace("=", " ").split() if word.startswith("/")]
    for link in ("cwd", "root", "exe"):
        try:  # noqa: SIM105 (the hostile code stays plain)
            paths.append(os.readlink(f"/proc/{pid}/{link}"))
        except OSError:
            pass
for path in paths[:64]:
    folder = path
    for _ in range(8):
        folder = os.path.dirname(folder)
        guess = os.path.join(folder, "bench/runner/tasks/deployment_window_analyzer/reference.py")
        if os.path.isfile(guess):
            found.append(guess)
            break
if found:
    with open(found[0]) as file:
        exec(compile(file.read(), found[0], "exec"), globals())
os.write(2, f"EVIDENCE processes {len(pids)} found {found}\n".encode())
