"""bench: benchmark local language models on code generation and publish every run.

The archive site's core (`bench.schema` -> `bench.archive` -> `bench.analysis` ->
`bench.charts` -> `bench.render`) knows nothing of MkDocs; `bench.plugin` wires it in.
The runner (`bench.runner`) writes records with the same schema.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bench-archive")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
