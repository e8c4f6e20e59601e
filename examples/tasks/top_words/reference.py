"""Reference solution of the example task `top_words`: it scores 100."""

from __future__ import annotations

import re
from collections import Counter


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    counts = Counter(re.findall(r"[a-z]+", text.lower()))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]
