"""Peer implementations of the refund-request rule for the latency benchmark.

See README.md in this directory for the method and the measured numbers.
"""
