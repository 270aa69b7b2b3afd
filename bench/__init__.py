"""Load and rebuild benchmarks for the service (not run as tests).

`make bench` (that is, `python -m bench.run`) starts the service and two baseline apps,
loads each with the same requests, and writes docs/PERFORMANCE.md with every figure as a
ratio to a baseline measured in the same run.
"""
