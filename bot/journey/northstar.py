"""The north-star card: the few numbers both teams steer by, each with the team that owns it,
its change against the previous period and what drove it.

- LTV/CAC, projected to the LTV horizon (joint: marketing buys the customers, operations
  makes them worth it);
- lead conversion: marketing's leads that operations turned into customers (operations);
- cost per converted lead (marketing);
- lead response time: the median hours from a lead to its first operations contact
  (operations).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.context import Context
from bot.metrics import Result, ask

# (metric, owner team) in the order the card shows them.
NORTH_STAR: tuple[tuple[str, str], ...] = (
    ("ltv_cac", "joint"),
    ("lead_conversion", "operations"),
    ("cost_per_converted_lead", "marketing"),
    ("lead_response_hours", "operations"),
)


@dataclass(frozen=True)
class Star:
    """One number of the card: the answer to its metric's question, and who owns it."""

    name: str
    owner: str
    result: Result

    @property
    def value(self) -> float | None:
        """The value shown: the projection to the full window for young cohorts."""
        result = self.result
        return result.projected_value if result.so_far else result.value


def north_star(ctx: Context, words: str = "") -> list[Star]:
    """The card over the default period (the last 30 complete days vs the 30 before), or over
    what `words` say (channel=, a period); raises QueryError for bad words."""
    stars = []
    for name, owner in NORTH_STAR:
        result = ask(f"/metric {name} {words}".strip(), ctx.settings, ctx.db, ctx.clock)
        stars.append(Star(name, owner, result))
    return stars
