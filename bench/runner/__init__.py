"""The runner: asks local models for code, evaluates it in a sandbox, writes run records.

Imports `bench.record` (the schema it writes, the figures its summary shows), never
`bench.site`; nothing in `bench.site` imports this package.
"""
