"""bench: benchmark local language models on code generation and publish every run.

Three packages and one seam each: `bench.record` (the run record: schema, loading, derived
figures), `bench.runner` (asks models, evaluates candidates, writes records) and `bench.site`
(pages, charts, the MkDocs plugin); `bench.cli` wires them for the command line. `record`
imports neither of the others; `runner` and `site` import `record` and never each other.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bench-archive")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
