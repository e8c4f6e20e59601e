"""A run's charts: the model (`model`), Vega-Lite specs built with altair (`spec`), and SVGs
drawn in Python as Vega draws them (`svg`)."""
