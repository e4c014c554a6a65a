"""Fixtures of the journey tests."""

from tests.journey.hand_journey import hand

__all__ = ["hand"]
