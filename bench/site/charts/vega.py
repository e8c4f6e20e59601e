"""Draw charts with vl-convert in a process of their own: `python -m bench.site.charts.vega
SPEC SVG [SPEC SVG ...]` reads each spec file and writes its SVG (atomically).

A build that adds a run redraws its benchmark's trend charts (~0.5 s each with vl-convert,
which draws one chart at a time whatever the threads); started early in a second process, this
runs on the machine's other core while the build renders and publishes, and the build waits
for it before it publishes them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.record.files import write_atomic
from bench.site.charts.model import vega_svg


def draw(pairs: list[tuple[Path, Path]]) -> None:
    for spec, svg in pairs:
        write_atomic(svg, vega_svg(spec.read_text(encoding="utf-8")), durable=False)


def main(argv: list[str]) -> int:
    if len(argv) % 2:
        print("usage: python -m bench.site.charts.vega SPEC SVG [SPEC SVG ...]", file=sys.stderr)
        return 2
    draw([(Path(a), Path(b)) for a, b in zip(argv[::2], argv[1::2], strict=True)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
