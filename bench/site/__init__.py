"""The archive site: page model, page kinds, charts, templates, cache and assets.

Imports `bench.record`, never `bench.runner`; only `mkdocs_plugin` imports MkDocs.
"""
