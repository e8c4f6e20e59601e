"""The runner: asks local models for code, evaluates it in a sandbox, writes run records.

Nothing in the site (`bench.archive`, `bench.analysis`, `bench.render`, `bench.plugin`)
imports this package; the two halves meet only at `bench.schema.RunRecord`.
"""
