"""The run record: the contract the runner and the site share.

Schema and errors, loading the archive, and every figure derived from a record (analysis,
statistics, the data of findings and comparisons). Imports neither `bench.runner` nor
`bench.site`; it makes no text for people.
"""
