"""Draw charts with vl-convert in a process of their own: `python -m bench.site.charts.vega`
reads `SPEC\0SVG\0...` from its input, and for each pair reads the spec file and writes its SVG
(atomically, its digest beside it: `bench.site.cache.seal`); `python -m bench.site.charts.vega
SPEC SVG ...` draws those.

A build that adds a run redraws its benchmark's trend charts (~0.5 s each with vl-convert,
which draws one chart at a time whatever the threads). The build starts this process first
thing, so vl-convert starts (~1 s) while the archive is read; it runs on the machine's other
core while the build goes on, and the build waits for it before it publishes the charts.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.site.cache import seal
from bench.site.charts.model import vega_svg


def draw(pairs: list[tuple[Path, Path]]) -> None:
    for spec, svg in pairs:
        seal(svg, vega_svg(spec.read_text(encoding="utf-8")))


def main(argv: list[str]) -> int:
    if len(argv) % 2:
        print("usage: python -m bench.site.charts.vega [SPEC SVG ...]", file=sys.stderr)
        return 2
    if argv:
        draw([(Path(a), Path(b)) for a, b in zip(argv[::2], argv[1::2], strict=True)])
        return 0
    import vl_convert  # started before the first chart is known

    vl_convert.vegalite_to_svg({"mark": "point"})
    paths = sys.stdin.read().split("\0")[:-1]
    return main(paths) if paths else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
