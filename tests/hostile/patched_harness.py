"""Hostile candidate: implements nothing; reaches the harness through `__main__` and
`sys.modules` and replaces its functions with ones that report success."""

import os
import sys


def passed(*args, **kwargs):
    return {"returned": {"compile_error": None, "imports": []}}


def no_mismatch(*args, **kwargs):
    return None


patched = []
for module in [sys.modules.get("__main__"), *list(sys.modules.values())]:
    for name, replacement in (
        ("answer", passed),
        ("encode", lambda value, depth: {"compile_error": None, "imports": []}),
        ("static_facts", lambda source: {"compile_error": None, "imports": []}),
        ("run_check", no_mismatch),
        ("first_mismatch", no_mismatch),
        ("compile_detail", no_mismatch),
    ):
        if module is not None and hasattr(module, name):
            try:
                setattr(module, name, replacement)
                patched.append(f"{getattr(module, '__name__', '?')}.{name}")
            except Exception:
                pass
os.write(2, f"EVIDENCE patched {patched}\n".encode())
