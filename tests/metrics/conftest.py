"""Fixtures shared by the metric tests."""

from tests.metrics.tiny_data import tiny

__all__ = ["tiny"]
