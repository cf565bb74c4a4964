"""Formal checks, one module per check."""
