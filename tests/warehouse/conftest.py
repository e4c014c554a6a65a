"""Fixtures of the warehouse tests."""

from tests.warehouse.engines import warehouse

__all__ = ["warehouse"]
